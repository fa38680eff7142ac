/**
 * Nothing lost: record-level isolation and honest container detection in audit exports. Every
 * input starts from real-format samples (fixtures/corpus/audit, fixtures/audit) and is damaged the
 * way a log pipeline or an attacker would damage it; each test fails if one undamaged record is
 * lost, if a damaged record goes unreported, or if a run that read nothing looks complete.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { auditExportScanner } from '../../../scanners/audit-export/index.js';
import { sniffContainer } from '../../../scanners/audit-export/lib/records.js';
import { partialUnits, scannedNothing } from '../../../src/collect/partial.js';
import { collect, silentLogger } from '../../../src/collect/run.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { tmpDir } from '../../helpers/tmp.js';

const { index: rules } = ruleIndex();
const CORPUS = join(process.cwd(), 'fixtures/corpus/audit');
const FIX = join(process.cwd(), 'fixtures/audit');

async function scan(paths: string[]) {
  const r = await collect([{ scanner: auditExportScanner, options: { paths } }], { rules, log: silentLogger });
  return { ...r, cov: r.coverage[0] };
}

const okta = readFileSync(join(CORPUS, 'okta-system-log/okta_systemlog.panther-tests.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
// the hand-written samples repeat some uuids: each record gets its own, so a test can find it
const oktaRecs = okta.map((l, i) => ({ ...(JSON.parse(l) as Record<string, unknown>), uuid: `okta-sample-${i}` }));
const github = readFileSync(join(CORPUS, 'github-audit/github_audit.panther-tests.jsonl'), 'utf8').split('\n').filter((l) => l.trim());

function file(name: string, content: string | Buffer): string {
  const p = join(tmpDir(), name);
  writeFileSync(p, content);
  return p;
}

describe('JSON lines are detected from structure, not from the first 4 KiB', () => {
  it('a first record longer than the sniffing head (a prompt) still reads as JSON lines', async () => {
    const big = { ...oktaRecs[0], debugContext: { debugData: { prompt: 'p'.repeat(1_500_000) } } };
    const p = file('long-first.jsonl', [JSON.stringify(big), ...okta.slice(1)].join('\n') + '\n');
    const r = await scan([p]);
    expect(r.cov.failed).toEqual([]);
    expect(r.cov.stats.records).toBe(okta.length);
    expect(r.cov.problemCount).toBe(0);
  });

  it('a damaged first line and a null second line: every other record lands, both reported by line', async () => {
    const lines = [okta[0].slice(0, 80), 'null', ...okta.slice(2)];
    const p = file('damaged-head.jsonl', lines.join('\n') + '\n');
    const r = await scan([p]);
    expect(r.cov.units).toEqual([p]);
    expect(r.cov.stats.records).toBe(okta.length - 2);
    expect(r.cov.problems.map((x) => x.locator)).toEqual([`${p}:1`, `${p}:2`]);
  });

  it('sniffContainer votes over the lines of the head', () => {
    expect(sniffContainer(['garbage', 'null', ...okta.slice(0, 5)].join('\n'))).toBe('jsonl');
    expect(sniffContainer(readFileSync(join(FIX, 'okta-system-log.json'), 'utf8'))).toBe('json');
    expect(sniffContainer(JSON.stringify(oktaRecs.slice(0, 3), null, 1))).toBe('json');
    expect(sniffContainer(`{"a": ${'1'.repeat(100)}`, false)).toBe('jsonl');
    expect(sniffContainer(readFileSync(join(FIX, 'entra-signins.csv'), 'utf8'))).toBe('csv');
    // a junk first line and a cut last line (no newline after it) around one whole record: the cut
    // line does not vote (found by the fuzz test, seed -2075180034: the record was read as a JSON
    // document and lost)
    expect(sniffContainer(['null', okta[0], '{'].join('\n'))).toBe('jsonl');
    expect(sniffContainer(['xyz', okta[0], '{"uuid": "cut'].join('\n'))).toBe('jsonl');
    // a whole last line without a newline still votes; a cut pretty-printed document stays a document
    expect(sniffContainer(['null', okta[0], okta[1]].join('\n'))).toBe('jsonl');
    expect(sniffContainer(JSON.stringify(oktaRecs.slice(0, 3), null, 1).slice(0, -40), true)).toBe('json');
  });
});

describe('one bad element loses only itself', () => {
  for (const key of ['Records', 'Events', 'data', 'entries', 'items', 'records', 'events']) {
    it(`null, [], "x" and 42 inside "${key}" (pretty and compact)`, async () => {
      const recs: unknown[] = oktaRecs.slice(0, 12);
      const damaged = [null, ...recs.slice(0, 4), [], ...recs.slice(4, 8), 'x', ...recs.slice(8), 42];
      for (const [name, text] of [['pretty.json', JSON.stringify({ [key]: damaged }, null, 2)], ['compact.json', JSON.stringify({ [key]: damaged })]] as const) {
        const p = file(name, text);
        const r = await scan([p]);
        expect(r.cov.units, name).toEqual([p]);
        expect(r.cov.stats.records, name).toBe(12);
        expect(r.cov.problemCount, name).toBe(4);
      }
    });
  }

  it('a syntax error inside one element of a pretty-printed array: the records before and after land', async () => {
    const text = JSON.stringify(oktaRecs.slice(0, 10), null, 2);
    // damage the 4th record: cut a closing quote and brace out of it
    const at = text.indexOf(`"uuid": "${oktaRecs[3].uuid}"`);
    expect(at).toBeGreaterThan(0);
    const bad = text.slice(0, at) + '"uuid": "broken, ' + text.slice(at + 12 + String(oktaRecs[3].uuid).length);
    const p = file('syntax.json', bad);
    const r = await scan([p]);
    expect(r.cov.units).toEqual([p]);
    expect(r.cov.stats.records).toBe(9);
    expect(r.cov.problemCount).toBe(1);
    expect(r.cov.problems[0].locator).toMatch(new RegExp(`^${p}:\\d+:\\d+$`));
  });

  it('a stray quote in a compact document does not swallow the records after it', async () => {
    const text = JSON.stringify({ Records: oktaRecs.slice(0, 10) });
    const at = text.indexOf(String(oktaRecs[2].uuid));
    const p = file('stray.json', text.slice(0, at) + '"' + text.slice(at));
    const r = await scan([p]);
    expect(r.cov.stats.records).toBe(9);
    expect(r.cov.problemCount).toBe(1);
  });
});

describe('truncation is partial, not failure', () => {
  it('a JSON document cut inside its record array keeps the records before the cut', async () => {
    const text = JSON.stringify({ Records: oktaRecs.slice(0, 10) }, null, 2);
    const cut = text.indexOf(`"uuid": "${oktaRecs[7].uuid}"`);
    const p = file('cut.json', text.slice(0, cut));
    const r = await scan([p]);
    expect(r.cov.stats.records).toBe(7);
    expect(r.cov.failed).toHaveLength(1);
    expect(r.cov.failed[0].reason).toMatch(/^partial: truncated after \d+ bytes/);
    expect(partialUnits(r.cov)).toBe(1);
    expect(scannedNothing(r.coverage)).toBe(false);
  });

  it('a truncated .gz of JSON lines keeps the lines read and names the offset', async () => {
    const many = Array.from({ length: 40 }, () => github).flat();
    const gz = gzipSync(many.join('\n') + '\n');
    const p = file('cut.jsonl.gz', gz.subarray(0, Math.floor(gz.length * 0.6)));
    const r = await scan([p]);
    expect(r.cov.stats.records).toBeGreaterThan(0);
    expect(r.cov.stats.records).toBeLessThan(many.length);
    expect(r.cov.failed[0].reason).toMatch(/^partial: truncated after \d+ bytes of content/);
    expect(scannedNothing(r.coverage)).toBe(false);
  });

  it('a truncated .gz JSON document keeps its complete records', async () => {
    const text = JSON.stringify({ Records: oktaRecs.slice(0, 30) });
    const gz = gzipSync(text);
    const p = file('cut.json.gz', gz.subarray(0, Math.floor(gz.length * 0.7)));
    const r = await scan([p]);
    expect(r.cov.stats.records).toBeGreaterThan(0);
    expect(r.cov.failed[0].reason).toMatch(/^partial: /);
  });
});

describe('CSV quote recovery and TSV', () => {
  const header = 'Event name,User,Application name,Client ID,Scope,Date';
  const row = (i: number) => `Authorize,user${i}@corp.example,Otter.ai,${i}-otter.apps.googleusercontent.com,https://www.googleapis.com/auth/calendar.readonly,2026-01-12T10:${String(i % 60).padStart(2, '0')}:00Z`;

  it('one stray quote in a Google console export loses one row of 1,000, reported by line', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => row(i));
    rows[2] = rows[2].replace('Otter.ai', '"Otter.ai');
    const p = file('console.csv', [header, ...rows].join('\r\n') + '\r\n');
    const r = await scan([p]);
    expect(r.cov.stats.records).toBe(999);
    expect(r.cov.problems.map((x) => x.locator)).toEqual([`${p}:4`]);
    expect(r.cov.problems[0].message).toMatch(/unbalanced quote/);
  });

  it('a quoted field with an embedded newline and the right cell count is one row, not a stray quote', async () => {
    const p = file('multiline.csv', `${header}\n${row(1)}\nAuthorize,u@corp.example,"Otter\nAI",9-otter.apps.googleusercontent.com,scope,2026-01-12T10:00:00Z\n${row(2)}\n`);
    const r = await scan([p]);
    expect(r.cov.stats.records).toBe(3);
    expect(r.cov.problemCount).toBe(0);
  });

  it('a TSV export with a header reads like its CSV', async () => {
    const csv = readFileSync(join(FIX, 'entra-signins.csv'), 'utf8');
    const tsv = csv.split('\n').map((l) => l.split(',').join('\t')).join('\n');
    const a = await scan([file('s.csv', csv)]);
    const b = await scan([file('s.tsv', tsv)]);
    expect(b.cov.stats.records).toBe(a.cov.stats.records);
    expect(b.observations.map((o) => o.value).sort()).toEqual(a.observations.map((o) => o.value).sort());
  });

  it('a header cannot pollute Object.prototype', async () => {
    const p = file('proto.csv', '__proto__.polluted,constructor.prototype.bad,eventType\nyes,yes,user.session.start\n');
    await scan([p]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).bad).toBeUndefined();
  });
});

describe('a file that yields nothing is never complete', () => {
  it('a non-empty file with no readable record fails with the reason', async () => {
    const p = file('garbage.json', '{"Records": [ {"eventVersion": "1.08", "eventSource": ');
    const r = await scan([p]);
    expect(r.cov.units).toEqual([]);
    expect(r.cov.failed[0].reason).toMatch(/no readable record/);
  });

  it('an empty record array is an empty export, scanned', async () => {
    const p = file('empty.json', '{"Records": []}');
    const r = await scan([p]);
    expect(r.cov.units).toEqual([p]);
    expect(r.cov.failed).toEqual([]);
  });
});
