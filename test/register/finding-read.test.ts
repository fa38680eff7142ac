/**
 * Reading findings back in bulk (a re-scan reads every active finding it did not write): the
 * store's readers go through `Conn.map` (each row mapped as it is read) and one `findingReader`
 * per read, which keeps one copy of each repeated text and one `match` object per rule and pattern.
 * What they return must be exactly what the single-row `findingOf` returns — on both backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { FindingExtras, findingOf, findingReader } from '../../src/register/backends/ops.js';
import { ruleIndex } from '../../src/rules/load.js';
import { BACKENDS } from './backends.js';
import { estateSteps, findingRow as row, generatedEstate, runSteps } from './commit-scenario.js';

const { index: rules } = ruleIndex([]);

describe('findingReader', () => {
  const estate = generatedEstate(rules, 400);
  const odd: Finding[] = [
    { ...estate[0], count: undefined, subject: { kind: 'user', id: 'u1', name: 'U One', department: 'Sales' } as Finding['subject'] },
    { ...estate[1], match: { rule: 'domain', pattern: 'x.example', extra: 1 } as unknown as Finding['match'], snippet: 'a "quoted" \\ snippet\n', namespace: 'npm' },
    { ...estate[2], match: { rule: 'domain', pattern: 'x.example', extra: 1 } as unknown as Finding['match'] },
  ];
  const x = new FindingExtras();
  const rows = [...estate, ...odd].map((f) => row(f, x.json(f)));

  it('reads every row exactly as findingOf does: the same values, the same keys in the same order', () => {
    const read = findingReader();
    for (const r of rows) {
      const a = read(r);
      const b = findingOf(r);
      expect(a).toStrictEqual(b);
      expect(Object.keys(a)).toEqual(Object.keys(b));
    }
    // rows of older registers (data = the whole finding) too
    for (const f of estate.slice(0, 30)) expect(read(row(f, JSON.stringify(f)))).toStrictEqual(findingOf(row(f, JSON.stringify(f))));
    // a finding without a count stays without one (not a deleted key)
    expect('count' in read(rows[estate.length])).toBe(false);
  });

  it('keeps one match object per rule and pattern (strings are pooled the same way, unobservably), never one whose match has more', () => {
    const read = findingReader();
    const fs = rows.map((r) => read(r));
    const byMatch = new Map<string, Finding>();
    let shared = 0;
    for (const f of fs.slice(0, estate.length)) {
      const key = `${f.match.rule}\u0000${f.match.pattern}`;
      const first = byMatch.get(key);
      if (first) {
        expect(f.match).toBe(first.match);
        shared++;
      } else byMatch.set(key, f);
    }
    expect(shared).toBeGreaterThan(0);
    // a match with other fields is kept as its own object
    const [o1, o2] = fs.slice(estate.length + 1);
    expect(o1.match).toEqual(o2.match);
    expect(o1.match).not.toBe(o2.match);
  });

  it('a reader does not share objects between findings it must keep apart: subjects are per finding', () => {
    const read = findingReader();
    const a = read(rows[0]);
    const b = read(rows[0]);
    expect(a).toStrictEqual(b);
    expect(a).not.toBe(b);
    expect(a.subject).not.toBe(b.subject);
  });
});

describe.each(BACKENDS)('bulk finding reads on $name', (backend) => {
  beforeAll(() => backend.setup(), 120_000);
  afterAll(() => backend.teardown());

  it('activeFindings and otherActiveFindings return, row for row, what findingOf reads from the same rows', async () => {
    const spec = await backend.fresh();
    const reg = await backend.open(spec);
    const raw = await backend.raw(spec);
    try {
      const steps = estateSteps(rules, 160);
      await runSteps(reg, rules, steps.slice(0, 2));
      const runs = await raw.all("SELECT id FROM scan_runs ORDER BY id");
      const first = runs[0].id as string;
      const { active, others } = await reg.transaction(async (tx) => ({ active: await tx.activeFindings(), others: await tx.otherActiveFindings(first) }));
      const rowsOf = async (where: string, params: unknown[]) =>
        (await raw.all(`SELECT * FROM findings WHERE ${where} ORDER BY id`, params)).map((r) => ({ ...r, count: Number(r.count), bytes_out: r.bytes_out === null ? null : Number(r.bytes_out), bytes_in: r.bytes_in === null ? null : Number(r.bytes_in) }));
      const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const expectActive = (await rowsOf("state = 'active'", [])).map(findingOf);
      expect(active.length).toBeGreaterThan(100);
      expect(byId(active)).toStrictEqual(expectActive);
      const otherRows = await rowsOf("state = 'active' AND last_scan_id <> " + (backend.name === 'sqlite' ? '?' : '$1'), [first]);
      expect(otherRows.length).toBeGreaterThan(0);
      expect(byId(others.map((o) => ({ ...o, id: o.finding.id })))).toStrictEqual(otherRows.map((r) => ({ finding: findingOf(r), status: r.status, statusReason: r.status_reason, id: r.id })));
    } finally {
      await raw.close();
      await reg.close();
    }
  }, 120_000);
});
