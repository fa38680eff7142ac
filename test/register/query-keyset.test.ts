/**
 * The register's item query against an oracle, on both backends: a register of 1,500 items loaded
 * through the store's bulk path (loadTables), then every filter × sort answered by queryItems and
 * by a plain in-memory filter and sort of the same rows — same rows in the same order, same
 * counts (exact, or capped at COUNT_CAP when the risk entries are joined), with offset pages and
 * with keyset pages (Next cursors forward, Previous cursors back), which concatenate to the same
 * list. The bulk path's own promises: indexes, triggers and the full-text index are back after
 * the load, and the generation moved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNT_CAP } from '../../src/intake/query.js';
import { ITEM_SORTS, type ItemQuery, type ItemSort, type ItemSummary, type RegisterStore, type TableDump } from '../../src/register/register.js';
import { STATUS_SEVERITY } from '../../src/reconcile/reconcile.js';
import { BACKENDS } from './backends.js';

const N = 1_500;
const ITEM_COLS = ['id', 'kind', 'service', 'name', 'vendor', 'category', 'status', 'status_reason', 'state', 'sources', 'signals', 'subject_count', 'finding_count', 'event_count', 'bytes_out', 'first_detected_at', 'last_detected_at', 'data'];
const RISK_COLS = ['id', 'item_id', 'title', 'status', 'tier', 'likelihood', 'impact', 'inherent_score', 'treatment', 'owner', 'impact_assessment', 'created_at', 'updated_at', 'data'];
const STATUSES = ['unsanctioned', 'out-of-scope', 'approval-expired', 'declined-but-in-use', 'sanctioned', 'candidate'];
const RISK = ['needs-intake', 'triaged', 'intake-requested', 'suppressed'];
const SOURCES = ['repo', 'network', 'saas', 'cloud'];
const CATS = ['llm-api', 'chat-assistant', 'meeting-assistant'];

interface Fixture {
  id: string;
  service: string;
  name: string;
  vendor: string;
  category: string;
  status: string;
  state: string;
  sources: string[];
  bytesOut: number | null;
  first: string;
  last: string;
  risk?: { id: string; status: string; tier: number; score: number; owner: string | null };
}

/** Deterministic rows with many ties (names, dates, bytes, scores) so the unique last key decides. */
function fixtures(n = N): Fixture[] {
  let s = 7;
  const r = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)];
  return Array.from({ length: n }, (_, i) => {
    const status = pick(STATUSES);
    const withRisk = status !== 'sanctioned' || r() < 0.3;
    const tier = 1 + Math.floor(r() * 3);
    return {
      id: `it-${((i * 2654435761) >>> 0).toString(16).padStart(8, '0')}`,
      service: pick(['alpha-ai', 'beta-ai', 'gamma-ai']),
      name: `model-${Math.floor(r() * 400)}`, // ~4 items per name
      vendor: pick(['Alpha', 'Beta', 'Gamma']),
      category: pick(CATS),
      status,
      state: r() < 0.9 ? 'active' : 'gone',
      sources: [...new Set([pick(SOURCES), pick(SOURCES)])].sort(),
      bytesOut: r() < 0.5 ? null : Math.floor(r() * 5) * 1000,
      first: `2026-0${1 + Math.floor(r() * 3)}-01T00:00:00.000Z`,
      last: `2026-0${4 + Math.floor(r() * 3)}-0${1 + Math.floor(r() * 3)}T00:00:00.000Z`,
      risk: withRisk ? { id: `AIR-${String(i + 1).padStart(5, '0')}`, status: pick(RISK), tier, score: 1 + Math.floor(r() * 25), owner: r() < 0.5 ? pick(['ops@corp.example', 'data@corp.example']) : null } : undefined,
    };
  });
}

function* dumps(xs: Fixture[]): Generator<TableDump> {
  for (let i = 0; i < xs.length; i += 400) {
    const part = xs.slice(i, i + 400);
    yield {
      table: 'items',
      columns: ITEM_COLS,
      rows: part.map((x) => [x.id, 'service', x.service, x.name, x.vendor, x.category, x.status, 'test', x.state, JSON.stringify(x.sources), '["presence"]', 1, 1, 1, x.bytesOut, x.first, x.last, '{}']),
    };
    yield {
      table: 'risk_entries',
      columns: RISK_COLS,
      rows: part.filter((x) => x.risk).map((x) => [x.risk!.id, x.id, `entry ${x.name}`, x.risk!.status, x.risk!.tier, 3, 3, x.risk!.score, 'modify', x.risk!.owner, 'not-required', x.first, x.first, JSON.stringify({ id: x.risk!.id, itemId: x.id })]),
    };
  }
}

