/**
 * The register's one item query (CLI, web pages, API, exports), for both backends.
 *
 * Two phases: (1) the page's item ids from indexes only — items alone, or driven from the risk
 * entries when a risk column is filtered or sorted on (such lists hold only items with a risk
 * entry, which every queue item has); (2) the page's rows. Counts are exact for item-only filters
 * and capped at COUNT_CAP when the risk entries are joined, and cached per register generation.
 *
 * Pages: `offset` (page=N) or a keyset cursor — `after` / `before` carry the sort key of the
 * last / first row of the page a link came from, so the next page starts where that one ended with
 * an index seek instead of skipping every earlier row. The phase-1 statement reads one row more
 * than the page, which tells whether another page follows without counting.
 */
import { RegisterError } from '../../core/errors.js';
import { STATUS_SEVERITY } from '../../reconcile/reconcile.js';
import type { ItemQuery, ItemSort, ItemSummary, Page } from '../store.js';
import { likeContains, marks, num, type Conn, type Dialect, type Row } from './conn.js';
import { RANK_SQL } from './schema.js';

/** Counts above this are reported as "more than" when the risk entries are joined. */
export const COUNT_CAP = 1_000;

/** Register-page totals by query, valid for one register generation (one per store, shared by its requests). */
export class CountCache {
  private readonly m = new Map<string, { gen: number; total: number; capped: boolean }>();
  /** Deep-offset anchors by query: the sort key of row `pos - 1` for positions that are multiples of ANCHOR_STEP, for one generation. */
  private readonly a = new Map<string, { gen: number; at: Map<number, Array<string | number>> }>();
  get(key: string, gen: number): { total: number; capped: boolean } | undefined {
    const v = this.m.get(key);
    return v && v.gen === gen ? v : undefined;
  }
  set(key: string, gen: number, v: { total: number; capped: boolean }): void {
    if (this.m.size >= 1000) this.m.clear(); // bounded: filters are many, generations move on
    this.m.set(key, { gen, ...v });
  }
  /** Small lists read whole (see smallListPage): their ordered ids by query and sort, for one generation. */
  private readonly l = new Map<string, { gen: number; ids: string[] }>();
  list(key: string): { gen: number; ids: string[] } | undefined {
    return this.l.get(key);
  }
  setList(key: string, gen: number, ids: string[]): void {
    if (this.l.size >= 200) this.l.clear();
    this.l.set(key, { gen, ids });
  }
  /** The anchors known for a query, with the generation they were read in (which the caller checks against its own statement's). */
  anchors(key: string): { gen: number; at: Map<number, Array<string | number>> } | undefined {
    return this.a.get(key);
  }
  setAnchor(key: string, gen: number, pos: number, values: Array<string | number>): void {
    let v = this.a.get(key);
    if (!v || v.gen !== gen) {
      if (this.a.size >= 200) this.a.clear();
      this.a.set(key, (v = { gen, at: new Map() }));
    }
    if (v.at.size < 5000) v.at.set(pos, values);
  }
}

/**
 * Deep offset pages (page=N) seek from an anchor: the sort key of the row just before the largest
 * multiple of ANCHOR_STEP at or below the offset, read once per register generation, query and
 * sort (with every anchor below it), then skip the remainder — fewer than ANCHOR_STEP rows walked
 * instead of the whole offset.
 */
export const ANCHOR_STEP = 100;

/** The list's columns (no per-row JSON). */
export const ITEM_SUMMARY_SELECT = `i.id, i.kind, i.service, i.name, i.vendor, i.category, i.artifact_type, i.artifact_key, i.status, i.status_reason, i.catalog_entry, i.state, i.sources, i.signals,
  i.subject_count, i.finding_count, i.event_count, i.bytes_out, i.seen_first, i.seen_last, i.first_detected_at, i.last_detected_at, i.gone_at,
  r.id AS risk_id, r.status AS risk_status, r.tier AS tier, r.inherent_score AS score, r.treatment AS treatment, r.owner AS owner, r.suppressed_until AS suppressed_until`;

