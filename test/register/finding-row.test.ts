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
import { RowIds } from '../../src/register/backends/sqlite-findings.js';
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

  it("data's text is the finding's fields key by key in the finding's order, however the finding's keys look", () => {
    // the reference: each field no column holds, in order, as `"key":value` (the text PostgreSQL and earlier versions stored)
    const columns = new Set(['id', 'service', 'source', 'scanner', 'kind', 'value', 'signal', 'confidence', 'subject', 'locator', 'count', 'bytesOut', 'bytesIn', 'firstSeen', 'lastSeen']);
    const reference = (f: Finding) => {
      const parts: string[] = [];
      const add = (k: string, v: unknown) => v !== undefined && parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
      const r = f as unknown as Record<string, unknown>;
      for (const k of ['serviceName', 'vendor', 'category', 'match']) add(k, r[k]);
      for (const k in r) if (!columns.has(k) && !['serviceName', 'vendor', 'category', 'match'].includes(k)) add(k, r[k]);
      if (Object.keys(f.subject).some((k) => !['kind', 'id', 'name'].includes(k))) add('subject', f.subject);
      if (f.count === undefined) add('count', null);
      return `{${parts.join(',')}}`;
    };
    // keys an object literal would move (indexes first) or treat specially (__proto__), undefined and nested values
    const strange = [
      { ...estate[2], '7': 'seven', zeta: { b: 1, a: [1, 'x'] } } as unknown as Finding,
      Object.assign(JSON.parse(`{"__proto__":{"polluted":true},"after":1}`), estate[3]) as Finding,
      { ...estate[4], attrs: undefined, note: 'é "q" \\ \u2028', serviceName: undefined } as unknown as Finding,
      { ...estate[5], vendor: 'Other vendor' } as Finding,
      // a match of its own: the shared names lead the finding's data, an index key after them
      { ...estate[6], match: { rule: 'domain', pattern: 'y.example', extra: 2 }, '3': 'x' } as unknown as Finding,
    ];
    const x = new FindingExtras();
    for (const f of [...estate, ...odd, ...strange]) expect([f.id, x.json(f)]).toEqual([f.id, reference(f)]);
    // the shared part is one text per service, rule and pattern, and follows a change of the names it holds
    const same = estate.filter((f) => f.service === estate[5].service && f.match.rule === estate[5].match.rule && f.match.pattern === estate[5].match.pattern);
    expect(x.parts(same[0]).shared).toBe(x.parts(same[same.length - 1]).shared);
    expect(x.parts(strange[3]).shared).toContain('"vendor":"Other vendor"');
    expect(x.parts(estate[5]).shared).not.toContain('Other vendor');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // findings whose keys differ from the one before only in a name or in their order (as many keys): their own text each
    const renamed = (f: Finding) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k === 'attrs' || k === 'artifact' ? `${k}2` : k, v])) as unknown as Finding;
    const reordered = (f: Finding) => Object.fromEntries(Object.entries(f).reverse()) as unknown as Finding;
    const mixed = estate.slice(0, 40).flatMap((f) => [f, renamed(f), reordered(f), f]);
    expect(mixed.filter((f) => 'attrs2' in f).length).toBeGreaterThan(10);
    for (const f of mixed) expect([f.id, x.json(f)]).toEqual([f.id, reference(f)]);
  });

  it('row ids by finding id: hex ids, ids sharing their first 13 digits, other ids and growth agree with a Map', () => {
    const ids = new RowIds();
    const ref = new Map<string, number>();
    let seed = 11;
    // 32-bit arithmetic (a product past 2^53 loses its low bits), the generator's high bits (its low 4 repeat every 16 draws)
    const hex = (n: number) => Array.from({ length: n }, () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 28).toString(16)).join('');
    const all: string[] = [];
    for (let i = 0; i < 6000; i++) {
      const prev = all[all.length - 1];
      const id =
        i % 10 === 0 && prev?.length === 32 ? prev.slice(0, 13) + hex(19)
        : i % 11 === 0 && prev?.length === 32 ? prev.slice(0, 26) + hex(6)
        : i % 23 === 0 && prev?.length === 32 ? hex(13) + prev.slice(13)
        : i % 29 === 0 && prev?.length === 32 ? prev.slice(0, 13) + hex(13) + prev.slice(26)
        : i % 17 === 0 ? hex(31 + (i % 3))
        : i % 97 === 0 ? `Not-hex-${i}`
        : hex(32);
      all.push(id);
      // room made at once part way (a commit reserves its rows): what is held moves with it
      if (i === 3000) ids.reserve(20_000);
      // the writer's order: a get, then a set of the same id (sometimes with another get between)
      if (i % 3 === 0) expect(ids.get(id)).toBe(ref.get(id));
      if (i % 6 === 0) ids.get(all[i >> 1]);
      ids.set(id, i);
      ref.set(id, i);
      // updated in place, never a second entry
      if (i % 13 === 0) (ids.set(id, i + 0.5), ref.set(id, i + 0.5));
    }
    expect(ids.size).toBe(ref.size);
    expect(ref.size).toBeGreaterThan(5900);
    for (const id of all) expect(ids.get(id)).toBe(ref.get(id));
    // absent: unknown ids, ids sharing a stored prefix, short ids
    for (const id of [hex(32), all[10].slice(0, 13) + 'f'.repeat(19), all[12].slice(0, 26) + 'ffffff', 'abc', all[5].toUpperCase()]) expect(ids.get(id)).toBe(ref.get(id));
  });

  it('row ids: an id whose set grows the table lands where a get finds it', () => {
    let seed = 19;
    const hex = (n: number) => Array.from({ length: n }, () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 28).toString(16)).join('');
    // the table starts with 1,024 slots and grows when half full: the 513th set grows it, after its get probed the old table
    for (let k = 0; k < 40; k++) {
      const ids = new RowIds();
      const all = Array.from({ length: 513 }, () => hex(32));
      for (const [i, id] of all.entries()) {
        expect(ids.get(id)).toBeUndefined();
        ids.set(id, i);
      }
      expect(all.map((id) => ids.get(id))).toEqual(all.map((_, i) => i));
    }
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
