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
  /** claims (see RepoPool): Int32Array over a SharedArrayBuffer of CLAIM_SLOTS entries */
  claims: SharedArrayBuffer;
  /** this worker's claim mark (negative) */
  me: number;
  /** the lane whose batches this worker scans first (see RepoPool) */
  lane: number;
}

/**
 * Lanes: each batch holds files of one lane (scan.ts: source code, or everything else) and each
 * thread scans the batches of its own lane first — the main thread lane 0, the first worker lane 1
 * (workers alternate) — and the other lane's unclaimed batches when it has none left. A V8 isolate
 * compiles the code it runs: a thread that runs mostly the source-code lexer and parsers, or mostly
 * the YAML / JSON / manifest parsers, warms up (and optimises) about half the code, not all of it.
 */
export const LANES = 2;
/** The main thread's lane. */
export const MAIN_LANE = 0;

/**
 * A worker's young generation (MB): its objects live for one file, so a small nursery costs no
 * measurable CPU and keeps the process's peak RSS down (each isolate otherwise grows its own to
 * the default; the accuracy corpus peaked at 264–279 MB with 8, 290–325 MB without).
 */
const WORKER_YOUNG_MB = 8;

/** Batches in flight at most (the claim ring's size). */
export const CLAIM_SLOTS = 1 << 16;
/** The main thread's claim mark. */
const MAIN = -1;

/** Claims a batch for the calling thread: true when no other thread had it. */
export function claim(claims: Int32Array, id: number, me: number): boolean {
  return Atomics.compareExchange(claims, id % CLAIM_SLOTS, id, me) === id;
}

interface Task {
  id: number;
  lane: number;
  jobs: WireJob[];
  /** the same files scanned in the calling thread (work stealing) */
  local: () => Ev[][];
  resolve: (r: Ev[][]) => void;
  reject: (e: Error) => void;
  settled?: boolean;
}

interface Slot {
  w: Worker;
  me: number;
  /** how many subjects this worker has */
  known: number;
}

/**
 * Work sharing without the main thread in the loop: every batch is posted to every worker at
 * once, in order, and each batch is done by the first thread that claims it (an atomic
 * compare-and-swap on a shared array: the batch's id while unclaimed, the claimer's mark after).
 * Each worker goes through the batches in order and skips the ones already claimed, so a worker
 * never waits for the main thread (busy walking, replaying or scanning) to hand it work, and the
 * main thread claims the next unclaimed batch itself rather than wait for a result (steal()).
 */
export class RepoPool {
  private slots: Slot[] = [];
  /** batches posted and not settled, by id */
  private inFlight = new Map<number, Task>();
  /** batches waiting for a free claim slot (more than CLAIM_SLOTS in flight) */
  private backlog: Task[] = [];
  /** every subject sent to the pool so far (a worker joining late gets the ones it lacks) */
  private subjects: WireSubject[] = [];
  private nextId = 1;
  private closed = false;
  private readonly claims: Int32Array;

  private constructor(private readonly sab: SharedArrayBuffer) {
    this.claims = new Int32Array(sab);
  }

  get size(): number {
    return this.slots.length;
  }

