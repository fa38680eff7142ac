/**
 * Fuzz: the audit-export readers (JSON lines, JSON documents — array and wrapper —, CSV, gzip)
 * over real-format samples (fixtures/corpus/audit, fixtures/audit), damaged at random. See
 * harness.ts for the properties and the run budget.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { auditExportScanner } from '../../scanners/audit-export/index.js';
import { readRecords } from '../../scanners/audit-export/lib/records.js';
import { ARRAY_KEYS, detectVendor } from '../../scanners/audit-export/parsers/index.js';
import { collect, silentLogger } from '../../src/collect/run.js';
import { ruleIndex } from '../../src/rules/load.js';
import { tmpDir } from '../helpers/tmp.js';
import { budget, count, damageLines, FUZZ_SECONDS, lineOps, printTally } from './harness.js';

const { index: rules } = ruleIndex();
const ROOT = process.cwd();
const dir = tmpDir('shadowscan-fuzz-');
let seq = 0;

/** Real records, each given a unique id so the test can tell which landed. */
const okta = readFileSync(join(ROOT, 'fixtures/corpus/audit/okta-system-log/okta_systemlog.panther-tests.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).slice(0, 30)
  .map((l, i) => ({ ...(JSON.parse(l) as Record<string, unknown>), uuid: `fz-okta-${i}` }));
const github = readFileSync(join(ROOT, 'fixtures/corpus/audit/github-audit/github_audit.panther-tests.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).slice(0, 30)
  .map((l, i) => ({ ...(JSON.parse(l) as Record<string, unknown>), _document_id: `fz-gh-${i}` }));
const idOf = (r: Record<string, unknown>) => String(r.uuid ?? r._document_id ?? r['Request ID'] ?? '');

interface Outcome { ids: string[]; problems: number; failed: number; records: number }

/** The reader alone (every record, known vendor or not) and the whole scanner (coverage). */
async function readBoth(path: string): Promise<Outcome> {
  try {
    return await readBothOnce(path);
  } finally {
    // thousands of inputs, some of 10 MB lines, per minute: a 10-minute run must not fill the disk
    rmSync(path, { force: true });
  }
}

async function readBothOnce(path: string): Promise<Outcome> {
  const ids: string[] = [];
  let problems = 0;
  let truncated = false;
  for await (const r of readRecords(path, { problem: () => { problems++; }, isRecord: (x) => detectVendor(x) !== undefined, arrayKeys: ARRAY_KEYS, truncated: () => { truncated = true; } })) ids.push(idOf(r.rec));
  const res = await collect([{ scanner: auditExportScanner, options: { paths: [path] } }], { rules, log: silentLogger });
  expect(res.errors).toEqual({});
  const cov = res.coverage[0];
  return { ids, problems: problems + (truncated ? 1 : 0) + cov.problemCount, failed: cov.failed.length, records: cov.stats.records ?? 0 };
}

/**
 * `expected`: ids that must land. `damaged`: pieces of damage. Silent loss: a record that was in
 * the input whole (not dropped, not touched by a flip or cut) is missing while the run reports no
 * problem and no failed / partial unit — exit 0, "complete", data gone.
 */
function check(suite: string, o: Outcome, expected: string[], damaged: number) {
  count(suite, 'inputs');
  if (damaged) count(suite, 'damaged');
  const got = new Set(o.ids);
  const missing = expected.filter((id) => !got.has(id));
  if (missing.length && o.problems === 0 && o.failed === 0) count(suite, 'silent');
  if (missing.length) count(suite, 'lost');
  // every undamaged record lands
  expect(missing, `${suite}: undamaged records lost`).toEqual([]);
}

const bomCrlf = fc.record({ bom: fc.boolean(), crlf: fc.boolean() });

describe('fuzz: audit readers', () => {
  afterAll(() => printTally());
  const timeout = FUZZ_SECONDS ? FUZZ_SECONDS * 1000 + 120_000 : 120_000;

  it('JSON lines (Okta System Log, GitHub audit log), plain and gzip', { timeout }, async () => {
    const lines = [...okta, ...github].map((r) => JSON.stringify(r));
    await fc.assert(
      fc.asyncProperty(lineOps(lines.length), bomCrlf, fc.boolean(), async (ops, g, gz) => {
        const d = damageLines(lines, ops, g);
        const p = join(dir, `f${seq++}.jsonl${gz ? '.gz' : ''}`);
        writeFileSync(p, gz ? gzipSync(d.text) : d.text);
        const all = [...okta, ...github];
        check('audit jsonl', await readBoth(p), [...new Set(d.intact.map((i) => idOf(all[i])))], d.damaged);
      }),
      budget(0.4),
    );
  });

  it('JSON documents: a pretty-printed array and a {"Records": [...]} wrapper', { timeout }, async () => {
    for (const [name, wrap] of [['array', false], ['wrapper', true]] as const) {
      // each element on its own lines; the line → element map tells which elements stayed whole
      const elems = okta.map((r) => JSON.stringify(r, null, 2).split('\n').map((l) => `    ${l}`));
      const lines: string[] = [wrap ? '{"Records": [' : '['];
      const owner: number[] = [-1];
      elems.forEach((e, k) => e.forEach((l, j) => { lines.push(j === e.length - 1 && k < elems.length - 1 ? `${l},` : l); owner.push(k); }));
      lines.push(wrap ? ']}' : ']');
      owner.push(-1);
      await fc.assert(
        fc.asyncProperty(lineOps(lines.length, 1), bomCrlf, async (ops, g) => {
          const d = damageLines(lines, ops, g);
          const p = join(dir, `f${seq++}.json`);
          writeFileSync(p, d.text);
          // an element is expected when all its lines survive once, in order, untouched
          const seen = new Map<number, number>();
          for (const i of d.intact) seen.set(i, (seen.get(i) ?? 0) + 1);
          const whole = elems.map((e, k) => {
            const idx = owner.flatMap((o, i) => (o === k ? [i] : []));
            if (!idx.every((i) => seen.get(i) === 1)) return false;
            const pos = idx.map((i) => d.seq.indexOf(i));
            return pos.every((x, j) => j === 0 || x === pos[j - 1] + 1);
          });
          // a damaged line next to an element can break the comma before it: only elements not bordering damage are required
          const expected = okta.filter((_, k) => whole[k] && (k === 0 || whole[k - 1]) && (k === okta.length - 1 || whole[k + 1])).map(idOf);
          check(`audit json ${name}`, await readBoth(p), expected, d.damaged + (d.intact.length < lines.length ? 1 : 0));
        }),
        budget(0.2),
      );
    }
  });

  it('CSV (Entra sign-ins download): stray quotes, cut rows, junk', { timeout }, async () => {
    const csv = readFileSync(join(ROOT, 'fixtures/audit/entra-signins.csv'), 'utf8').trimEnd().split('\n');
    const header = csv[0];
    const row = csv[1].split(',');
    const idCol = header.split(',').indexOf('Request ID');
    const rows = Array.from({ length: 40 }, (_, i) => { const r = [...row]; r[idCol] = `fz-csv-${i}`; return r.join(','); });
    const lines = [header, ...rows];
    const quoteOps = fc.array(fc.record({ at: fc.integer({ min: 1, max: rows.length }), pos: fc.nat(200) }), { maxLength: 2 });
    await fc.assert(
      fc.asyncProperty(lineOps(lines.length, 1, false), quoteOps, bomCrlf, async (ops, quotes, g) => {
        const ls = [...lines];
        for (const q of quotes) { const l = ls[q.at]; const p = q.pos % l.length; ls[q.at] = `${l.slice(0, p)}"${l.slice(p)}`; }
        const d = damageLines(ls, ops, g);
        const p = join(dir, `f${seq++}.csv`);
        writeFileSync(p, d.text);
        const quoted = new Set(quotes.map((q) => q.at));
        const expected = [...new Set(d.intact.filter((i) => i > 0 && !quoted.has(i)).map((i) => `fz-csv-${i - 1}`))];
        const o = await readBoth(p);
        check('audit csv', o, expected, d.damaged + quotes.length);
      }),
      budget(0.2),
    );
  });

  it('CloudTrail S3 gzip objects: truncated at any byte keep every record before the cut', { timeout }, async () => {
    const { parseTrailObject } = await import('../../scanners/cloudtrail/client.js');
    const file = join(ROOT, 'fixtures/audit/cloudtrail/AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/15/111122223333_CloudTrail_us-east-1_20260115T1010Z_Xq8d2demo0001.json.gz');
    const recs = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')).Records as Array<Record<string, unknown>>;
    const many = Array.from({ length: 10 }, () => recs).flat().map((r, i) => ({ ...r, eventID: `fz-ct-${i}` }));
    const gz = gzipSync(JSON.stringify({ Records: many }));
    await fc.assert(
      fc.property(fc.integer({ min: 1, max: gz.length }), (cut) => {
        count('cloudtrail object', 'inputs');
        let out;
        try {
          out = parseTrailObject(gz.subarray(0, cut), 's3://b/k');
        } catch (e) {
          // nothing readable at all: a clear error, not a crash
          expect((e as Error).message).toMatch(/no readable record|expected a CloudTrail log file/);
          return;
        }
        const ids = out.records.map((r) => r.eventID);
        // the records read are a prefix of the file, in order, and a cut is reported
        expect(ids).toEqual(many.slice(0, ids.length).map((r) => r.eventID));
        if (cut < gz.length) expect(out.truncated).toBeTruthy();
        else expect(ids).toHaveLength(many.length);
      }),
      budget(0.2),
    );
  });
});
