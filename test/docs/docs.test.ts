/**
 * Docs that run: every `sh` / `bash` / `shell` block of README.md and docs/*.md is run, in order
 * per file, by bash (`set -eo pipefail`) in a fresh folder holding the demo register (built once
 * with `shadowscan demo`, copied per file), with `shadowscan` and `npx shadowscan` resolved to
 * bin/shadowscan.mjs, a loopback webhook receiver as $SHADOWSCAN_WEBHOOK_URL, and `shadowscan
 * serve` started in the background on a free loopback port (the docs' 8080 is rewritten to it).
 * A block that cannot run here (real cloud credentials, external query engines, `npm ci`) is
 * preceded by `<!-- docs-test: skip REASON -->`; the test counts and prints those.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as netServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DOC_FILES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const SKIP = /^<!--\s*docs-test:\s*skip\s+(.+?)\s*-->$/;

export interface DocBlock {
  file: string;
  line: number;
  code: string;
  skip?: string;
}

/** The shell blocks of a markdown text, with the skip marker (the last non-blank line before the fence). */
export function shellBlocks(file: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const out: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith('```')) j++;
    if (['sh', 'bash', 'shell'].includes(open[1])) {
      let k = i - 1;
      while (k >= 0 && !lines[k].trim()) k--;
      const skip = k >= 0 ? SKIP.exec(lines[k].trim())?.[1] : undefined;
      out.push({ file, line: i + 1, code: lines.slice(i + 1, j).join('\n'), skip });
    }
    i = j;
  }
  return out;
}