  static async start(size: number, rules: RuleIndex, maxFileBytes: number, prefilter = true): Promise<RepoPool> {
    const pool = new RepoPool(new SharedArrayBuffer(CLAIM_SLOTS * 4));
    const started = await Promise.allSettled(
      Array.from({ length: size }, async (_, k) => {
        const init: WorkerInit = { services: [...rules.services], modelFormats: [...rules.modelFormats], maxFileBytes, prefilter, claims: pool.sab, me: -2 - k, lane: (MAIN_LANE + 1 + k) % LANES };
        const w = await startWorker(import.meta.url, './worker', 'repo-worker', { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
        await new Promise<void>((res, rej) => {
          const onMsg = (m: { ready?: boolean }) => (done(), m?.ready ? res() : rej(new Error('worker did not start')));
          const onErr = (e: Error) => (done(), rej(e));
          const onExit = (code: number) => (done(), rej(new Error(`worker exited (${code})`)));
          // only our own listeners: removeAllListeners() would also drop the Worker's internal ones
          const done = () => void w.off('message', onMsg).off('error', onErr).off('exit', onExit);
          w.on('message', onMsg).on('error', onErr).on('exit', onExit);
        });
        return { w, me: init.me };
      }),
    );
    for (const r of started) if (r.status === 'fulfilled') pool.add(r.value.w, r.value.me);
    if (!pool.slots.length) {
      const why = started.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason as Error | undefined;
      throw why ?? new Error('no worker started');
    }
    return pool;
  }

  private add(w: Worker, me: number): void {
    const slot: Slot = { w, me, known: 0 };
    w.on('message', (m: { id: number; result?: Ev[][]; error?: string }) => {
      const t = this.inFlight.get(m.id);
      if (!t) return;
      if (m.error !== undefined) this.settle(t, undefined, new Error(m.error));
      else this.settle(t, m.result!);
    });
    const lost = (e: Error) => {
      if (!this.slots.includes(slot)) return;
      this.slots = this.slots.filter((s) => s !== slot);
      // what it had claimed is lost with it (the caller scans those files itself); what nobody
      // claimed stays for the other workers and the main thread
      for (const t of [...this.inFlight.values()]) if (this.claims[t.id % CLAIM_SLOTS] === slot.me) this.settle(t, undefined, e);
    };
    w.on('error', lost);
    w.on('exit', (code) => lost(new Error(`worker exited (${code})`)));
    this.slots.push(slot);
  }

  private settle(t: Task, result: Ev[][] | undefined, error?: Error): void {
    if (t.settled) return;
    t.settled = true;
    this.inFlight.delete(t.id);
    if (error) t.reject(error);
    else t.resolve(result!);
    if (this.backlog.length) this.post(this.backlog.shift()!);
  }

  /**
   * Scans a batch of files in whichever thread claims it first; `local` scans the same files in
   * the calling thread (steal()). `fresh` are subjects first named by this batch, numbered from `from`;
   * `lane` is the lane of its files (LANES).
   */
  run(fresh: WireSubject[], from: number, jobs: WireJob[], local: () => Ev[][], lane = MAIN_LANE): Promise<Ev[][]> {
    if (fresh.length) this.subjects.splice(from, fresh.length, ...fresh);
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('pool closed'));
      const t: Task = { id: this.nextId++, lane, jobs, local, resolve, reject };
      if (this.inFlight.size >= CLAIM_SLOTS) this.backlog.push(t);
      else this.post(t);
    });
  }

  private post(t: Task): void {
    this.inFlight.set(t.id, t);
    // the ring slot's previous batch (id − CLAIM_SLOTS) is settled: at most CLAIM_SLOTS in flight
    Atomics.store(this.claims, t.id % CLAIM_SLOTS, t.id);
    let need = 0;
    for (const j of t.jobs) if (j.si + 1 > need) need = j.si + 1;
    for (const slot of this.slots) {
      const subjects = slot.known < need ? this.subjects.slice(slot.known, need) : [];
      slot.w.postMessage({ id: t.id, lane: t.lane, from: slot.known, subjects, jobs: t.jobs });
      slot.known = Math.max(slot.known, need);
    }
  }

  /**
   * Work stealing: scans, in the calling thread, the first batch of the main thread's lane no
   * thread has claimed yet, else the first of any lane (the main thread, when it would otherwise
   * wait). False when every batch is claimed.
   */
  steal(): boolean {
    return this.stealFrom(MAIN_LANE) || this.stealFrom(-1);
  }

  /** steal() within one lane (−1: any). */
  private stealFrom(lane: number): boolean {
    for (const t of this.inFlight.values()) {
      if ((lane >= 0 && t.lane !== lane) || !claim(this.claims, t.id, MAIN)) continue;
      let result: Ev[][];
      try {
        result = t.local();
      } catch (e) {
        this.settle(t, undefined, e as Error);
        return true;
      }
      this.settle(t, result);
      return true;
    }
    return false;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of [...this.backlog.splice(0), ...this.inFlight.values()]) this.settle(t, undefined, new Error('aborted'));
    const ws = this.slots.map((s) => s.w);
    this.slots = [];
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
