/**
 * Worker threads for the repo scanner: each worker builds its own RuleIndex from the rules' plain
 * data and scans batches of files with synchronous reads (scanFile), posting back each file's
 * events. Subjects (id, locator prefix, the repository's own Python modules) are sent once per
 * worker, before the first batch that needs them.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../src/core/worker-entry.js';
import type { RuleIndex } from '../../src/rules/compile.js';
import type { Ev, JobSubject } from './scan.js';
import type { WalkFile } from './walk.js';

export interface WireSubject {
  subject: JobSubject['subject'];
  prefix: string;
  pyModules: Array<[string, string[]]>;
}

export interface WireJob {
  /** index into the subjects sent so far */
  si: number;
  f: WalkFile;
  includedFrom?: string;
}

export interface WorkerInit {
  services: ConstructorParameters<typeof RuleIndex>[0];
  modelFormats: ConstructorParameters<typeof RuleIndex>[1];
  maxFileBytes: number;
  prefilter: boolean;
}

interface Task {
  id: number;
  jobs: WireJob[];
  /** the same files scanned in the calling thread (work stealing) */
  local: () => Ev[][];
  resolve: (r: Ev[][]) => void;
  reject: (e: Error) => void;
}

interface Slot {
  w: Worker;
  /** how many subjects this worker has */
  known: number;
  /** posted to this worker, in order (it answers in order) */
  tasks: Task[];
}

/**
 * Batches posted ahead to each worker: it starts the next one as soon as it has posted a result,
 * without waiting for the main thread (which may be walking, replaying or scanning a batch itself)
 * to read that result and post more.
 */
export const PREFETCH = 3;

export class RepoPool {
  private slots: Slot[] = [];
  private queue: Task[] = [];
  /** every subject sent to the pool so far (a worker joining late gets the ones it lacks) */
  private subjects: WireSubject[] = [];
  private nextId = 1;
  private closed = false;

  get size(): number {
    return this.slots.length;
  }

  static async start(size: number, rules: RuleIndex, maxFileBytes: number, prefilter = true): Promise<RepoPool> {
    const pool = new RepoPool();
    const init: WorkerInit = { services: [...rules.services], modelFormats: [...rules.modelFormats], maxFileBytes, prefilter };
    const started = await Promise.allSettled(
      Array.from({ length: size }, async () => {
        const w = await startWorker(import.meta.url, './worker', 'repo-worker', { workerData: init });
        await new Promise<void>((res, rej) => {
          const onMsg = (m: { ready?: boolean }) => (done(), m?.ready ? res() : rej(new Error('worker did not start')));
          const onErr = (e: Error) => (done(), rej(e));
          const onExit = (code: number) => (done(), rej(new Error(`worker exited (${code})`)));
          // only our own listeners: removeAllListeners() would also drop the Worker's internal ones
          const done = () => void w.off('message', onMsg).off('error', onErr).off('exit', onExit);
          w.on('message', onMsg).on('error', onErr).on('exit', onExit);
        });
        return w;
      }),
    );
    for (const r of started) if (r.status === 'fulfilled') pool.add(r.value);
    if (!pool.slots.length) {
      const why = started.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason as Error | undefined;
      throw why ?? new Error('no worker started');
    }
    return pool;
  }

  private add(w: Worker): void {
    const slot: Slot = { w, known: 0, tasks: [] };
    w.on('message', (m: { id: number; result?: Ev[][]; error?: string }) => {
      const k = slot.tasks.findIndex((t) => t.id === m.id);
      if (k < 0) return;
      const [t] = slot.tasks.splice(k, 1);
      if (m.error !== undefined) t.reject(new Error(m.error));
      else t.resolve(m.result!);
      this.pump();
    });
    const lost = (e: Error) => {
      this.slots = this.slots.filter((s) => s !== slot);
      for (const t of slot.tasks.splice(0)) t.reject(e);
      if (!this.slots.length) for (const t of this.queue.splice(0)) t.reject(e);
      else this.pump();
    };
    w.on('error', lost);
    w.on('exit', (code) => lost(new Error(`worker exited (${code})`)));
    this.slots.push(slot);
  }

  /**
   * Scans a batch of files in a worker; `local` scans the same files in the calling thread when
   * the batch is stolen (steal()). `fresh` are subjects first named by this batch, numbered from `from`.
   */
  run(fresh: WireSubject[], from: number, jobs: WireJob[], local: () => Ev[][]): Promise<Ev[][]> {
    if (fresh.length) this.subjects.splice(from, fresh.length, ...fresh);
    return new Promise((resolve, reject) => {
      if (this.closed || !this.slots.length) return reject(new Error('pool closed'));
      this.queue.push({ id: this.nextId++, jobs, local, resolve, reject });
      this.pump();
    });
  }

  /** Batches waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Work stealing: scans the next batch no worker has taken yet in the calling thread (the main
   * thread when it would otherwise wait). False when there is none.
   */
  steal(): boolean {
    const t = this.queue.shift();
    if (!t) return false;
    try {
      t.resolve(t.local());
    } catch (e) {
      t.reject(e as Error);
    }
    return true;
  }

  private pump(): void {
    for (let more = true; more && this.queue.length; ) {
      more = false;
      // round robin, one batch per worker per round: the least loaded first
      for (const slot of this.slots) {
        if (slot.tasks.length >= PREFETCH || !this.queue.length) continue;
        const t = this.queue.shift()!;
        slot.tasks.push(t);
        let need = 0;
        for (const j of t.jobs) if (j.si + 1 > need) need = j.si + 1;
        const subjects = slot.known < need ? this.subjects.slice(slot.known, need) : [];
        slot.w.postMessage({ id: t.id, from: slot.known, subjects, jobs: t.jobs });
        slot.known = Math.max(slot.known, need);
        more = true;
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('aborted'));
    const ws = this.slots.map((s) => s.w);
    this.slots = [];
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
