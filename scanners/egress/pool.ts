/**
 * A small worker pool for range tasks. Workers start lazily, each builds its own RuleIndex from
 * the rules' plain data. If a worker cannot start (no loader, restricted runtime) the caller
 * falls back to parsing in the main thread.
 */
import { Worker } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
    const script = await workerEntry();
    const pool = new Pool(local);
    const data = { services: rules.services, modelFormats: rules.modelFormats };
    const ready: Array<Promise<void>> = [];
    for (let i = 0; i < size; i++) {
      const w = new Worker(script, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 4 } });
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

let entry: Promise<URL | string> | undefined;

/** Defined (true) by bin/build.mjs in the compiled CLI; absent when the TypeScript sources run. */
declare const __SHADOWSCAN_COMPILED__: boolean | undefined;

/**
 * The worker script. In the compiled CLI: dist/egress-worker.mjs, built with it. From the sources: worker-impl.ts bundled once into plain JS (esbuild, cached in the
 * temp dir by content hash) — a worker then needs no TypeScript loader, which saves ~60 MB and
 * ~1 s of start-up per worker. Fallback: worker.mjs, which registers tsx inside the worker.
 */
function workerEntry(): Promise<URL | string> {
  entry ??= (async () => {
    // the compiled CLI ships the worker built next to it (dist/egress-worker.mjs, same build)
    if (typeof __SHADOWSCAN_COMPILED__ !== 'undefined' && __SHADOWSCAN_COMPILED__) return new URL('../../dist/egress-worker.mjs', import.meta.url);
    const fallback = new URL('./worker.mjs', import.meta.url);
    try {
      const src = fileURLToPath(new URL('./worker-impl.ts', import.meta.url));
      const { build } = await import('esbuild');
      const r = await build({ entryPoints: [src], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false, logLevel: 'silent',
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
      const code = r.outputFiles[0].text;
      const out = join(tmpdir(), `shadowscan-egress-worker-${createHash('sha1').update(code).digest('hex').slice(0, 16)}.mjs`);
      if (!existsSync(out) || readFileSync(out, 'utf8') !== code) {
        const tmp = `${out}.${process.pid}.tmp`;
        writeFileSync(tmp, code);
        renameSync(tmp, out);
      }
      return out;
    } catch {
      return fallback;
    }
  })();
  return entry;
}