const RANK = RANK_SQL.replace(/\bstatus\b/g, 'i.status');
const QUEUE_RANK: string[] = STATUS_SEVERITY.slice(0, 4);
/** RANK_SQL's value on a row: the queue statuses in severity order, then everything else together. */
function rankOf(r: ItemSummary): number {
  const i = QUEUE_RANK.indexOf(r.status);
  return i < 0 ? 4 : i;
}

/** A sort key column: its SQL, its direction, its value on a row (every key is NOT NULL), and its type in a cursor. */
interface Key {
  sql: string;
  desc: boolean;
  of(r: ItemSummary): string | number;
  type: 'string' | 'number';
}
const k = (sql: string, type: Key['type'], of: Key['of'], desc = false): Key => ({ sql, desc, of, type });
const ID = k('i.id', 'string', (r) => r.id);
const RISK_ITEM = k('r.item_id', 'string', (r) => r.id);

/** Each sort's keys, ending in a unique column so that the order is total. */
const SORT_KEYS: Record<ItemSort, Key[]> = {
  status: [k(RANK, 'number', rankOf), k('i.name', 'string', (r) => r.name), ID],
  name: [k('i.name', 'string', (r) => r.name), ID],
  'last-seen': [k('i.last_detected_at', 'string', (r) => r.lastDetectedAt, true), ID],
  'first-detected': [k('i.first_detected_at', 'string', (r) => r.firstDetectedAt, true), ID],
  bytes: [k('COALESCE(i.bytes_out, 0)', 'number', (r) => r.bytesOut ?? 0, true), ID],
  tier: [k('r.tier', 'number', (r) => r.tier ?? 0), k('r.inherent_score', 'number', (r) => r.score ?? 0, true), RISK_ITEM],
  score: [k('r.inherent_score', 'number', (r) => r.score ?? 0, true), RISK_ITEM],
};

const orderSql = (keys: Key[], reverse: boolean) => keys.map((x) => `${x.sql}${x.desc !== reverse ? ' DESC' : ''}`).join(', ');

/** A page cursor that is not one of ours: the caller's mistake (HTTP 400 on the web). */
export class CursorError extends RegisterError {
  readonly statusCode = 400;
}

/** A cursor: the sort's name and the key values of a row, base64url JSON (opaque to callers). */
export function encodeCursor(sort: ItemSort, r: ItemSummary): string {
  return Buffer.from(JSON.stringify([sort, ...SORT_KEYS[sort].map((x) => x.of(r))])).toString('base64url');
}

/** The key values of a cursor for `sort`; a cursor of another sort, or one not made by encodeCursor, is a one-line error. */
export function decodeCursor(sort: ItemSort, cursor: string): Array<string | number> {
  const keys = SORT_KEYS[sort];
  let v: unknown;
  try {
    v = /^[A-Za-z0-9_-]{1,2000}$/.test(cursor) ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || v.length !== keys.length + 1 || v[0] !== sort || keys.some((x, i) => typeof v[i + 1] !== x.type || (x.type === 'number' && !Number.isFinite(v[i + 1]))))
    throw new CursorError(`invalid page cursor for sort "${sort}" (use the register's own Next / Previous links)`);
  return v.slice(1) as Array<string | number>;
}

/**
 * Rows strictly after (or, reversed, before) the key values in the sort's order, as one arm per
 * key: equal on the keys before it and past the value on it. Each arm is an index seek (equality
 * prefix, one range) that stops after a page; the page is the first rows of the arms together.
 * (One lexicographic OR would seek on the first key only, then scan every row that shares it —
 * tens of thousands for a status rank or a tier.)
 */
