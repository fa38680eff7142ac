/**
 * A small worker pool for range tasks. Workers start lazily, each builds its own RuleIndex from
 * the rules' plain data. If a worker cannot start (no loader, restricted runtime) the caller
 * falls back to parsing in the main thread.
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../../src/core/worker-entry.js';
import type { RuleIndex } from '../../src/rules/compile.js';
import type { RangeTask, TaskResult } from './reader.js';
import type { AggBatch } from './engine.js';

/** Worker → pool: a task's result or error, a batch of aggregates (spill), or the reply to a drain. */
interface Reply {
  id?: number;
  result?: TaskResult;
  error?: string;
  spill?: AggBatch[];
  drained?: AggBatch[];
}

export interface PoolOptions {
  /** runs a task in this thread: the main thread takes tasks too (one isolate fewer) */
  local?: (t: RangeTask) => Promise<TaskResult>;
  /** receives every aggregate batch a worker hands over (spilled or drained) */
  onAggs: (batches: AggBatch[]) => void;
  /** aggregates (and join uids) a worker holds before handing them over */
  spillAggs: number;
}

/**
 * Old-generation heap of a worker: its caches (host decisions, duplicates, resolvers: bounded,
 * ~30 MB at most) plus its aggregate table, which is handed over past `spillAggs` entries
 * (~1 KB each at most, join uids included) — so the limit follows the spill bound.
 */
export function workerHeapMb(spillAggs: number): number {
  return 64 + Math.ceil(spillAggs / 1000);
}

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
  private local?: (t: RangeTask) => Promise<TaskResult>;
  private drains = new Map<number, () => void>();

  private constructor(private opts: PoolOptions) {
    this.local = opts.local;
  }

  static async start(size: number, rules: RuleIndex, opts: PoolOptions): Promise<Pool> {
    const entry = await workerEntry(import.meta.url, './worker-impl', 'egress-worker');
    const pool = new Pool(opts);
    const data = { services: rules.services, modelFormats: rules.modelFormats, spillAggs: opts.spillAggs };
    const ready: Array<Promise<void>> = [];
    for (let i = 0; i < size; i++) {
      const w = new Worker(entry.script, { eval: entry.eval, workerData: data, resourceLimits: { maxOldGenerationSizeMb: workerHeapMb(opts.spillAggs), maxYoungGenerationSizeMb: 4 } });
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
      w.on('message', (m: Reply) => pool.done(w, m));
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

  /**
   * Asks every worker for the aggregates it still holds (call once no task runs); they reach
   * `onAggs` before this resolves.
   */
  async drain(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const id = this.nextId++;
            this.drains.set(id, resolve);
            w.postMessage({ id, drain: true });
          }),
      ),
    );
  }

  private done(w: Worker, m: Reply): void {
    if (m.spill) {
      this.opts.onAggs(m.spill);
      return;
    }
    if (m.drained) {
      this.opts.onAggs(m.drained);
      const d = this.drains.get(m.id!);
      this.drains.delete(m.id!);
      d?.();
      return;
    }
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
    // a dead worker answers no drain: do not wait for it
    for (const d of this.drains.values()) d();
    this.drains.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const d of this.drains.values()) d();
    this.drains.clear();
    for (const q of this.queue.splice(0)) q.reject(new Error('aborted'));
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}
