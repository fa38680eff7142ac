/**
 * One lease for every scan path: plain `shadowscan scan` processes (no --config) on one source and
 * one register take the source's lease in turn. None crashes, and no count is doubled: the
 * register ends exactly as after one scan (the log's offsets make the later scans read nothing new).
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { openRegister } from '../../src/register/register.js';
import { tmpDir } from '../helpers/tmp.js';

function scan(log: string, db: string): Promise<{ code: number | null; err: string }> {
  const p = spawn(process.execPath, ['bin/shadowscan.mjs', 'scan', '--egress', log, '--db', db, '--format', 'json', '--quiet'], { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  return new Promise((res) => p.on('close', (code) => res({ code, err })));
}

describe('concurrent plain scans of one source', () => {
  it('8 processes: each finishes (waiting its turn), no stack trace, no doubled count', async () => {
    const dir = tmpDir();
    const log = join(dir, 'squid-access.log');
    copyFileSync('fixtures/egress/squid-access.log', log);
    const once = join(dir, 'once.db');
    expect((await scan(log, once)).code).toBe(0);
    const db = join(dir, 'shared.db');
    const results = await Promise.all(Array.from({ length: 8 }, () => scan(log, db)));
    for (const r of results) {
      expect(r.code, r.err).toBe(0);
      expect(r.err).not.toMatch(/internal error|\n\s+at /);
    }
    const figures = async (spec: string) => {
      const reg = await openRegister(spec);
      const f = (await reg.listFindings({ state: 'all' })).map((x) => [x.id, x.count, x.bytesOut ?? 0]).sort();
      const runs = (await reg.listRuns()).map((r) => r.status);
      await reg.close();
      return { f, runs };
    };
    const a = await figures(once);
    const b = await figures(db);
    expect(a.f.length).toBeGreaterThan(0);
    expect(b.f).toEqual(a.f);
    expect(b.runs).toEqual(Array(8).fill('complete'));
  }, 300_000);
});