async function freePort(): Promise<number> {
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

// DOCS_ONLY=docs/web.md,README.md narrows a local run to some files (CI runs them all)
const ONLY = process.env.DOCS_ONLY?.split(',').filter(Boolean);
const ALL = DOC_FILES.filter((f) => !ONLY || ONLY.includes(f)).map((f) => ({ file: f, blocks: shellBlocks(f, readFileSync(join(ROOT, f), 'utf8')) }));

describe('docs that run', () => {
  let demoDb: string;
  let auditKey: string;
  let shims: string;
  let hook: Server;
  let hookUrl: string;
  const received: string[] = [];

  beforeAll(async () => {
    // the demo register, built once (what `npm start` does)
    const d = tmpDir('shadowscan-docs-demo-');
    // one user's audit key (the decision log is keyed): the demo and every documented command share it
    auditKey = join(d, 'audit.key');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/shadowscan.mjs'), 'demo'], { cwd: d, encoding: 'utf8', timeout: 240_000, env: { ...process.env, SHADOWSCAN_AUDIT_KEY_FILE: auditKey } });
    expect(r.status, r.stderr).toBe(0);
    demoDb = join(d, 'shadowscan-demo.db');
    expect(existsSync(demoDb)).toBe(true);
    // a loopback webhook receiver
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((r2) => hook.listen(0, '127.0.0.1', r2));
    hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
    // `shadowscan` and `npx shadowscan` → bin/shadowscan.mjs; `serve` goes to the background
    shims = tmpDir('shadowscan-docs-bin-');
    const realNpx = spawnSync('bash', ['-c', 'command -v npx'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(
      join(shims, 'shadowscan'),
      `#!/usr/bin/env bash
if [ "$1" = serve ]; then
  "${process.execPath}" "${ROOT}/bin/shadowscan.mjs" "$@" --port "$DOCS_PORT" >>"$DOCS_WORLD/serve.log" 2>&1 &
  echo $! >>"$DOCS_WORLD/serve.pids"
  for i in $(seq 1 150); do
    curl -fs -o /dev/null "http://127.0.0.1:$DOCS_PORT/login" && exit 0
    kill -0 $! 2>/dev/null || { cat "$DOCS_WORLD/serve.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "docs test: serve did not start" >&2; exit 1
fi
exec "${process.execPath}" "${ROOT}/bin/shadowscan.mjs" "$@"
`,
    );
    writeFileSync(join(shims, 'npx'), `#!/usr/bin/env bash\nif [ "$1" = shadowscan ]; then shift; exec shadowscan "$@"; fi\nexec "${realNpx}" "$@"\n`);
    chmodSync(join(shims, 'shadowscan'), 0o755);
    chmodSync(join(shims, 'npx'), 0o755);
  }, 300_000);

  afterAll(async () => {
    await new Promise((r) => hook?.close(r));
    const skipped = ALL.flatMap((f) => f.blocks.filter((b) => b.skip));
    console.log(`docs test: ${ALL.reduce((n, f) => n + f.blocks.length, 0)} shell blocks, ${skipped.length} skipped:\n${skipped.map((b) => `  ${b.file}:${b.line}: ${b.skip}`).join('\n')}`);
  });

  it('finds the shell blocks, and every skip names its reason', () => {
    const count = (f: string) => shellBlocks(f, readFileSync(join(ROOT, f), 'utf8')).length;
    expect(count('README.md')).toBeGreaterThan(3);
    expect(count('docs/web.md')).toBeGreaterThan(3);
    for (const b of ALL.flatMap((f) => f.blocks)) if (b.skip !== undefined) expect(b.skip.length, `${b.file}:${b.line}`).toBeGreaterThan(10);
  });

  it('the block parser sees markers, languages and fences', () => {
    const md = 'x\n<!-- docs-test: skip needs real AWS credentials -->\n\n```sh\naws sso login\n```\n```yaml\na: 1\n```\n```bash\necho hi\necho there\n```\n';
    expect(shellBlocks('t.md', md)).toEqual([
      { file: 't.md', line: 4, code: 'aws sso login', skip: 'needs real AWS credentials' },
      { file: 't.md', line: 10, code: 'echo hi\necho there', skip: undefined },
    ]);
  });

  for (const { file, blocks } of ALL) {
    const runnable = blocks.filter((b) => !b.skip);
    // a file whose every block needs an outside service has no test here (its skips are listed in afterAll)
    if (!runnable.length) continue;
    it(`${file}: ${runnable.length} block(s) run green`, async () => {
      const world = tmpDir('shadowscan-docs-');
      for (const e of ['bin', 'src', 'scanners', 'rules', 'fixtures', 'node_modules', 'package.json', 'package-lock.json', 'tsconfig.json']) symlinkSync(join(ROOT, e), join(world, e));
      mkdirSync(join(world, 'docs'));
      cpSync(join(ROOT, 'docs/examples'), join(world, 'docs/examples'), { recursive: true });
      copyFileSync(join(ROOT, 'docs/shadowscan.schema.json'), join(world, 'docs/shadowscan.schema.json'));
      copyFileSync(demoDb, join(world, 'shadowscan-demo.db'));
      const port = await freePort();
      const env = { ...process.env, PATH: `${shims}:${process.env.PATH}`, HOME: world, SHADOWSCAN_AUDIT_KEY_FILE: auditKey, DOCS_PORT: String(port), DOCS_WORLD: world, SHADOWSCAN_WEBHOOK_URL: hookUrl, SHADOWSCAN_PASSWORD: '', NO_COLOR: '1' };
      try {
        for (const b of runnable) {
          const script = `set -eo pipefail\n${b.code.replace(/\b8080\b/g, String(port))}\n`;
          const res = await new Promise<{ code: number | null; out: string; err: string }>((done) => {
            const p = spawn('bash', ['-c', script], { cwd: world, env });
            let out = '';
            let err = '';
            p.stdout.on('data', (c) => (out += c));
            p.stderr.on('data', (c) => (err += c));
            p.stdin.end('docs-test-password-1234\n');
            const timer = setTimeout(() => p.kill('SIGKILL'), 240_000);
            p.on('close', (code) => {
              clearTimeout(timer);
              done({ code, out, err });
            });
          });
          expect(res.code, `${b.file}:${b.line} exited ${res.code}\n--- block\n${b.code}\n--- stderr\n${res.err.slice(-3000)}\n--- stdout\n${res.out.slice(-1500)}`).toBe(0);
        }
      } finally {
        const pids = existsSync(join(world, 'serve.pids')) ? readFileSync(join(world, 'serve.pids'), 'utf8').split('\n').filter(Boolean) : [];
        for (const pid of pids) {
          try {
            process.kill(Number(pid), 'SIGTERM');
          } catch {
            /* already gone */
          }
        }
        // wait for the port to be free again
        for (let i = 0; i < 50 && pids.length; i++) {
          if (pids.every((pid) => spawnSync('kill', ['-0', pid]).status !== 0)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }, 900_000);
  }
});
