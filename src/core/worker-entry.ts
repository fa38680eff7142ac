/**
 * The script a worker thread runs, for a worker module that sits next to its caller:
 * `workerEntry(import.meta.url, './worker-impl')`. The extension is the caller's own, so the same
 * call works from the TypeScript sources and from compiled JavaScript:
 * - compiled (`.js`, `.mjs`): the sibling module itself — no loader needed;
 * - TypeScript (`.ts`, run through tsx): the module bundled once into plain JS with esbuild and
 *   cached in the temp folder by content hash (a worker then needs no TypeScript loader: ~60 MB
 *   and ~1 s of start-up less per worker); without esbuild, a tiny bootstrap that registers tsx
 *   in the worker thread (loader hooks are per thread) and imports the module.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface WorkerScript {
  script: string | URL;
  /** The script is JavaScript source to evaluate (the tsx bootstrap), not a file. */
  eval: boolean;
}

const cache = new Map<string, Promise<WorkerScript>>();

/** Defined (true) by bin/build.mjs in the compiled CLI; absent when the TypeScript sources run. */
declare const __SHADOWSCAN_COMPILED__: boolean | undefined;

/**
 * `compiled` names the worker's entry point in bin/build.mjs (ENTRIES): the compiled CLI is one
 * bundle in dist/, where the worker is built as dist/<compiled>.mjs (import.meta.url is this source
 * file's own URL there too: bin/build.mjs keeps it), not next to its caller.
 */
export function workerEntry(callerUrl: string, sibling: string, compiled: string): Promise<WorkerScript> {
  if (typeof __SHADOWSCAN_COMPILED__ !== 'undefined' && __SHADOWSCAN_COMPILED__) return Promise.resolve({ script: new URL(`../../dist/${compiled}.mjs`, import.meta.url), eval: false });
  const ext = /\.[cm]?[jt]s$/.exec(new URL(callerUrl).pathname)?.[0] ?? '.js';
  const impl = new URL(sibling + ext, callerUrl);
  let p = cache.get(impl.href);
  if (!p) cache.set(impl.href, (p = resolveEntry(impl, ext)));
  return p;
}

async function resolveEntry(impl: URL, ext: string): Promise<WorkerScript> {
  if (!ext.endsWith('ts')) return { script: impl, eval: false };
  const src = fileURLToPath(impl);
  try {
    const { build } = await import('esbuild');
    const r = await build({
      entryPoints: [src], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false, logLevel: 'silent',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    const code = r.outputFiles[0].text;
    const out = join(tmpdir(), `shadowscan-worker-${createHash('sha1').update(code).digest('hex').slice(0, 16)}.mjs`);
    if (!existsSync(out) || readFileSync(out, 'utf8') !== code) {
      const tmp = `${out}.${process.pid}.tmp`;
      writeFileSync(tmp, code);
      renameSync(tmp, out);
    }
    return { script: pathToFileURL(out), eval: false };
  } catch {
    const tsx = import.meta.resolve('tsx/esm/api');
    return { script: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(impl.href)}); });`, eval: true };
  }
}

/** Starts a worker on `workerEntry(callerUrl, sibling)`. */
export async function startWorker(callerUrl: string, sibling: string, compiled: string, opts: WorkerOptions): Promise<Worker> {
  const e = await workerEntry(callerUrl, sibling, compiled);
  return new Worker(e.script, { ...opts, eval: e.eval });
}
