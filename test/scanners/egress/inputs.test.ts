import { describe, expect, it } from 'vitest';
import { appendFileSync, copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FIXTURES, run, runStdin, tmp, byPair } from './helpers.js';

const squid = readFileSync(join(FIXTURES, 'squid-access.log'));
const line = (t: number, user: string, host: string, bytes = 100) => `${t}.000    10 10.1.1.1 TCP_TUNNEL/200 ${bytes} CONNECT ${host}:443 ${user} HIER_DIRECT/192.0.2.1 -\n`;

describe('egress inputs', () => {
  it('gzip files are read by content (magic bytes), whatever their name', async () => {
    const d = tmp();
    writeFileSync(join(d, 'access.log.2.gz'), gzipSync(squid));
    writeFileSync(join(d, 'weird-name.txt'), gzipSync(squid));
    const r = await run({ paths: [join(d, 'access.log.2.gz')] });
    expect(byPair(r.obs)['user:alice api.openai.com'].count).toBe(2);
    const r2 = await run({ paths: [join(d, 'weird-name.txt')] });
    expect(byPair(r2.obs)['user:alice api.openai.com'].count).toBe(2);
  });

  it('a truncated .gz keeps what was read and reports the rest as failed', async () => {
    const d = tmp();
    let body = '';
    for (let i = 0; i < 20000; i++) body += line(1740787200 + i, 'alice', i % 2 ? 'api.openai.com' : 'example.org', 10);
    const gz = gzipSync(body);
    const f = join(d, 'cut.log.gz');
    writeFileSync(f, gz.subarray(0, Math.floor(gz.length / 2)));
    const r = await run({ paths: [f] });
    expect(r.cov.failed).toHaveLength(1);
    expect(r.cov.failed[0].reason).toMatch(/cut\.log\.gz: truncated or corrupt gzip after \d+ bytes/);
    const n = byPair(r.obs)['user:alice api.openai.com'].count!;
    expect(n).toBeGreaterThan(100);
    expect(n).toBeLessThan(10000);
  });

  it('binary garbage is an unrecognised format naming the file; declared format names the first bad line', async () => {
    const d = tmp();
    const f = join(d, 'garbage.bin');
    writeFileSync(f, randomBytes(100_000));
    const r = await run({ paths: [f] });
    expect(r.cov.failed[0].reason).toMatch(/garbage\.bin:1: unrecognised log format/);
    const g = join(d, 'notsquid.log');
    writeFileSync(g, 'hello world\n'.repeat(50));
    const r2 = await run({ paths: [g], format: 'squid' });
    expect(r2.cov.failed[0].reason).toMatch(/notsquid\.log:1: not a squid log: expected a Squid native line/);
    expect(r2.obs).toEqual([]);
  });

  it('garbage lines inside a valid file are counted and sampled, never stop the scan', async () => {
    const d = tmp();
    const f = join(d, 'mixed.log');
    let body = line(1740787200, 'alice', 'api.openai.com');
    for (let i = 0; i < 100; i++) body += `\u0001\u0002\u00ff garbage ${i} \u0000 \ufffd` + '\n';
    body += line(1740787300, 'alice', 'api.openai.com');
    writeFileSync(f, body);
    const r = await run({ paths: [f] });
    expect(r.cov.failed).toEqual([]);
    expect(r.cov.problemCount).toBe(100);
    expect(r.cov.problems[0].locator).toBe(`${f}:2`);
    expect(byPair(r.obs)['user:alice api.openai.com'].count).toBe(2);
  });

  it('directories and globs of rotated files; missing paths are failed units', async () => {
    const d = tmp();
    writeFileSync(join(d, 'access.log'), line(1740787200, 'alice', 'api.openai.com'));
    writeFileSync(join(d, 'access.log.1'), line(1740700800, 'alice', 'api.openai.com'));
    writeFileSync(join(d, 'access.log.2.gz'), gzipSync(line(1740614400, 'alice', 'api.openai.com')));
    writeFileSync(join(d, 'other.txt'), 'x');
    const r = await run({ paths: [join(d, 'access.log*'), join(d, 'nope.log')] });
    const o = byPair(r.obs)['user:alice api.openai.com'];
    expect(o).toMatchObject({ count: 3, attrs: { daysActive: 3 }, firstSeen: '2025-02-27T00:00:00.000Z' });
    expect(o.locator).toMatch(/access\.log\.2\.gz:1$/); // oldest rotation first
    expect(r.cov.failed.map((f) => f.unit)).toEqual([join(d, 'nope.log')]);
    const r2 = await run({ paths: [d] });
    expect(r2.cov.units).toHaveLength(3);
    expect(r2.cov.failed).toHaveLength(1); // other.txt: unrecognised
  });

  it('nothing to scan at all is a scanner error', async () => {
    const r = await run({ paths: ['/nonexistent/egress/*.log'] });
    expect(r.errors.egress).toMatch(/nothing to scan/);
  });

  it('stdin (-), plain and gzip', async () => {
    const a = await runStdin(squid);
    expect(byPair(a.obs)['user:alice api.openai.com'].count).toBe(2);
    expect(a.cov.units).toEqual(['-']);
    const b = await runStdin(gzipSync(squid));
    expect(byPair(b.obs)['user:alice api.openai.com'].count).toBe(2);
  });

  it('the same content scanned twice in one run (copy) counts twice, a file listed twice once', async () => {
    const d = tmp();
    const f = join(d, 'a.log');
    writeFileSync(f, line(1740787200, 'alice', 'api.openai.com'));
    const r = await run({ paths: [f, f] });
    expect(byPair(r.obs)['user:alice api.openai.com'].count).toBe(1);
    copyFileSync(f, join(d, 'b.log'));
    renameSync(join(d, 'b.log'), join(d, 'c.log'));
    appendFileSync(join(d, 'c.log'), '');
  });
});