const rank = (s: string) => {
  const i = STATUS_SEVERITY.slice(0, 4).indexOf(s as never);
  return i < 0 ? 4 : i;
};
const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
const ORACLE_KEYS: Record<ItemSort, (x: Fixture) => Array<[string | number, boolean]>> = {
  status: (x) => [[rank(x.status), false], [x.name, false], [x.id, false]],
  name: (x) => [[x.name, false], [x.id, false]],
  'last-seen': (x) => [[x.last, true], [x.id, false]],
  'first-detected': (x) => [[x.first, true], [x.id, false]],
  bytes: (x) => [[x.bytesOut ?? 0, true], [x.id, false]],
  tier: (x) => [[x.risk!.tier, false], [x.risk!.score, true], [x.id, false]],
  score: (x) => [[x.risk!.score, true], [x.id, false]],
};

/** What the query must answer: the same filters and order, in memory. */
function oracle(xs: Fixture[], f: ItemQuery): string[] {
  const sort = f.sort ?? 'status';
  const viaRisk = sort === 'tier' || sort === 'score' || !!f.riskStatus?.length || !!f.tier || !!f.owner;
  const q = f.q?.toLowerCase();
  return xs
    .filter((x) => (f.state ?? 'active') === 'all' || x.state === (f.state ?? 'active'))
    .filter((x) => !viaRisk || x.risk)
    .filter((x) => !f.status?.length || f.status.includes(x.status))
    .filter((x) => !f.riskStatus?.length || f.riskStatus.includes(x.risk!.status))
    .filter((x) => !f.tier || x.risk!.tier === f.tier)
    .filter((x) => !f.owner || x.risk!.owner === f.owner)
    .filter((x) => !f.source || x.sources.includes(f.source))
    .filter((x) => !f.category || x.category === f.category)
    .filter((x) => !q || x.id === f.q || [x.name, x.service, x.vendor].some((v) => v.toLowerCase().includes(q)))
    .sort((a, b) => {
      const ka = ORACLE_KEYS[sort](a);
      const kb = ORACLE_KEYS[sort](b);
      for (let i = 0; i < ka.length; i++) {
        const c = cmp(ka[i][0], kb[i][0]);
        if (c) return ka[i][1] ? -c : c;
      }
      return 0;
    })
    .map((x) => x.id);
}

const FILTERS: Array<[string, ItemQuery]> = [
  ['intake queue', { status: STATUS_SEVERITY.slice(0, 4) }],
  ['every item, every state', { state: 'all' }],
  ['gone items', { state: 'gone' }],
  ['tier 1 + network', { status: STATUS_SEVERITY.slice(0, 4), tier: 1, source: 'network' }],
  ['owner + category', { owner: 'ops@corp.example', category: 'llm-api' }],
  ['intake status', { riskStatus: ['triaged', 'suppressed'] }],
  ['search', { q: 'model-12' }],
  ['search by id', { q: 'it-00000000' }],
  ['nothing matches', { category: 'no-such-category' }],
];

const PAGE = 70;

async function offsetPages(reg: RegisterStore, f: ItemQuery): Promise<{ ids: string[]; totals: Array<[number, boolean]> }> {
  const ids: string[] = [];
  const totals: Array<[number, boolean]> = [];
  for (let offset = 0; ; offset += PAGE) {
    const p = await reg.queryItems({ ...f, limit: PAGE, offset });
    totals.push([p.total, p.capped]);
    ids.push(...p.rows.map((r) => r.id));
    if (p.rows.length < PAGE) return { ids, totals };
  }
}