// (an arm orders by its own keys only — the earlier ones are equal in it — so the planner sees the index order)
function keysetArms(keys: Key[], values: Array<string | number>, reverse: boolean): Array<{ sql: string; args: unknown[] }> {
  const gt = (x: Key) => (x.desc !== reverse ? '<' : '>');
  return keys.map((key, i) => ({
    sql: [...keys.slice(0, i).map((x) => `${x.sql} = ?`), `${key.sql} ${gt(key)} ?`].join(' AND '),
    args: values.slice(0, i + 1),
  }));
}

/** The statements of one item query: the total, and the page's ids (one row more than the page). */
export function itemStatements(d: Dialect, f: ItemQuery) {
  const where: string[] = [];
  const args: unknown[] = [];
  const sort: ItemSort = f.sort && f.sort in SORT_KEYS ? f.sort : 'status';
  const sortByRisk = sort === 'tier' || sort === 'score';
  let viaRisk = sortByRisk;
  const state = f.state ?? 'active';
  if (state !== 'all') {
    where.push('i.state = ?');
    args.push(state);
  }
  if (f.status?.length) {
    where.push(`i.status IN (${marks(f.status.length)})`);
    args.push(...f.status);
  }
  if (f.riskStatus?.length) {
    viaRisk = true;
    where.push(`r.status IN (${marks(f.riskStatus.length)})`);
    args.push(...f.riskStatus);
  }
  if (f.tier) {
    viaRisk = true;
    where.push('r.tier = ?');
    args.push(f.tier);
  }
  if (f.owner) {
    viaRisk = true;
    where.push('r.owner = ?');
    args.push(f.owner);
  }
  if (f.source) {
    where.push("i.sources LIKE ? ESCAPE '\\'");
    args.push(likeContains(`"${f.source}"`));
  }
  if (f.category) {
    where.push('i.category = ?');
    args.push(f.category);
  }
  if (f.service) {
    where.push('i.service = ?');
    args.push(f.service);
  }
  if (f.q) {
    const s = d.itemSearch(f.q);
    where.push(s.sql);
    args.push(...s.params);
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  // Sorted by a risk column: walk the risk entries in that order. Filtered on a broad risk
  // column but sorted by an item column: walk the items in sort order and look each entry up,
  // stopping when the page is full (the dialect forces that order where the planner would not).
  // Filtered on an owner (a few hundred entries each): start from that owner's entries and sort what
  // they reach. PostgreSQL reads them in a subquery it may not flatten (OFFSET 0), because its
  // planner would rather walk every item in order and probe each one (bench/results/web-explain.md:
  // 38 ms against 3.5 ms at 100k items); SQLite picks that order itself.
  const ownerFirst = `(SELECT item_id, owner, tier, status, inherent_score FROM risk_entries WHERE owner = ?${d.name === 'postgres' ? ' OFFSET 0' : ''}) r JOIN items i ON i.id = r.item_id`;
  const from = sortByRisk
    ? `risk_entries r ${d.forcedJoin} items i ON i.id = r.item_id`
    : viaRisk
      ? f.owner
        ? ownerFirst
        : `items i ${d.forcedJoin} risk_entries r ON r.item_id = i.id`
      : 'items i';
  // the subquery's parameter comes before the WHERE clause's
  if (from === ownerFirst) args.unshift(f.owner);
  const paged = f.limit !== undefined;
  const limit = paged ? Math.min(Math.max(f.limit!, 1), 1000) : 1_000_000_000;
  const keys = SORT_KEYS[sort];
  const cursor = f.after ?? f.before;
  const reverse = !f.after && !!f.before;
  const take = paged ? limit + 1 : limit;
  const cols = keys.map((x, j) => `${x.sql} AS k${j}`).join(', ');
  /**
   * The ids (and, `withKeys`, the sort key columns k0…) of `n` rows after skipping `skip`: from the
   * start, or strictly past `seek`'s key values (one index seek per key, see keysetArms).
   */
  const idsOf = (n: number, skip: number, seek?: { values: Array<string | number>; reverse: boolean }, withKeys = false) => {
    if (!seek) return { sql: `SELECT i.id${withKeys ? `, ${cols}` : ''} FROM ${from} ${w} ORDER BY ${orderSql(keys, false)} LIMIT ? OFFSET ?`, args: [...args, n, skip] };
    const arms = keysetArms(keys, seek.values, seek.reverse);
    return {
      sql: `SELECT t.id${withKeys ? `, ${keys.map((_, j) => `t.k${j}`).join(', ')}` : ''} FROM (${arms
        .map((a, m) => `SELECT * FROM (SELECT i.id AS id, ${cols} FROM ${from} ${w ? `${w} AND` : 'WHERE'} ${a.sql} ORDER BY ${orderSql(keys.slice(m), seek.reverse)} LIMIT ?) a${m}`)
        .join(' UNION ALL ')}) t ORDER BY ${keys.map((x, j) => `t.k${j}${x.desc !== seek.reverse ? ' DESC' : ''}`).join(', ')} LIMIT ?${skip ? ' OFFSET ?' : ''}`,
      args: [...arms.flatMap((a) => [...args, ...a.args, n + skip]), n, ...(skip ? [skip] : [])],
    };
  };
  // An owner's list is small and its page is sorted from all of its rows anyway: the page statement
  // counts them on the way (a window over the same rows) instead of a second statement walking them again.
  const countsInline = paged && from === ownerFirst && cursor === undefined;
  const plain = idsOf(take, Math.max(f.offset ?? 0, 0));
  const ids = cursor !== undefined ? idsOf(take, 0, { values: decodeCursor(sort, cursor), reverse }) : countsInline ? { ...plain, sql: plain.sql.replace(/^SELECT i\.id /, 'SELECT i.id, COUNT(*) OVER () AS n_all ') } : plain;
  /**
   * A page in one statement: the ids statement as a derived table, joined to the list's columns
   * (in the ids' order), with the register generation read in the same snapshot.
   */
  const page = (st: { sql: string; args: unknown[] }, withGen: boolean) => ({
    sql: `SELECT ${ITEM_SUMMARY_SELECT}${withGen ? `, (${GENERATION_SQL}) AS gen_n` : ''}${st === ids && countsInline ? ', p.n_all' : ''} FROM (${st.sql}) p ${d.forcedJoin} items i ON i.id = p.id LEFT JOIN risk_entries r ON r.item_id = i.id ORDER BY ${orderSql(keys, reverse)}`,
    args: st.args,
  });
  return {
    sort,
    keys,
    reverse,
    keyset: cursor !== undefined,
    limit,
    take,
    key: `${from}\u0000${w}\u0000${JSON.stringify(args)}\u0000${viaRisk && paged}`,
    // joined with the risk entries and paged: counted up to the cap, not to the end
    capped: viaRisk && paged,
    count: viaRisk && paged ? { sql: `SELECT COUNT(*) AS n FROM (SELECT 1 AS x FROM ${from} ${w} LIMIT ${COUNT_CAP + 1}) t`, args } : { sql: `SELECT COUNT(*) AS n FROM ${from} ${w}`, args },
    ids,
    idsOf,
    page,
    countsInline,
  };
}

/** A JSON column's value, or `d` when it is empty or unreadable. */
export const pj = <T>(s: string | null | undefined, d: T): T => {
  if (!s) return d;
  try {
    return JSON.parse(s) as T;
  } catch {
    return d;
  }
};
export { num } from './conn.js';

export function toSummary(r: Row): ItemSummary {
  return {
    id: r.id,
    kind: r.kind,
    service: r.service,
    name: r.name,
    vendor: r.vendor,
    category: r.category,
    artifactType: r.artifact_type ?? undefined,
    artifactKey: r.artifact_key ?? undefined,
    status: r.status,
    statusReason: r.status_reason,
    catalogEntry: r.catalog_entry ?? undefined,
    state: r.state,
    sources: pj<string[]>(r.sources, []),
    signals: pj<string[]>(r.signals, []),
    subjectCount: Number(r.subject_count),
    findingCount: Number(r.finding_count),
    eventCount: Number(r.event_count),
    bytesOut: num(r.bytes_out),
    seenFirst: r.seen_first ?? undefined,
    seenLast: r.seen_last ?? undefined,
    firstDetectedAt: r.first_detected_at,
    lastDetectedAt: r.last_detected_at,
    goneAt: r.gone_at ?? undefined,
    riskEntryId: r.risk_id ?? undefined,
    riskStatus: r.risk_status ?? undefined,
    tier: num(r.tier),
    score: num(r.score),
    treatment: r.treatment ?? undefined,
    owner: r.owner ?? undefined,
    suppressedUntil: r.suppressed_until ?? undefined,
  };
}

const GENERATION_SQL = 'SELECT n FROM register_generation WHERE id = 1';

/** The register's generation (migration 600), or -1 for a register opened read-only before it had one. */
async function generation(c: Conn): Promise<number> {
  try {
    return Number((await c.get(GENERATION_SQL))?.n ?? -1);
  } catch {
    return -1;
  }
}

/** Whether the register has its generation counter (a read-only register of an older schema may not); asked once per connection. */
const GENERATION_KNOWN = new WeakMap<Conn, boolean>();
export async function hasGeneration(c: Conn): Promise<boolean> {
  let v = GENERATION_KNOWN.get(c);
  if (v === undefined) GENERATION_KNOWN.set(c, (v = (await generation(c)) >= 0));
  return v;
}

/** The key values of the row a statement with `withKeys` returned, typed as the sort's keys. */
const keyValues = (keys: Key[], r: Row): Array<string | number> => keys.map((x, j) => (x.type === 'number' ? Number(r[`k${j}`]) : String(r[`k${j}`])));

/**
 * The anchor for position `pos` (a multiple of ANCHOR_STEP): the key values of row `pos - 1` and
 * the generation they were read in — cached, else read together with every anchor between the
 * nearest cached one below it (if still the same generation) or the start and `pos`, in one
 * statement (the rows in between numbered in the sort's order, every ANCHOR_STEP-th kept).
 * Undefined when the list is shorter.
 */
async function anchorAt(c: Conn, counts: CountCache, q: ReturnType<typeof itemStatements>, pos: number, staleGen?: number): Promise<{ gen: number; values: Array<string | number> } | undefined> {
  const key = `${q.key}\u0000${q.sort}`; // the count's key does not depend on the order; an anchor does
  const cached = counts.anchors(key);
  const known = cached && cached.gen !== staleGen ? cached : undefined;
  const hit = known?.at.get(pos);
  if (known && hit) return { gen: known.gen, values: hit };
  let from = 0;
  for (const at of known?.at.keys() ?? []) if (at < pos && at > from) from = at;
  const order = q.keys.map((x, j) => `y.k${j}${x.desc ? ' DESC' : ''}`).join(', ');
  for (const start of from ? [from, 0] : [0]) {
    const st = q.idsOf(pos - start, 0, start ? { values: known!.at.get(start)!, reverse: false } : undefined, true);
    const rows = await c.all(`SELECT x.*, (${GENERATION_SQL}) AS gen_n FROM (SELECT y.*, ROW_NUMBER() OVER (ORDER BY ${order}) AS rn FROM (${st.sql}) y) x WHERE x.rn % ${ANCHOR_STEP} = 0 ORDER BY x.rn`, st.args);
    if (!rows.length) return undefined;
    const gen = Number(rows[0].gen_n);
    if (start && gen !== known!.gen) continue; // written since that anchor was read: from the start
    for (const r of rows) counts.setAnchor(key, gen, start + Number(r.rn), keyValues(q.keys, r));
    const last = rows[rows.length - 1];
    return start + Number(last.rn) === pos ? { gen, values: keyValues(q.keys, last) } : undefined;
  }
  return undefined;
}

/**
 * A page of an owner's list (no cursor): such a list is small (an owner's entries) and its page is
 * sorted from all of its rows on every request, since no index holds them in the sort's order.
 * Its ordered ids (up to COUNT_CAP + 1) are read once per register generation, query and sort,
 * and a page then reads its rows by id in one statement that also reads the generation — a newer
 * one reads the list again. Undefined when the list is empty or the page lies past what it holds:
 * the page statement answers.
 */
async function smallListPage(c: Conn, d: Dialect, counts: CountCache, q: ReturnType<typeof itemStatements>, offset: number): Promise<{ gen: number; rows: Row[] } | undefined> {
  const key = `${q.key}\u0000${q.sort}`;
  let list = counts.list(key);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (!list) {
      const st = q.idsOf(COUNT_CAP + 1, 0);
      const r = await c.all(`SELECT x.id, (${GENERATION_SQL}) AS gen_n FROM (${st.sql}) x`, st.args);
      if (!r.length) return undefined;
      list = { gen: Number(r[0].gen_n), ids: r.map((x) => x.id as string) };
      counts.setList(key, list.gen, list.ids);
      const n = list.ids.length;
      counts.set(q.key, list.gen, { total: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP });
    }
    const ids = list.ids.slice(offset, offset + q.take);
    if (!ids.length || (list.ids.length > COUNT_CAP && offset + q.take > list.ids.length)) return undefined;
    const l = d.inList('i.id', ids.length);
    const rows = await c.all(`SELECT ${ITEM_SUMMARY_SELECT}, (${GENERATION_SQL}) AS gen_n FROM items i LEFT JOIN risk_entries r ON r.item_id = i.id WHERE ${l.sql}`, l.params(ids));
    if (rows.length === ids.length && Number(rows[0].gen_n) === list.gen) {
      const byId = new Map(rows.map((r) => [r.id as string, r]));
      return { gen: list.gen, rows: ids.map((id) => byId.get(id)!) };
    }
    list = undefined; // written since the list was read: read it again
  }
  return undefined;
}

