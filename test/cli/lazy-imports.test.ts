/**
 * Start-up loads only what the command needs: `--version`, `--help` and a repo scan of an empty
 * folder never import the cloud SDKs, the query engines' clients, PostgreSQL, the web server or
 * Playwright. Every module the compiled CLI resolves is logged by a Node resolve hook.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tmpDir } from '../helpers/tmp.js';
import { PACKAGE_ROOT, runCli } from '../helpers/cli-process.js';

const HEAVY = /node_modules\/(@aws-sdk|@smithy|@azure|@google-cloud|google-auth-library|@elastic|@duckdb|pg|pg-[a-z-]+|fastify|@fastify|playwright-core|@node-rs|tsx|esbuild)\//;

async function resolved(args: string[]): Promise<string[]> {
  const d = tmpDir();
  const trace = join(d, 'resolved.txt');
  writeFileSync(trace, '');
  const hooks = join(d, 'hooks.mjs');
  writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function resolve(spec, ctx, next) { const r = await next(spec, ctx); appendFileSync(${JSON.stringify(trace)}, r.url + '\\n'); return r; }\n`);
  const reg = join(d, 'register.mjs');
  writeFileSync(reg, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const r = await runCli(args, { env: { NODE_OPTIONS: `--import ${pathToFileURL(reg).href}` } });
  expect(r.code, r.err).toBe(0);
  return readFileSync(trace, 'utf8').split('\n').filter(Boolean);
}

describe('lazy loading at start-up (compiled CLI)', () => {
  it('--version, --help and an empty-folder scan import no heavy library', async () => {
    const empty = join(tmpDir(), 'empty');
    mkdirSync(empty);
    const version = await resolved(['--version']);
    // the hook sees the launcher and the compiled entry: it works
    expect(version.some((u) => u.endsWith('/dist/main.mjs'))).toBe(true);
    expect(version.filter((u) => u.includes('/node_modules/'))).toEqual(version.filter((u) => /node_modules\/commander\//.test(u)));
    for (const args of [['--help'], ['scan', '--help'], ['scan', '--repo', empty, '--db', join(tmpDir(), 'r.db'), '--quiet']]) {
      const urls = await resolved(args);
      expect(urls.some((u) => u.includes('/dist/'))).toBe(true);
      expect(urls.filter((u) => HEAVY.test(u)), args.join(' ')).toEqual([]);
    }
    // and the hook would see one: the web command's server is fastify
    expect(HEAVY.test(`${pathToFileURL(PACKAGE_ROOT).href}/node_modules/fastify/fastify.js`)).toBe(true);
  });
});