describe.each(BACKENDS)('register item query on $name: every filter and sort against an oracle, offset and keyset pages', (backend) => {
  let reg: RegisterStore;
  let spec: string;
  const xs = fixtures();
  beforeAll(async () => {
    await backend.setup();
    spec = await backend.fresh();
    reg = await backend.open(spec);
  }, 120_000);
  afterAll(async () => {
    await reg?.close();
    await backend.teardown();
  });

  it('the bulk path loads everything in one transaction and rebuilds what it dropped', async () => {
    const raw = await backend.raw(spec);
    const derived = async () =>
      backend.name === 'sqlite'
        ? (await raw.all("SELECT type || ':' || name AS n FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY 1")).map((r) => r.n)
        : (await raw.all("SELECT indexname AS n FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1")).map((r) => r.n);
    const before = await derived();
    const gen0 = Number((await raw.all('SELECT n FROM register_generation WHERE id = 1'))[0].n);
    // a load that fails part-way leaves nothing behind
    await expect(reg.loadTables([...dumps(xs.slice(0, 10)), { table: 'items', columns: ITEM_COLS, rows: [[xs[0].id, ...Array(ITEM_COLS.length - 1).fill('x')]] }])).rejects.toThrow();
    expect(await reg.countRows('items')).toBe(0);
    expect(await derived()).toEqual(before);
    const loaded = await reg.loadTables(dumps(xs));
    expect(loaded.rows).toEqual({ items: N, risk_entries: xs.filter((x) => x.risk).length });
    expect(await derived()).toEqual(before);
    expect(Number((await raw.all('SELECT n FROM register_generation WHERE id = 1'))[0].n)).toBeGreaterThan(gen0);
    await raw.close();
    await reg.analyze();
    // the full-text index (SQLite) / trigram indexes answer like the rows
    expect((await reg.queryItems({ q: 'model-12', state: 'all' })).rows.map((r) => r.id).sort()).toEqual(oracle(xs, { q: 'model-12', state: 'all' }).sort());
  }, 120_000);

  for (const [label, f] of FILTERS) {
    it(`${label}: every sort, offset pages and keyset pages equal the oracle`, async () => {
      for (const sort of ITEM_SORTS) {
        const want = oracle(xs, { ...f, sort });
        const viaRisk = sort === 'tier' || sort === 'score' || !!f.riskStatus?.length || !!f.tier || !!f.owner;
        const ctx = `${label}, sort ${sort}`;
        // unpaged: every row, exact count
        const all = await reg.queryItems({ ...f, sort });
        expect(all.rows.map((r) => r.id), ctx).toEqual(want);
        expect([all.total, all.capped], ctx).toEqual([want.length, false]);
        // offset pages (page=N)
        const off = await offsetPages(reg, { ...f, sort });
        expect(off.ids, ctx).toEqual(want);
        const total: [number, boolean] = viaRisk && want.length > COUNT_CAP ? [COUNT_CAP, true] : [want.length, false];
        for (const t of off.totals) expect(t, ctx).toEqual(total);
        // keyset pages forward: Next cursors to the end
        const fwd: ItemSummary[][] = [];
        let p = await reg.queryItems({ ...f, sort, limit: PAGE });
        expect(p.prev, ctx).toBeUndefined();
        for (;;) {
          fwd.push(p.rows);
          if (!p.next) break;
          expect(p.rows.length, ctx).toBe(PAGE);
          p = await reg.queryItems({ ...f, sort, limit: PAGE, after: p.next });
          expect([p.total, p.capped], ctx).toEqual(total);
        }
        expect(fwd.flat().map((r) => r.id), ctx).toEqual(want);
        if (!want.length) continue;
        // keyset pages back: Previous cursors from the last page to the first
        const back: ItemSummary[][] = [];
        for (;;) {
          back.unshift(p.rows);
          if (!p.prev) break;
          p = await reg.queryItems({ ...f, sort, limit: PAGE, before: p.prev });
          expect(p.rows.length, ctx).toBe(PAGE);
        }
        expect(back.flat().map((r) => r.id), ctx).toEqual(want);
        expect(back.map((x) => x.length), ctx).toEqual(fwd.map((x) => x.length));
        // an offset page's cursors continue where it ends
        if (want.length > 2 * PAGE) {
          const mid = await reg.queryItems({ ...f, sort, limit: PAGE, offset: PAGE });
          expect((await reg.queryItems({ ...f, sort, limit: PAGE, after: mid.next })).rows.map((r) => r.id), ctx).toEqual(want.slice(2 * PAGE, 3 * PAGE));
          expect((await reg.queryItems({ ...f, sort, limit: PAGE, before: mid.prev })).rows.map((r) => r.id), ctx).toEqual(want.slice(0, PAGE));
        }
      }
    }, 120_000);
  }

  it('deep offset pages seek from anchors of their own generation: equal to plain OFFSET, and a write between two reads is seen', async () => {
    // 4,600 items: pages past 1,000, 2,000, 3,000 and 4,000 rows, whose anchors are read from the start,
    // from a nearer anchor, from the cache, and again after a write (the 1,500-item lists above page
    // past ANCHOR_STEP too, with every filter and sort)
    const big = fixtures(4_600);
    const spec2 = await backend.fresh();
    const reg2 = await backend.open(spec2);
    try {
      await reg2.loadTables(dumps(big));
      await reg2.analyze();
      const cases: Array<[ItemQuery, ItemSort]> = [
        [{ state: 'all' }, 'name'],
        [{ status: STATUS_SEVERITY.slice(0, 4) }, 'status'],
        [{ state: 'all' }, 'score'],
        [{ state: 'all', category: 'llm-api' }, 'last-seen'],
        [{ state: 'all', riskStatus: ['triaged', 'suppressed', 'needs-intake'] }, 'bytes'],
      ];
      for (const [f, sort] of cases) {
        const want = oracle(big, { ...f, sort });
        expect(want.length, sort).toBeGreaterThan(1_400);
        for (const offset of [1_000, 2_130, 999, 4_000, 3_050, 2_130, 1_999, 4_400]) {
          const p = await reg2.queryItems({ ...f, sort, limit: PAGE, offset });
          expect(p.rows.map((r) => r.id), `${sort} offset ${offset}`).toEqual(want.slice(offset, offset + PAGE));
        }
      }
      // a write between two reads: the 40 items that sort first by name move to the end of the name
      // order, the 40 last by bytes to its front, so the anchors read before it point at the wrong rows now
      const byName: ItemQuery = { state: 'all', sort: 'name', limit: PAGE };
      const byBytes: ItemQuery = { state: 'all', sort: 'bytes', limit: PAGE };
      const before = oracle(big, byName);
      const bytesBefore = oracle(big, byBytes);
      for (const offset of [3_000, 4_100]) expect((await reg2.queryItems({ ...byName, offset })).rows.map((r) => r.id)).toEqual(before.slice(offset, offset + PAGE));
      expect((await reg2.queryItems({ ...byBytes, offset: 1_000 })).rows.map((r) => r.id)).toEqual(bytesBefore.slice(1_000, 1_000 + PAGE));
      // owners' lists (read whole once per generation): every offset page before the write
      const owners: ItemQuery[] = [
        { owner: 'ops@corp.example', category: 'llm-api', state: 'all', sort: 'name', limit: PAGE },
        { owner: 'ops@corp.example', state: 'all', sort: 'name', limit: PAGE },
      ];
      const ownerPages = async (f: ItemQuery) => {
        const got: string[] = [];
        const totals = new Set<string>();
        for (let offset = 0; offset < 1_300; offset += PAGE) {
          const p = await reg2.queryItems({ ...f, offset });
          got.push(...p.rows.map((r) => r.id));
          totals.add(`${p.total}${p.capped ? '+' : ''}`);
        }
        return { got, totals: [...totals] };
      };
      for (const f of owners) {
        const want = oracle(big, f);
        expect(await ownerPages(f), JSON.stringify(f)).toEqual({ got: want, totals: [want.length > COUNT_CAP ? `${COUNT_CAP}+` : String(want.length)] });
      }
      expect(oracle(big, owners[1]).length).toBeGreaterThan(COUNT_CAP); // the capped list, with pages past what it holds
      const raw = await backend.raw(spec2);
      for (const id of before.slice(0, 40)) {
        await raw.run('UPDATE items SET name = $1 WHERE id = $2', [`zz-${id}`, id]);
        big.find((x) => x.id === id)!.name = `zz-${id}`;
      }
      for (const id of bytesBefore.slice(-40)) {
        await raw.run('UPDATE items SET bytes_out = 1000000000 WHERE id = $1', [id]);
        big.find((x) => x.id === id)!.bytesOut = 1e9;
      }
      await raw.close();
      const after = oracle(big, byName);
      const bytesAfter = oracle(big, byBytes);
      expect(after.slice(3_000, 3_000 + PAGE)).not.toEqual(before.slice(3_000, 3_000 + PAGE));
      expect(bytesAfter.slice(3_000, 3_000 + PAGE)).not.toEqual(bytesBefore.slice(3_000, 3_000 + PAGE));
      // by name, 3,000 first: an anchor of the old generation answers from the cache, and the page statement tells
      for (const offset of [3_000, 4_100, 2_000, 4_500])
        expect((await reg2.queryItems({ ...byName, offset })).rows.map((r) => r.id), `by name after the write, offset ${offset}`).toEqual(after.slice(offset, offset + PAGE));
      for (const f of owners) expect((await ownerPages(f)).got, `after the write, ${JSON.stringify(f)}`).toEqual(oracle(big, f));
      // by bytes, 3,000 first: past every anchor read before the write (up to 1,000), the nearest of which is of the old generation
      for (const offset of [3_000, 4_500, 1_000])
        expect((await reg2.queryItems({ ...byBytes, offset })).rows.map((r) => r.id), `by bytes after the write, offset ${offset}`).toEqual(bytesAfter.slice(offset, offset + PAGE));
    } finally {
      await reg2.close();
    }
  }, 120_000);

  it('a cursor of another sort, or not one of ours, is a one-line error', async () => {
    const p = await reg.queryItems({ sort: 'name', limit: 10 });
    await expect(reg.queryItems({ sort: 'tier', limit: 10, after: p.next })).rejects.toThrow(/^invalid page cursor for sort "tier"/);
    await expect(reg.queryItems({ sort: 'name', limit: 10, after: 'not a cursor!' })).rejects.toThrow(/^invalid page cursor/);
    await expect(reg.queryItems({ sort: 'name', limit: 10, before: Buffer.from('["name",1,2]').toString('base64url') })).rejects.toThrow(/^invalid page cursor/);
  });
});
