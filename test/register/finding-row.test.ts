/**
 * A finding's register row: the columns plus `data`, which holds only the fields no column holds.
 * Every finding reads back as it was written (counts absent or not, names, artifacts, attributes,
 * extra subject fields), rows of older registers (`data` = the whole finding) read the same, the
 * locator's path is cut as the regex did, and the commit's gone query walks the partial index.
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Finding } from '../../src/core/types.js';
import { locatorPath } from '../../src/match/match.js';
import { openRegister } from '../../src/register/register.js';
import { FindingExtras, findingOf } from '../../src/register/backends/ops.js';
import { ruleIndex } from '../../src/rules/load.js';
import { tmpDir } from '../helpers/tmp.js';
import { findingRow as row, generatedEstate } from './commit-scenario.js';

const { index: rules } = ruleIndex([]);

describe('finding rows', () => {
  const estate = generatedEstate(rules, 300);
  const odd: Finding[] = [
    { ...estate[0], count: undefined, subject: { kind: 'user', id: 'u1', name: 'U One', department: 'Sales' } as Finding['subject'] },
    { ...estate[1], match: { rule: 'domain', pattern: 'x.example', extra: 1 } as unknown as Finding['match'], snippet: 'a "quoted" \\ snippet\n', namespace: 'npm' },
  ];

  it('read back as written: the columns, then the fields only data holds', () => {
    const x = new FindingExtras();
    expect(estate.some((f) => f.count === undefined) && estate.some((f) => f.artifact) && estate.some((f) => f.subject.name)).toBe(true);
    for (const f of [...estate, ...odd]) {
      const data = x.json(f);
      // no column's field is repeated in data
      expect(Object.keys(JSON.parse(data)).filter((k) => ['id', 'service', 'locator', 'value', 'firstSeen', 'bytesIn'].includes(k))).toEqual([]);
      expect(findingOf(row(f, data))).toEqual(f);
    }
    // a finding without a count stays without one
    expect('count' in findingOf(row(odd[0], x.json(odd[0])))).toBe(false);
  });

  it('rows of older registers (data = the whole finding) read the same', () => {
    for (const f of [...estate.slice(0, 50), ...odd]) expect(findingOf(row(f, JSON.stringify(f)))).toEqual(f);
  });

  it('locatorPath cuts one or two trailing :number parts, as /(:\\d+){1,2}$/ did', () => {
    const parts = ['a', 'b/c.log', ':', '1', '22', ':3', ':x', '::', '9:', '/', 'é'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % parts.length;
    for (let i = 0; i < 20_000; i++) {
      const s = Array.from({ length: 1 + (i % 7) }, () => parts[next()]).join('');
      expect([s, locatorPath(s)]).toEqual([s, s.replace(/(:\d+){1,2}$/, '')]);
    }
  });

  it("the commit's gone candidates walk the partial index of presence and credential rows (SQLite plan)", async () => {
    const file = join(tmpDir(), 'r.db');
    (await openRegister(file)).close();
    const db = new Database(file, { readonly: true });
    try {
      // the rows live in finding_rows (migration 1000); findings is the view over them
      const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'finding_rows'").pluck().all();
      expect(names).toContain('finding_rows_presence');
      expect(names).not.toContain('finding_rows_service');
      const plan = db.prepare("EXPLAIN QUERY PLAN SELECT id, scanner, unit, subject_id, locator FROM findings WHERE state = 'active' AND signal <> 'usage' AND scanner IN (?, ?)").all('repo', 'aws') as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX finding_rows_presence/);
    } finally {
      db.close();
    }
  });
});