/**
 * One page of the register. `counts`: the store's cache (outside transactions only — a transaction
 * counts what it sees itself). `byIds` reads rows by key in list-sized chunks (unpaged lists).
 *
 * A page is one statement (ids, rows and the generation together); the total, when not cached for
 * that generation, a second. A deep offset page seeks from a cached anchor of the same generation
 * as the page statement itself reads — otherwise it is answered by the plain OFFSET statement — so
 * it returns exactly what the plain OFFSET would.
 */
export async function queryItems(c: Conn, d: Dialect, counts: CountCache | undefined, f: ItemQuery, byIds: (sqlBefore: string, col: string, ids: readonly string[]) => Promise<Row[]>): Promise<Page<ItemSummary>> {
  const q = itemStatements(d, f);
  const withGen = !!counts && (await hasGeneration(c));
  let rows: Row[] | undefined;
  let gen = -1;
  if (f.limit === undefined) {
    // every row (exports, the CLI): ids in order, then the rows in chunks
    const ids = (await c.all(q.ids.sql, q.ids.args)).map((r) => r.id as string);
    gen = withGen ? await generation(c) : -1;
    const byId = new Map((ids.length ? await byIds(`SELECT ${ITEM_SUMMARY_SELECT} FROM items i LEFT JOIN risk_entries r ON r.item_id = i.id WHERE`, 'i.id', ids) : []).map((r) => [r.id as string, r]));
    rows = ids.map((id) => byId.get(id)).filter((r): r is Row => !!r);
  } else {
    const offset = Math.max(f.offset ?? 0, 0);
    if (withGen && q.countsInline) {
      const got = await smallListPage(c, d, counts!, q, offset);
      if (got) (rows = got.rows), (gen = got.gen);
    }
    if (!rows && withGen && !q.keyset && offset >= ANCHOR_STEP) {
      const pos = Math.floor(offset / ANCHOR_STEP) * ANCHOR_STEP;
      // the anchors hold for a page statement of their own generation only; a page that reads a newer
      // one reads them again (from the start) once, else the plain statement answers (an empty page cannot tell)
      let stale: number | undefined;
      for (let attempt = 0; attempt < 2 && !rows; attempt++) {
        const a = await anchorAt(c, counts!, q, pos, stale);
        if (!a) break;
        const st = q.page(q.idsOf(q.take, offset - pos, { values: a.values, reverse: false }), true);
        const got = await c.all(st.sql, st.args);
        if (!got.length) break;
        if (Number(got[0].gen_n) === a.gen) (rows = got), (gen = a.gen);
        else stale = a.gen;
      }
    }
    if (!rows) {
      const st = q.page(q.ids, withGen);
      rows = await c.all(st.sql, st.args);
      gen = !withGen ? -1 : rows.length ? Number(rows[0].gen_n) : await generation(c);
    }
  }
  // The total is the costly part of a page (every matching row): computed once per register
  // generation and query. The generation comes with the page (one statement, one snapshot) and
  // the count, when needed, runs after it, so a count is never older than its key.
  const cache = gen >= 0 ? counts : undefined;
  let { total, capped } = cache?.get(q.key, gen) ?? { total: -1, capped: false };
  if (total < 0 && rows.length && rows[0].n_all !== undefined) {
    // counted by the page statement itself, capped as the count statement caps it
    total = Number(rows[0].n_all);
    if (q.capped && total > COUNT_CAP) (total = COUNT_CAP), (capped = true);
    cache?.set(q.key, gen, { total, capped });
  }
  if (total < 0) {
    total = Number((await c.get(q.count.sql, q.count.args))?.n ?? 0);
    if (q.capped && total > COUNT_CAP) (total = COUNT_CAP), (capped = true);
    cache?.set(q.key, gen, { total, capped });
  }
  const more = rows.length > q.limit;
  if (more) rows = rows.slice(0, q.limit);
  if (q.reverse) rows.reverse();
  const out = rows.map(toSummary);
  const atGen = gen >= 0 ? gen : undefined;
  if (f.limit === undefined || !out.length) return { total, capped, rows: out, generation: atGen };
  // cursors for the neighbouring pages: forward, another page follows when the extra row came back;
  // backward (a `before` page), an earlier page exists when it did
  const hasNext = q.reverse ? true : more;
  const hasPrev = q.reverse ? more : q.keyset || (f.offset ?? 0) > 0;
  return {
    total,
    capped,
    rows: out,
    next: hasNext ? encodeCursor(q.sort, out[out.length - 1]) : undefined,
    prev: hasPrev ? encodeCursor(q.sort, out[0]) : undefined,
    generation: atGen,
  };
}

/** The plans of an item query's statements (benchmarks): PostgreSQL's EXPLAIN ANALYZE, SQLite's query plan, and each statement's time. */
export async function explainItemQuery(c: Conn, d: Dialect, f: ItemQuery): Promise<Array<{ what: string; sql: string; ms: number; plan: string[] }>> {
  const q = itemStatements(d, f);
  const out: Array<{ what: string; sql: string; ms: number; plan: string[] }> = [];
  for (const [what, st] of [['count', q.count], ['page (ids, rows and generation in one statement)', q.page(q.ids, true)]] as const) {
    const t = performance.now();
    await c.all(st.sql, st.args);
    const ms = performance.now() - t;
    const rows = await c.all(`${d.name === 'postgres' ? 'EXPLAIN (ANALYZE, BUFFERS)' : 'EXPLAIN QUERY PLAN'} ${st.sql}`, st.args);
    out.push({ what, sql: st.sql, ms, plan: rows.map((r) => String(r['QUERY PLAN'] ?? r.detail)) });
  }
  return out;
}
