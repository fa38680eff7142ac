/**
 * Fuzz: the egress readers over every real-format fixture (fixtures/egress), damaged at random
 * (see harness.ts). The damaged file must yield at least the events of the same file with the
 * damaged lines removed: no undamaged line is lost, whatever the damage around it. Header lines
 * (Zeek / W3C directives, a CSV header) are not damaged: without them nothing can be read, and the
 * scanner says so.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, run, tmp } from '../scanners/egress/helpers.js';
import { budget, count, damageLines, FUZZ_SECONDS, lineOps, printTally } from './harness.js';

const files = readdirSync(FIXTURES).filter((f) => !f.endsWith('.md') && f !== 'identity.csv').sort();
const dir = tmp('egress-fuzz-');
let seq = 0;

/** Index of the first data line: after directives (`#…`) and, for header-first CSV / TSV, the header. */
function firstData(name: string, lines: string[]): number {
  let i = 0;
  while (i < lines.length && lines[i].startsWith('#')) i++;
  if (name === 'generic.csv') i++;
  return i;
}

describe('fuzz: egress readers', () => {
  afterAll(() => printTally());
  const timeout = FUZZ_SECONDS ? FUZZ_SECONDS * 1000 + 120_000 : 120_000;

  it('every fixture format: damaged lines cost only themselves', { timeout }, async () => {
    const samples = files.map((name) => {
      const lines = readFileSync(join(FIXTURES, name), 'utf8').replace(/\n$/, '').split('\n');
      return { name, lines, first: firstData(name, lines) };
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: samples.length - 1 }).chain((k) => fc.tuple(fc.constant(k), lineOps(samples[k].lines.length, samples[k].first), fc.record({ bom: fc.boolean(), crlf: fc.boolean() }), fc.boolean())),
        async ([k, ops, g, gz]) => {
          const s = samples[k];
          const suite = `egress ${s.name}`;
          const d = damageLines(s.lines, ops, g);
          const p = join(dir, `d${seq++}-${s.name}${gz ? '.gz' : ''}`);
          writeFileSync(p, gz ? gzipSync(d.text) : d.text);
          // the same file with the damaged lines left out
          const clean = join(dir, `c${seq++}-${s.name}`);
          writeFileSync(clean, d.seq.filter((i) => i >= 0).map((i) => s.lines[i]).join('\n') + '\n');
          count(suite, 'inputs');
          if (d.damaged) count(suite, 'damaged');
          let got;
          let want;
          try {
            try {
              got = await run({ paths: [p] });
            } catch (e) {
              count(suite, 'crashes');
              throw e;
            }
            want = await run({ paths: [clean] });
          } finally {
            // thousands of inputs, some of 10 MB lines, per minute: a 10-minute run must not fill the disk
            rmSync(p, { force: true });
            rmSync(clean, { force: true });
          }
          const events = got.cov.stats.events ?? 0;
          const wantEvents = want.cov.stats.events ?? 0;
          if (events < wantEvents) {
            count(suite, 'lost');
            if (!got.cov.problemCount && !got.cov.failed.length) count(suite, 'silent');
          }
          expect(events, `${s.name}: events of undamaged lines`).toBeGreaterThanOrEqual(wantEvents);
        },
      ),
      budget(1),
    );
  });
});
