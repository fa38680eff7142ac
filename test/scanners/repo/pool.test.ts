/**
 * The repo worker pool's work sharing: every batch goes to every worker and is scanned by the
 * first thread that claims it (a worker, or the main thread through steal()); each batch is
 * scanned exactly once and answers what the main thread alone answers; a worker lost mid-scan
 * loses only the batches it had claimed (the caller rescans those), the rest still complete.
 * Lanes: a worker scans the batches of its own lane first, the main thread steals its own lane's
 * first; every batch is still scanned once, with the same answer.
 */
import { describe, expect, it } from 'vitest';
import { ruleIndex } from '../../../src/rules/load.js';
import { parsers } from '../../../scanners/repo/parsers/index.js';
import { MAIN_LANE, RepoPool } from '../../../scanners/repo/pool.js';
import { scanFile, type Ev, type JobSubject } from '../../../scanners/repo/scan.js';
import { findSubjects, resolveRoot, walkSubject, type WalkFile } from '../../../scanners/repo/walk.js';
import { FIXTURES } from './helpers.js';

const rules = ruleIndex().index;

async function fixtureFiles(): Promise<WalkFile[]> {
  const r = await resolveRoot(FIXTURES);
  if ('error' in r) throw new Error(r.error);
  const out: WalkFile[] = [];
  for (const s of await findSubjects(r.real)) out.push(...(await walkSubject(s, r.real, { maxFileBytes: 1 << 21, followSymlinks: false, exclude: [], includeVendored: false }, new AbortController().signal, { skip() {}, fail() {}, stat() {} })));
  return out;
}

describe('repo worker pool', () => {
  it('each batch is scanned once, by a worker or by the main thread stealing it, with the main thread\'s answer', async () => {
    const files = await fixtureFiles();
    expect(files.length).toBeGreaterThan(40);
    const s: JobSubject = { subject: { kind: 'repo', id: 'fixtures' }, prefix: '' };
    const scan = (f: WalkFile) => scanFile({ s, f }, rules, 1 << 21, parsers);
    const batches: WalkFile[][] = [];
    for (let i = 0; i < files.length; i += 4) batches.push(files.slice(i, i + 4));
    const pool = await RepoPool.start(2, rules, 1 << 21);
    let stolen = 0;
    try {
      const wire = [{ subject: s.subject, prefix: '', pyModules: [] }];
      const results = batches.map((b, k) =>
        pool.run(k === 0 ? wire : [], 0, b.map((f) => ({ si: 0, f })), () => {
          stolen++;
          return b.map(scan);
        }),
      );
      // the main thread takes a share while the workers run
      while (pool.steal()) await new Promise<void>((r) => setImmediate(r));
      const got = await Promise.all(results);
      const want: Ev[][][] = batches.map((b) => b.map(scan));
      expect(JSON.stringify(got)).toBe(JSON.stringify(want));
      expect(stolen).toBeGreaterThan(0);
      expect(stolen).toBeLessThan(batches.length); // the workers took the rest
      expect(pool.steal()).toBe(false); // nothing left unclaimed
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('a worker lost mid-scan fails only the batches it had claimed; every batch settles', async () => {
    const files = await fixtureFiles();
    const s: JobSubject = { subject: { kind: 'repo', id: 'fixtures' }, prefix: '' };
    const pool = await RepoPool.start(2, rules, 1 << 21);
    try {
      const wire = [{ subject: s.subject, prefix: '', pyModules: [] }];
      const batches: WalkFile[][] = [];
      for (let i = 0; i < files.length; i += 2) batches.push(files.slice(i, i + 2));
      const results = batches.map((b, k) => pool.run(k === 0 ? wire : [], 0, b.map((f) => ({ si: 0, f })), () => b.map((f) => scanFile({ s, f }, rules, 1 << 21, parsers))));
      // kill one worker as soon as the first answer is in
      await Promise.race(results);
      await (pool as unknown as { slots: Array<{ w: { terminate(): Promise<number> } }> }).slots[0].w.terminate();
      while (pool.steal()) await new Promise<void>((r) => setImmediate(r));
      const settled = await Promise.allSettled(results);
      expect(settled.length).toBe(batches.length);
      const ok = settled.filter((r) => r.status === 'fulfilled').length;
      expect(ok).toBeGreaterThan(0);
      for (const r of settled) if (r.status === 'rejected') expect(String(r.reason)).toMatch(/worker exited/);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('lanes: the worker scans its own lane\'s batches before the other lane\'s; the main thread steals from its own lane first', async () => {
    const files = await fixtureFiles();
    const s: JobSubject = { subject: { kind: 'repo', id: 'fixtures' }, prefix: '' };
    const scan = (f: WalkFile) => scanFile({ s, f }, rules, 1 << 21, parsers);
    const batches: WalkFile[][] = [];
    for (let i = 0; i + 2 <= files.length && batches.length < 24; i += 2) batches.push(files.slice(i, i + 2));
    // six of the worker's lane first, then alternating
    const laneOfBatch = (k: number) => (k < 6 || k % 2 === 0 ? 1 - MAIN_LANE : MAIN_LANE);
    const pool = await RepoPool.start(1, rules, 1 << 21);
    try {
      const wire = [{ subject: s.subject, prefix: '', pyModules: [] }];
      const order: number[] = [];
      const stolen: number[] = [];
      const results = batches.map((b, k) =>
        pool
          .run(k === 0 ? wire : [], 0, b.map((f) => ({ si: 0, f })), () => (stolen.push(k), b.map(scan)), laneOfBatch(k))
          .then((r) => (order.push(k), r)),
      );
      // one steal, before the worker has answered anything: the first batch of the main thread's lane
      expect(pool.steal()).toBe(true);
      expect(stolen).toEqual([7]);
      const got = await Promise.all(results);
      expect(JSON.stringify(got)).toBe(JSON.stringify(batches.map((b) => b.map(scan))));
      // the worker (lane 1) answered every batch of its lane, in order, before any of the main thread's lane
      const byWorker = order.filter((k) => k !== 7);
      const own = batches.map((_, k) => k).filter((k) => laneOfBatch(k) !== MAIN_LANE);
      expect(byWorker.slice(0, own.length)).toEqual(own);
      expect(byWorker.slice(own.length).every((k) => laneOfBatch(k) === MAIN_LANE)).toBe(true);
      expect(byWorker.length + stolen.length).toBe(batches.length);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
