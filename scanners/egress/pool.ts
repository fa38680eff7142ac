/**
 * A small worker pool for range tasks. Workers start lazily, each builds its own RuleIndex from
 * the rules' plain data. If a worker cannot start (no loader, restricted runtime) the caller
 * falls back to parsing in the main thread.
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../../src/core/worker-entry.js';
import type { RuleIndex } from '../../src/rules/compile.js';
import type { RangeTask, TaskResult } from './reader.js';

interface Pending {
  task: RangeTask;
  resolve: (r: TaskResult) => void;
  reject: (e: Error) => void;
}

export class Pool {
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private queue: Array<Pending & { id: number }> = [];
  private running = new Map<Worker, Pending & { id: number }>();
  private nextId = 1;
  private closed = false;
  private localBusy = false;

  /** `local` runs a task in this thread: the main thread takes tasks too (one isolate fewer). */
  private constructor(private local?: (t: RangeTask) => Promise<TaskResult>) {}

  static async start(size: number, rules: RuleIndex, local?: (t: RangeTask) => Promise<TaskResult>): Promise<Pool> {
    const entry = await workerEntry(import.meta.url, './worker-impl', 'egress-worker');
    const pool = new Pool(local);
    const data = { services: rules.services, modelFormats: rules.modelFormats };
    const ready: Array<Promise<void>> = [];
    for (let i = 0; i < size; i++) {
      const w = new Worker(entry.script, { eval: entry.eval, workerData: data, resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 4 } });
      pool.workers.push(w);
      ready.push(
        new Promise<void>((res, rej) => {
          const onMsg = (m: { ready?: boolean }) => {
            if (m?.ready) {
              w.off('message', onMsg);
              w.off('error', rej);
              res();
            }
          };
          w.on('message', onMsg);
          w.once('error', rej);
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw e;
    }
    for (const w of pool.workers) {
      w.on('message', (m: { id: number; result?: TaskResult; error?: string }) => pool.done(w, m));
      w.on('error', (e) => pool.failed(w, e));
      pool.idle.push(w);
    }
    return pool;
  }

  run(task: RangeTask): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('pool closed'));
      this.queue.push({ id: this.nextId++, task, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.local && !this.localBusy && this.queue.length) {
      const p = this.queue.shift()!;
      this.localBusy = true;
      // let worker messages be posted first, then parse here
      setImmediate(() => {
        this.local!(p.task)
          .then(p.resolve, p.reject)
          .finally(() => {
            this.localBusy = false;
            this.pump();
          });
      });
    }
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop()!;
      const p = this.queue.shift()!;
      this.running.set(w, p);
      w.postMessage({ id: p.id, task: p.task });
    }
  }

  private done(w: Worker, m: { id: number; result?: TaskResult; error?: string }): void {
    const p = this.running.get(w);
    if (!p || p.id !== m.id) return;
    this.running.delete(w);
    this.idle.push(w);
    if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve(m.result!);
    this.pump();
  }

  private failed(w: Worker, e: Error): void {
    const p = this.running.get(w);
    this.running.delete(w);
    this.workers = this.workers.filter((x) => x !== w);
    p?.reject(e);
    if (!this.workers.length) for (const q of this.queue.splice(0)) q.reject(e);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.reject(new Error('aborted'));
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}
