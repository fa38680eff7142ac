/**
 * The compiled CLI runs its worker threads from the compiled output too (dist/egress-worker.mjs,
 * built with dist/main.mjs), and they find what the single-threaded TypeScript sources find.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpDir } from '../helpers/tmp.js';
import { PACKAGE_ROOT, runCli } from '../helpers/cli-process.js';

function findings(json: string): string[] {
  const r = JSON.parse(json) as { findings: Array<Record<string, unknown>> };
  return r.findings.map((f) => JSON.stringify([f.service, f.kind, f.value, f.subject, f.locator, f.count])).sort();
}

describe('egress worker threads in the compiled CLI', () => {
  it('start from dist/ and find the same as the sources parsing in one thread', async () => {
    const d = tmpDir();
    const text = readFileSync(join(PACKAGE_ROOT, 'fixtures', 'egress', 'squid-access.log'), 'utf8');
    const log = join(d, 'access.log');
    writeFileSync(log, text.repeat(Math.ceil((3 << 20) / text.length)));
    const config = (workers: number) => {
      const f = join(d, `w${workers}.yaml`);
      writeFileSync(f, `version: 1\nsources:\n  egress:\n    paths: [${log}]\n    workers: ${workers}\n    parallelMinMiB: 0\n    chunkMiB: 1\n`);
      return f;
    };
    const pooled = await runCli(['scan', '--config', config(1), '--db', join(d, 'a.db'), '--format', 'json', '--quiet']);
    expect(pooled.code, pooled.err).toBe(0);
    // a worker that cannot start falls back to the main thread with this warning: it must not appear
    expect(pooled.err).not.toMatch(/worker threads unavailable/);
    const single = await runCli(['scan', '--config', config(0), '--db', join(d, 'b.db'), '--format', 'json', '--quiet'], { env: { SHADOWSCAN_FROM_SOURCE: '1' } });
    expect(single.code, single.err).toBe(0);
    const a = findings(pooled.out);
    expect(a.length).toBeGreaterThan(0);
    expect(a).toEqual(findings(single.out));
  });
});

describe('repository worker threads in the compiled CLI', () => {
  it('start from dist/ and find the same as the sources scanning in one thread', async () => {
    const d = tmpDir();
    const config = (workers: number) => {
      const f = join(d, `r${workers}.yaml`);
      writeFileSync(f, `version: 1\nsources:\n  repo:\n    paths: [${join(PACKAGE_ROOT, 'fixtures')}]\n    workers: ${workers}\n`);
      return f;
    };
    const pooled = await runCli(['scan', '--config', config(1), '--db', join(d, 'a.db'), '--format', 'json', '--quiet']);
    expect(pooled.code, pooled.err).toBe(0);
    expect(pooled.err).not.toMatch(/worker threads unavailable/);
    expect(JSON.stringify(JSON.parse(pooled.out).coverage)).toMatch(/"workerThreads":1/);
    const single = await runCli(['scan', '--config', config(0), '--db', join(d, 'b.db'), '--format', 'json', '--quiet'], { env: { SHADOWSCAN_FROM_SOURCE: '1' } });
    expect(single.code, single.err).toBe(0);
    const a = findings(pooled.out);
    expect(a.length).toBeGreaterThan(20);
    expect(a).toEqual(findings(single.out));
  }, 180_000);
});
