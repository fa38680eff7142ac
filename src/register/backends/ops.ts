/**
 * Every statement the register runs, written once for both backends: positional `?` parameters,
 * `ON CONFLICT` upserts and TEXT-held JSON, which SQLite and PostgreSQL both accept; where the
 * two differ (lists, text search, forced join order) the dialect says how.
 */
import type { Coverage, Finding } from '../../core/types.js';
import { locatorPath } from '../../match/match.js';
import { nextRecord, type AuditEvent, type AuditRecord, type VerifyResult } from '../audit.js';
import { checkEntries, verifyLedger } from '../ledger.js';
import { currentMacKey } from '../ledger-keys.js';
import { projections, projectionsFor, storedColumns, type ProjRow } from '../projections.js';
import type {
  CommitSummary,
  DecisionRow,
  DiffFindingRow,
  FindingWrite,
  GoneCandidate,
  ItemDetail,
  ItemPageData,
  ItemQuery,
  ItemRow,
  ItemSummary,
  ItemWrite,
  Page,
  PriorItem,
  RegisterOps,
  RiskEntry,
  RowSource,
  RunMeta,
  RunRow,
  SessionRow,
  SourceRunRow,
  StoredFigures,
  StoredFinding,
  TableDump,
  TokenRow,
  UserRow,
} from '../store.js';
import { chunks, likeContains, marks, type Conn, type Dialect, type Row } from './conn.js';
import { GovernanceOps } from './governance-ops.js';
import { CountCache, explainItemQuery, ITEM_SUMMARY_SELECT, num, pj, queryItems, toSummary } from './query-ops.js';
import { itemPage } from './item-ops.js';
import { FINDINGS_VIEW_FROM, LAST_COMMIT_OF_RUN, NarrowFindings, storedFigures, viewColumns, type DataParts } from './sqlite-findings.js';

export { COUNT_CAP, CountCache } from './query-ops.js';

const j = (v: unknown) => JSON.stringify(v ?? null);


// per finding only what differs between findings; the run's constants (state, detection time, run
// id) are literals of the commit's statement, and `gone_at` is left NULL
const FINDING_COLS = [
  'id', 'item_id', 'service', 'source', 'scanner', 'kind', 'value', 'signal', 'confidence', 'subject_kind', 'subject_id', 'subject_name', 'locator', 'unit',
  'count', 'bytes_out', 'bytes_in', 'seen_first', 'seen_last', 'status', 'status_reason', 'data',
];
/** The finding fields a column holds (the rest go to `data`, see findingExtras). */
const FINDING_COLUMN_FIELDS: ReadonlySet<string> = new Set(['id', 'service', 'source', 'scanner', 'kind', 'value', 'signal', 'confidence', 'subject', 'locator', 'count', 'bytesOut', 'bytesIn', 'firstSeen', 'lastSeen']);
/** Fields every finding of one service and rule shares: their JSON is built once per (service, rule, pattern). */
const FINDING_SHARED_FIELDS: ReadonlySet<string> = new Set(['serviceName', 'vendor', 'category', 'match']);
/** Fields `data` leaves out: a column holds them, or the shared part does (one lookup per field). */
const FINDING_DATA_SKIP: ReadonlySet<string> = new Set([...FINDING_COLUMN_FIELDS, ...FINDING_SHARED_FIELDS]);
/** The columns a finding is read back from (findingOf). */
const FINDING_READ = 'id, service, source, scanner, kind, value, signal, confidence, subject_kind, subject_id, subject_name, locator, count, bytes_out, bytes_in, seen_first, seen_last, data';

/** A SQL string literal (the commit's own values: run ids, ISO times). */
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * A finding's `data`: the JSON of the fields no column holds (service name, vendor, category,
 * match, attrs, artifact, snippet …), the shared part cached per service and rule; a finding
 * without a count says so (`"count":null`), the column holding 1. Rows of older registers hold the
 * whole finding; findingOf reads both.
 */
export class FindingExtras {
  /** The shared part by service, rule and pattern (strings the rules hold: hashed once), checked against the names it was built from. */
  private readonly shared = new Map<string, Map<unknown, Map<unknown, { serviceName: string; vendor: string; category: string; text: string }>>>();
  private sharedCount = 0;
  /** The last finding's keys in for-in order, and those of them `data` keeps (undefined: one an object would reorder). */
  private keys: string[] = [];
  private keep: string[] | undefined = [];
  json(f: Finding): string {
    const d = this.parts(f);
    return d.shared === '{' ? d.own : d.own === '{}' ? `${d.shared}}` : `${d.shared},${d.own.slice(1)}`;
  }
  /**
   * `data` in two parts: what every finding of one service, rule and pattern shares (service name,
   * vendor, category, match: built once, cached), and the finding's own fields. A match with more
   * than rule and pattern is the finding's own (`shared` is then `{`). SQLite stores the shared
   * part once per shape (sqlite-findings.ts); `json` joins the two as PostgreSQL stores them.
   */
  parts(f: Finding): DataParts {
    const m = f.match as unknown as Record<string, unknown> | undefined;
    let simple = !!m && typeof m === 'object';
    if (simple) for (const k in m) if (k !== 'rule' && k !== 'pattern') simple = false;
    if (!simple) return { shared: '{', own: this.own(f, { serviceName: f.serviceName, vendor: f.vendor, category: f.category, match: m }) };
    return { shared: this.sharedOf(f, m!), own: this.own(f, {}) };
  }

  private sharedOf(f: Finding, m: Record<string, unknown>): string {
    let byRule = this.shared.get(f.service);
    if (!byRule) this.shared.set(f.service, (byRule = new Map()));
    let byPattern = byRule.get(m.rule);
    if (!byPattern) byRule.set(m.rule, (byPattern = new Map()));
    const x = byPattern.get(m.pattern);
    if (x && x.serviceName === f.serviceName && x.vendor === f.vendor && x.category === f.category) return x.text;
    const text = JSON.stringify({ serviceName: f.serviceName, vendor: f.vendor, category: f.category, match: m }).slice(0, -1);
    if (this.sharedCount++ > 10_000) (this.shared.clear(), (this.sharedCount = 0));
    byPattern.set(m.pattern, { serviceName: f.serviceName, vendor: f.vendor, category: f.category, text });
    return text;
  }

  /**
   * The finding's own fields after `head`'s, as one JSON text: the fields no column or shared part
   * holds in the finding's order, then a subject with more than kind, id and name, then
   * `"count":null` for a finding without a count. Built as one object and stringified once, so the
   * text is flat (a text built by concatenation is flattened again by each bind).
   */
  private own(f: Finding, head: Record<string, unknown>): string {
    const rec = f as unknown as Record<string, unknown>;
    // findings made by one scanner list the same keys in the same order: compared by identity with
    // the last finding's, the kept ones are known without a set lookup per key
    const last = this.keys;
    let n = 0;
    let same = true;
    for (const k in rec) if (k !== last[n++]) same = false;
    if (!same || n !== last.length) this.learnKeys(rec);
    const keep = this.keep;
    // a key an object literal would not keep in place (an index, __proto__): written as it comes
    if (!keep) return ownText(f, head);
    for (let i = 0; i < keep.length; i++) head[keep[i]] = rec[keep[i]];
    if (hasExtraSubject(f)) head.subject = f.subject;
    if (f.count === undefined) head.count = null;
    return JSON.stringify(head);
  }

  private learnKeys(rec: Record<string, unknown>): void {
    const keys: string[] = [];
    let keep: string[] | undefined = [];
    for (const k in rec) {
      keys.push(k);
      if (FINDING_DATA_SKIP.has(k)) continue;
      if (k === '__proto__' || isIndexKey(k)) keep = undefined;
      else keep?.push(k);
    }
    this.keys = keys;
    this.keep = keep;
  }
}

function hasExtraSubject(f: Finding): boolean {
  for (const k in f.subject) if (k !== 'kind' && k !== 'id' && k !== 'name') return true;
  return false;
}

/** An array index as a property key (objects list those first, whatever order they were set in). */
function isIndexKey(k: string): boolean {
  const c = k.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/** `own` by concatenation, key by key, for a finding whose keys an object would reorder. */
function ownText(f: Finding, head: Record<string, unknown>): string {
  let out = '{';
  const add = (k: string, v: unknown) => {
    if (v !== undefined) out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${JSON.stringify(v)}`;
  };
  for (const k of ['serviceName', 'vendor', 'category', 'match']) if (k in head) add(k, head[k]);
  const rec = f as unknown as Record<string, unknown>;
  for (const k in rec) if (!FINDING_DATA_SKIP.has(k)) add(k, rec[k]);
  if (hasExtraSubject(f)) add('subject', f.subject);
  if (f.count === undefined) add('count', null);
  return `${out}}`;
}

/**
 * Reads finding rows. A reader made by `findingReader()` keeps one copy of each repeated text
 * (service, kind, host, subject, scanner, names, one `match` object per rule and pattern …) for
 * the rows it reads: a re-scan reads every active finding back, and a million findings each
 * holding its own copies of the same few hundred strings was most of the heap the judge walked.
 * Findings are built with their keys in one order, so they share V8's hidden classes.
 */
export function findingReader(): (r: Row) => Finding {
  const { s, match } = findingPools();
  return (r) => readFinding(r, s, match);
}

/** The pools findingReader reads through: one copy of each repeated text, one `match` object per rule and pattern. */
function findingPools(): { s: (v: unknown) => unknown; match: (m: unknown) => unknown } {
  const pool = new Map<string, string>();
  const matches = new Map<string, unknown>();
  const s = (v: unknown): unknown => {
    if (typeof v !== 'string') return v;
    const x = pool.get(v);
    if (x !== undefined) return x;
    if (pool.size >= 100_000) pool.clear();
    pool.set(v, v);
    return v;
  };
  const match = (m: unknown): unknown => {
    if (!m || typeof m !== 'object') return m;
    const o = m as Record<string, unknown>;
    let n = 0;
    for (const k in o) n += k === 'rule' || k === 'pattern' ? 1 : 2;
    if (n !== 2 || typeof o.rule !== 'string' || typeof o.pattern !== 'string') return m;
    const key = `${o.rule}\u0000${o.pattern}`;
    const x = matches.get(key);
    if (x !== undefined) return x;
    if (matches.size >= 10_000) matches.clear();
    matches.set(key, m);
    return m;
  };
  return { s, match };
}

/** A `finding_shapes` row as narrowReader uses it: its columns, and its shared `data` decoded once. */
interface ShapeOf extends ShapeTexts {
  service: string;
  source: string;
  scanner: string;
  kind: string;
  confidence: string;
  subjectKind: string;
  data0: string;
  /** The shared fields, as readFinding sets them (pooled); undefined when nothing is shared or data0 does not parse. */
  shared?: Array<readonly [string, unknown]>;
  sharedKeys?: Set<string>;
}

/**
 * Reads SQLite's narrow finding rows (`finding_rows` with its shape and verdict numbers) into the
 * findings readFinding gives for the same rows of the `findings` view, key for key: each shape's
 * columns and shared `data` decoded once, each row's own part of `data` parsed alone — not the
 * view's joined text parsed per row, nor the shape's texts pooled again per row. A row this cannot
 * read the same way (nothing shared; own data that does not parse, repeats a shared field or holds
 * an id) is read through readFinding from the view's row.
 */
function narrowReader(shapes: ReadonlyMap<number, ShapeOf>, s: (v: unknown) => unknown, match: (m: unknown) => unknown): (r: Row) => Finding {
  for (const sh of shapes.values()) {
    if (sh.data0 === '{') continue;
    let d: unknown;
    try {
      d = JSON.parse(`${sh.data0}}`);
    } catch {
      continue;
    }
    if (!d || typeof d !== 'object' || Array.isArray(d)) continue;
    const o = d as Record<string, unknown>;
    sh.shared = Object.keys(o).map((k) => [k, k === 'match' ? match(o[k]) : typeof o[k] === 'string' ? s(o[k]) : o[k]] as const);
    sh.sharedKeys = new Set(Object.keys(o));
  }
  const viewRow = (r: Row, sh: ShapeOf): Row => ({
    ...r,
    service: sh.service, source: sh.source, scanner: sh.scanner, kind: sh.kind, confidence: sh.confidence, subject_kind: sh.subjectKind,
    data: sh.data0 === '{' ? r.data : r.data === '{}' ? `${sh.data0}}` : `${sh.data0},${String(r.data).slice(1)}`,
  });
  return (r) => {
    const sh = shapes.get(Number(r.shape));
    if (!sh) throw new Error(`finding ${r.id}: no shape ${r.shape}`);
    if (!sh.shared) return readFinding(viewRow(r, sh), s, match);
    let own: unknown;
    try {
      own = JSON.parse(r.data);
    } catch {
      return readFinding(viewRow(r, sh), s, match);
    }
    if (!own || typeof own !== 'object' || Array.isArray(own)) return readFinding(viewRow(r, sh), s, match);
    const x = own as Record<string, unknown>;
    for (const k in x) if (sh.sharedKeys!.has(k) || k === 'id') return readFinding(viewRow(r, sh), s, match);
    const f = findingColumns(r, sh, x.count === null, s);
    for (const [k, v] of sh.shared) f[k] = v;
    for (const k in x) {
      const v = x[k];
      if (k === 'count' && v === null) continue;
      f[k] = k === 'match' ? match(v) : typeof v === 'string' ? s(v) : v;
    }
    return f as unknown as Finding;
  };
}

const same = (v: unknown) => v;

/** A finding from its row: the columns, then `data` (the other fields; rows of older registers: the whole finding, used as it is). */
export function findingOf(r: Row): Finding {
  return readFinding(r, same, same);
}

/** The texts of a finding's shape: the row's own columns on the view, the shape's on finding_rows (narrowReader). */
interface ShapeTexts {
  kind: unknown;
  source: unknown;
  scanner: unknown;
  confidence: unknown;
  subjectKind: unknown;
  service: unknown;
}

/** A finding's column fields, in the order every reader sets them (findings of one layout share V8's hidden classes). */
function findingColumns(r: Row, t: ShapeTexts, noCount: boolean, s: (v: unknown) => unknown): Record<string, unknown> {
  const f: Record<string, unknown> = {
    kind: s(t.kind),
    value: s(r.value),
    source: s(t.source),
    scanner: s(t.scanner),
    signal: s(r.signal),
    confidence: s(t.confidence),
    subject: r.subject_name === null || r.subject_name === undefined ? { kind: s(t.subjectKind), id: s(r.subject_id) } : { kind: s(t.subjectKind), id: s(r.subject_id), name: s(r.subject_name) },
    locator: r.locator,
  };
  if (r.seen_first !== null && r.seen_first !== undefined) f.firstSeen = s(r.seen_first);
  if (r.seen_last !== null && r.seen_last !== undefined) f.lastSeen = s(r.seen_last);
  // a finding written without a count says so in data ("count":null): no count, not a deleted one
  if (!noCount) f.count = Number(r.count);
  if (r.bytes_out !== null && r.bytes_out !== undefined) f.bytesOut = Number(r.bytes_out);
  if (r.bytes_in !== null && r.bytes_in !== undefined) f.bytesIn = Number(r.bytes_in);
  f.id = r.id;
  f.service = s(t.service);
  return f;
}

function readFinding(r: Row, s: (v: unknown) => unknown, match: (m: unknown) => unknown): Finding {
  const x = pj<Record<string, unknown>>(r.data, {});
  // a row of an older register: data is the whole finding, as it was written
  if (typeof x.id === 'string') return x as unknown as Finding;
  const f = findingColumns(r, { kind: r.kind, source: r.source, scanner: r.scanner, confidence: r.confidence, subjectKind: r.subject_kind, service: r.service }, x.count === null, s);
  for (const k in x) {
    const v = x[k];
    if (k === 'count' && v === null) continue;
    f[k] = k === 'match' ? match(v) : typeof v === 'string' ? s(v) : v;
  }
  return f as unknown as Finding;
}
const FINDING_UPSERT_TAIL = `ON CONFLICT (id) DO UPDATE SET locator = excluded.locator, unit = excluded.unit, count = excluded.count, bytes_out = excluded.bytes_out, bytes_in = excluded.bytes_in,
  seen_first = excluded.seen_first, seen_last = excluded.seen_last, status = excluded.status, status_reason = excluded.status_reason, state = 'active', gone_at = NULL, last_detected_at = excluded.last_detected_at,
  last_scan_id = excluded.last_scan_id, data = excluded.data, subject_name = excluded.subject_name`;

const ITEM_COLS = [
  'id', 'kind', 'service', 'name', 'vendor', 'category', 'artifact_type', 'artifact_key', 'status', 'status_reason', 'catalog_entry', 'state', 'sources', 'signals',
  'subject_count', 'finding_count', 'event_count', 'bytes_out', 'seen_first', 'seen_last', 'first_detected_at', 'last_detected_at', 'gone_at', 'data',
];
// last_detected_at moves only for items this run saw: an untouched item carries its stored time in the insert row (ItemWrite.lastDetectedAt)
const ITEM_UPSERT_TAIL = `ON CONFLICT (id) DO UPDATE SET name = excluded.name, status = excluded.status, status_reason = excluded.status_reason, catalog_entry = excluded.catalog_entry,
  state = 'active', sources = excluded.sources, signals = excluded.signals, subject_count = excluded.subject_count, finding_count = excluded.finding_count,
  event_count = excluded.event_count, bytes_out = excluded.bytes_out, seen_first = excluded.seen_first, seen_last = excluded.seen_last,
  last_detected_at = excluded.last_detected_at, gone_at = NULL, data = excluded.data`;

const RISK_COLS = ['id', 'item_id', 'title', 'status', 'tier', 'likelihood', 'impact', 'inherent_score', 'treatment', 'owner', 'review_date', 'impact_assessment', 'suppressed_until', 'created_at', 'updated_at', 'data'];




export class SqlOps implements RegisterOps {
  constructor(
    protected readonly c: Conn,
    protected readonly d: Dialect,
    /** Outside transactions only: a transaction counts what it sees itself. */
    private readonly counts?: CountCache,
  ) {}

  private narrowFindings?: NarrowFindings;
  /** SQLite: the narrow findings tables' lookups, and inside a write transaction their writer (sqlite-findings.ts); PostgreSQL keeps its table. */
  protected narrow(): NarrowFindings | undefined {
    if (!this.d.narrowFindings) return undefined;
    return (this.narrowFindings ??= new NarrowFindings(this.c));
  }

  /** The governance tables' statements on this connection (inside a transaction: in it). */
  governance(): GovernanceOps {
    return new GovernanceOps(this.c, this.d);
  }

  /** Rows whose key is in `ids`, fetched in list-sized chunks. */
  protected async byIds(sqlBefore: string, col: string, ids: readonly string[], sqlAfter = ''): Promise<Row[]> {
    const out: Row[] = [];
    const size = Math.min(this.d.maxParams, 10_000);
    for (const chunk of chunks([...new Set(ids)], size)) {
      const l = this.d.inList(col, chunk.length);
      out.push(...(await this.c.all(`${sqlBefore} ${l.sql} ${sqlAfter}`, l.params(chunk))));
    }
    return out;
  }

  /**
   * Multi-row insert in batches that stay under the parameter limit: one prepared statement of
   * `per` rows reused for every full batch (SQLite caches it; PostgreSQL parses it once per
   * batch), the remainder in one shorter statement. `toRow` builds a row as its batch is sent, so
   * a million findings are never held as a million row arrays.
   */
  protected async insertRows<T = unknown[]>(
    table: string,
    cols: string[],
    rows: RowSource<T>,
    tail = '',
    toRow: (x: T, out: unknown[]) => readonly unknown[] = (x) => x as unknown as unknown[],
    /** Columns with the same value in every row, as SQL literals: part of the statement, not parameters. */
    fixed: ReadonlyArray<readonly [string, string]> = [],
  ): Promise<void> {
    if (!rows.length) return;
    const per = Math.max(1, Math.min(this.d.maxRowsPerInsert, Math.floor(this.d.maxParams / cols.length)));
    const one = `(${[marks(cols.length), ...fixed.map(([, v]) => v)].join(', ')})`;
    const names = [...cols, ...fixed.map(([c]) => c)].join(', ');
    const sql = (n: number) => `INSERT INTO ${table} (${names}) VALUES ${Array.from({ length: n }, () => one).join(', ')} ${tail}`;
    if (per === 1) {
      // one prepared single-row statement, run once per row in one call: each row is built into the
      // same array as it is bound (no array per row, no promise per row)
      const out: unknown[] = new Array(cols.length);
      // an iterator, not a generator: one result object refilled per row
      let i = 0;
      const step = { done: false, value: out as readonly unknown[] };
      const it: IterableIterator<readonly unknown[]> = {
        next: () => {
          if (i >= rows.length) return { done: true, value: undefined };
          step.value = toRow(rows.at(i++)!, out);
          return step;
        },
        [Symbol.iterator]: () => it,
      };
      await this.c.runMany(sql(1), it);
      return;
    }
    const full = sql(Math.min(per, rows.length));
    const scratch: unknown[] = new Array(cols.length);
    for (let i = 0; i < rows.length; i += per) {
      const n = Math.min(per, rows.length - i);
      const params: unknown[] = new Array(n * cols.length);
      let k = 0;
      for (let r = i; r < i + n; r++) for (const v of toRow(rows.at(r)!, scratch)) params[k++] = v;
      await this.c.run(n === per || n === rows.length ? full : sql(n), params);
    }
  }

  /** Inserts dumped rows as they are (db migrate). */
  async insertTable(d: TableDump): Promise<void> {
    const narrow = d.table === 'findings' ? this.narrow() : undefined;
    if (narrow) return narrow.loadDump(d.columns, d.rows);
    await this.insertRows(d.table, d.columns, d.rows);
  }

  // ------------------------------------------------------------------ runs

  async startRun(meta: RunMeta, runId: string): Promise<void> {
    await this.c.run("INSERT INTO scan_runs (id, started_at, status, scanners, catalog_file, options) VALUES (?, ?, 'running', ?, ?, ?)", [
      runId,
      meta.startedAt ?? new Date().toISOString(),
      j(meta.scanners),
      meta.catalogFile ?? null,
      j(meta.options ?? {}),
    ]);
  }

  async abortRunningRuns(): Promise<void> {
    await this.c.run("UPDATE scan_runs SET status = 'aborted' WHERE status = 'running'");
  }

  async countRuns(): Promise<number> {
    return Number((await this.c.get('SELECT COUNT(*) AS n FROM scan_runs'))?.n ?? 0);
  }

  async finishRun(runId: string, r: { status: string; coverage: Coverage[]; errors: Record<string, string>; summary: CommitSummary; scanners: Record<string, string> }): Promise<void> {
    await this.c.run('UPDATE scan_runs SET finished_at = ?, status = ?, coverage = ?, errors = ?, summary = ?, scanners = ? WHERE id = ?', [
      new Date().toISOString(),
      r.status,
      j(r.coverage),
      j(r.errors),
      j(r.summary),
      j(r.scanners),
      runId,
    ]);
  }

  private toRun(r: Row): RunRow {
    return {
      id: r.id,
      startedAt: r.started_at,
      finishedAt: r.finished_at ?? undefined,
      status: r.status,
      scanners: pj(r.scanners, []),
      coverage: pj(r.coverage, []),
      errors: pj(r.errors, {}),
      summary: pj(r.summary, undefined),
      catalogFile: r.catalog_file ?? undefined,
    };
  }

  async listRuns(limit = 100): Promise<RunRow[]> {
    return (await this.c.all('SELECT * FROM scan_runs ORDER BY started_at DESC, id DESC LIMIT ?', [limit])).map((r) => this.toRun(r));
  }

  async getRun(runId: string): Promise<RunRow | undefined> {
    const r = await this.c.get('SELECT * FROM scan_runs WHERE id = ?', [runId]);
    return r ? this.toRun(r) : undefined;
  }

  async latestCatalogFile(): Promise<string | undefined> {
    return (await this.c.get('SELECT catalog_file FROM scan_runs WHERE catalog_file IS NOT NULL ORDER BY started_at DESC LIMIT 1'))?.catalog_file ?? undefined;
  }

  // ------------------------------------------------------------------ scanner state

  async getState(scanner: string): Promise<Record<string, unknown>> {
    const rows = await this.c.all('SELECT state_key, value FROM scanner_state WHERE scanner = ?', [scanner]);
    return Object.fromEntries(rows.map((r) => [r.state_key, JSON.parse(r.value)]));
  }

  async getAllState(): Promise<Record<string, Record<string, unknown>>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const r of await this.c.all('SELECT scanner, state_key, value FROM scanner_state')) (out[r.scanner] ??= {})[r.state_key] = JSON.parse(r.value);
    return out;
  }

  async setState(state: Record<string, Record<string, unknown>>, at: string): Promise<void> {
    const rows: unknown[][] = [];
    for (const [scanner, kv] of Object.entries(state)) for (const [k, v] of Object.entries(kv)) rows.push([scanner, k, j(v), at]);
    await this.insertRows('scanner_state', ['scanner', 'state_key', 'value', 'updated_at'], rows, 'ON CONFLICT (scanner, state_key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
  }

  async clearState(scanner?: string): Promise<void> {
    if (scanner) await this.c.run('DELETE FROM scanner_state WHERE scanner = ?', [scanner]);
    else await this.c.run('DELETE FROM scanner_state');
  }

  // ------------------------------------------------------------------ findings

  async hasFindings(): Promise<boolean> {
    return !!(await this.c.get('SELECT 1 AS x FROM findings LIMIT 1'));
  }

  async findingFigures(ids: string[]): Promise<Map<string, StoredFigures>> {
    // a fresh register stores nothing: no lookup of a million ids to find that out
    if (!ids.length || !(await this.hasFindings())) return new Map();
    const narrow = this.narrow();
    if (narrow) return narrow.figures(ids);
    const rows = await this.byIds('SELECT id, count, bytes_out, bytes_in, seen_first, seen_last FROM findings WHERE', 'id', ids);
    return new Map(rows.map((r) => [r.id as string, storedFigures(r)]));
  }

  async upsertFindings(rows: RowSource<FindingWrite>, runId: string, at: string): Promise<void> {
    const extras = new FindingExtras();
    const narrow = this.narrow();
    if (narrow) return narrow.upsert(rows, runId, at, (f) => extras.parts(f));
    const fixed = [['state', "'active'"], ['first_detected_at', lit(at)], ['last_detected_at', lit(at)], ['first_scan_id', lit(runId)], ['last_scan_id', lit(runId)]] as const;
    await this.insertRows(
      'findings',
      FINDING_COLS,
      rows,
      FINDING_UPSERT_TAIL,
      ({ finding: f, itemId, unit, status, statusReason }, o) => {
        o[0] = f.id;
        o[1] = itemId;
        o[2] = f.service;
        o[3] = f.source;
        o[4] = f.scanner;
        o[5] = f.kind;
        o[6] = f.value;
        o[7] = f.signal;
        o[8] = f.confidence;
        o[9] = f.subject.kind;
        o[10] = f.subject.id;
        o[11] = f.subject.name ?? null;
        o[12] = f.locator;
        o[13] = unit;
        o[14] = f.count ?? 1;
        o[15] = f.bytesOut ?? null;
        o[16] = f.bytesIn ?? null;
        o[17] = f.firstSeen ?? null;
        o[18] = f.lastSeen ?? null;
        o[19] = status;
        o[20] = statusReason;
        o[21] = extras.json(f);
        return o;
      },
      fixed,
    );
  }

  async goneCandidates(scanners: string[]): Promise<GoneCandidate[]> {
    if (!scanners.length) return [];
    const rows = await this.byIds("SELECT id, scanner, unit, subject_id, locator FROM findings WHERE state = 'active' AND signal <> 'usage' AND", 'scanner', scanners);
    // in id order, whatever index the plan walks: gone marks are audited in this order
    rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return rows.map((r) => ({ id: r.id, scanner: r.scanner, unit: r.unit ?? locatorPath(r.locator), subjectId: r.subject_id }));
  }

  async markFindingsGone(ids: string[], at: string): Promise<void> {
    const narrow = this.narrow();
    if (narrow) return narrow.markGone(ids, at);
    for (const chunk of chunks(ids, 5000)) {
      const l = this.d.inList('id', chunk.length);
      await this.c.run(`UPDATE findings SET state = 'gone', gone_at = ? WHERE ${l.sql}`, [at, ...l.params(chunk)]);
    }
  }

  async activeFindings(): Promise<Finding[]> {
    return this.c.map(`SELECT ${FINDING_READ} FROM findings WHERE state = 'active'`, [], findingReader());
  }

  async otherActiveFindings(runId: string): Promise<Array<{ finding: Finding; status: string; statusReason: string }>> {
    if (this.d.narrowFindings) return this.narrowOthers(runId);
    const read = findingReader();
    // two ranges of the last-scan index instead of `<>`: a re-scan of the same estate reads nothing
    const sql = `SELECT status, status_reason, ${FINDING_READ} FROM findings WHERE (last_scan_id < ? OR last_scan_id > ?) AND state = 'active'`;
    return this.c.map(sql, [runId, runId], (r) => ({
      finding: read(r),
      status: r.status as string,
      statusReason: r.status_reason as string,
    }));
  }

  /** otherActiveFindings on SQLite's narrow rows: finding_rows read alone, shapes and verdicts joined here (narrowReader). */
  private async narrowOthers(runId: string): Promise<Array<{ finding: Finding; status: string; statusReason: string }>> {
    // a register whose only commit is this run's (a first scan) holds no other finding
    if (!(await this.c.get('SELECT 1 AS x FROM finding_commits WHERE run_id <> ? LIMIT 1', [runId]))) return [];
    const shapes = new Map<number, ShapeOf>();
    for (const r of await this.c.all('SELECT n, service, source, scanner, kind, confidence, subject_kind, data0 FROM finding_shapes')) {
      shapes.set(Number(r.n), { service: r.service, source: r.source, scanner: r.scanner, kind: r.kind, confidence: r.confidence, subjectKind: r.subject_kind, data0: r.data0 });
    }
    const verdicts = new Map<number, { status: string; reason: string }>();
    for (const r of await this.c.all('SELECT n, status, reason FROM finding_verdicts')) verdicts.set(Number(r.n), { status: r.status, reason: r.reason });
    const { s, match } = findingPools();
    const read = narrowReader(shapes, s, match);
    const sql = `SELECT r.id AS id, r.shape AS shape, r.verdict AS verdict, r.value AS value, r.signal AS signal, r.subject_id AS subject_id, r.subject_name AS subject_name, r.locator AS locator,
      r.count AS count, r.bytes_out AS bytes_out, r.bytes_in AS bytes_in, r.seen_first AS seen_first, r.seen_last AS seen_last, r.data AS data
      FROM finding_rows r WHERE NOT ${LAST_COMMIT_OF_RUN} AND r.state = 'active'`;
    return this.c.map(sql, [runId], (r) => {
      const v = verdicts.get(Number(r.verdict));
      if (!v) throw new Error(`finding ${r.id}: no verdict ${r.verdict}`);
      return { finding: read(r), status: v.status, statusReason: v.reason };
    });
  }

  async activeFindingsOfItem(itemId: string): Promise<Finding[]> {
    return this.c.map(`SELECT ${FINDING_READ} FROM findings WHERE item_id = ? AND state = 'active'`, [itemId], findingReader());
  }

  async setFindingVerdicts(v: Array<{ id: string; status: string; reason: string }>): Promise<void> {
    if (!v.length) return;
    const narrow = this.narrow();
    if (narrow) return narrow.setVerdicts(v);
    for (const batch of chunks(v, 5000)) {
      await this.c.run(
        `UPDATE findings f SET status = u.status, status_reason = u.reason FROM (SELECT * FROM unnest(?::text[], ?::text[], ?::text[]) AS t(id, status, reason)) u
         WHERE f.id = u.id AND (f.status <> u.status OR f.status_reason <> u.reason)`,
        [batch.map((x) => x.id), batch.map((x) => x.status), batch.map((x) => x.reason)],
      );
    }
  }

  async listFindings(f: { itemId?: string; state?: 'active' | 'gone' | 'all' } = {}): Promise<StoredFinding[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.itemId) {
      where.push('item_id = ?');
      args.push(f.itemId);
    }
    if ((f.state ?? 'active') !== 'all') {
      where.push('state = ?');
      args.push(f.state ?? 'active');
    }
    const read = findingReader();
    return this.c.map(`SELECT * FROM findings ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY service, locator, id`, args, (r) => ({
      ...read(r),
      status: r.status as string,
      statusReason: r.status_reason as string,
      state: r.state as StoredFinding['state'],
      firstDetectedAt: r.first_detected_at as string,
      lastDetectedAt: r.last_detected_at as string,
      itemId: r.item_id as string,
    }));
  }

  async findingsOfRun(runId: string): Promise<Map<string, { count: number; bytesOut?: number; bytesIn?: number; status: string; statusReason: string }>> {
    const cols = 'id, count, bytes_out, bytes_in, status, status_reason';
    const rows = await this.c.all(this.d.narrowFindings ? `SELECT ${viewColumns(cols)} FROM ${FINDINGS_VIEW_FROM} WHERE ${LAST_COMMIT_OF_RUN}` : `SELECT ${cols} FROM findings WHERE last_scan_id = ?`, [runId]);
    return new Map(rows.map((r) => [r.id, { count: Number(r.count), bytesOut: num(r.bytes_out), bytesIn: num(r.bytes_in), status: r.status, statusReason: r.status_reason }]));
  }

  async evidenceKinds(itemId: string): Promise<string[]> {
    const rows = await this.c.all("SELECT DISTINCT source || '/' || signal || '/' || kind AS k FROM findings WHERE item_id = ? ORDER BY k", [itemId]);
    return rows.map((r) => r.k as string);
  }

  async topEvidence(itemId: string, limit: number): Promise<Array<{ source: string; kind: string; value: string; locator: string; signal: string }>> {
    return (await this.c.all(
      "SELECT source, kind, value, locator, signal FROM findings WHERE item_id = ? AND state = 'active' ORDER BY CASE signal WHEN 'credential' THEN 0 WHEN 'usage' THEN 1 ELSE 2 END, locator LIMIT ?",
      [itemId, limit],
    )) as Array<{ source: string; kind: string; value: string; locator: string; signal: string }>;
  }

  async diffFindings(f: { runId: string; scanner: string } | { ids: string[] }): Promise<DiffFindingRow[]> {
    const cols = 'id, item_id, subject_kind, subject_id, subject_name';
    const narrow = this.narrow();
    let rows: Row[];
    if ('ids' in f) {
      rows = narrow
        ? (await narrow.rowsOf(f.ids, 'item_id, s.subject_kind AS subject_kind, subject_id, subject_name, state', 'JOIN finding_shapes s ON s.n = finding_rows.shape')).filter((r) => r.state === 'active')
        : await this.byIds(`SELECT ${cols} FROM findings WHERE state = 'active' AND`, 'id', f.ids);
    } else {
      const sql = narrow
        ? `SELECT ${viewColumns(cols)} FROM ${FINDINGS_VIEW_FROM} WHERE ${LAST_COMMIT_OF_RUN} AND r.state = 'active' AND s.scanner = ?`
        : `SELECT ${cols} FROM findings WHERE last_scan_id = ? AND state = 'active' AND scanner = ?`;
      rows = await this.c.all(sql, [f.runId, f.scanner]);
    }
    return rows.map((r) => ({ id: r.id, itemId: r.item_id, subjectKind: r.subject_kind, subjectId: r.subject_id, subjectName: r.subject_name ?? undefined }));
  }

  // ------------------------------------------------------------------ items

  async priorItems(): Promise<Map<string, PriorItem>> {
    const rows = await this.c.all('SELECT id, status, status_reason, catalog_entry, state, first_detected_at, last_detected_at FROM items');
    // in id order (code units) on both backends, whatever order the table returns: gone items are audited in this order
    rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return new Map(rows.map((r) => [r.id as string, { status: r.status, statusReason: r.status_reason, catalogEntry: r.catalog_entry ?? undefined, state: r.state, firstDetectedAt: r.first_detected_at, lastDetectedAt: r.last_detected_at }]));
  }

  async upsertItems(rows: ItemWrite[], at: string): Promise<void> {
    await this.insertRows(
      'items',
      ITEM_COLS,
      rows.map(({ item: it, status, statusReason, catalogEntry, lastDetectedAt: last }) => {
        return [
          it.id, it.kind, it.service, it.name, it.vendor, it.category, it.artifact?.type ?? null, it.artifact?.key ?? null, status, statusReason, catalogEntry ?? null, 'active',
          j(it.sources), j(it.signals), it.subjects.length, it.findingIds.length, it.count, it.bytesOut ?? null, it.firstSeen ?? null, it.lastSeen ?? null, at, last, null,
          // the finding ids are the findings' item_id column (finding_count here): not repeated
          j({ subjects: it.subjects, artifact: it.artifact }),
        ];
      }),
      ITEM_UPSERT_TAIL,
    );
  }

  async markItemsGone(ids: string[], at: string): Promise<void> {
    for (const chunk of chunks(ids, 5000)) {
      const l = this.d.inList('id', chunk.length);
      await this.c.run(`UPDATE items SET state = 'gone', gone_at = ? WHERE ${l.sql}`, [at, ...l.params(chunk)]);
    }
  }

  async setItemStatus(itemId: string, status: string, reason: string, catalogEntry?: string): Promise<void> {
    await this.c.run('UPDATE items SET status = ?, status_reason = ?, catalog_entry = ? WHERE id = ?', [status, reason, catalogEntry ?? null, itemId]);
  }

  /** One page of the register (src/register/backends/query-ops.ts). */
  async queryItems(f: ItemQuery): Promise<Page<ItemSummary>> {
    return queryItems(this.c, this.d, this.counts, f, (before, col, ids) => this.byIds(before, col, ids));
  }

  /** The plans of an item query's statements (benchmarks). */
  async explainItemQuery(f: ItemQuery): Promise<Array<{ what: string; sql: string; ms: number; plan: string[] }>> {
    return explainItemQuery(this.c, this.d, f);
  }

  async itemsByIds(ids: string[]): Promise<Map<string, ItemRow>> {
    const rows = await this.byIds(`SELECT ${ITEM_SUMMARY_SELECT}, i.data FROM items i LEFT JOIN risk_entries r ON r.item_id = i.id WHERE`, 'i.id', ids);
    return new Map(rows.map((r) => [r.id as string, toItemRow(r)]));
  }

  async getItem(id: string): Promise<ItemDetail | undefined> {
    const row = await this.c.get(`SELECT ${ITEM_SUMMARY_SELECT}, i.data FROM items i LEFT JOIN risk_entries r ON r.item_id = i.id WHERE i.id = ?`, [id]);
    if (!row) return undefined;
    const frows = await this.c.all('SELECT * FROM findings WHERE item_id = ? ORDER BY source, locator', [id]);
    const risk = await this.c.get('SELECT data, status FROM risk_entries WHERE item_id = ?', [id]);
    const riskData = risk ? ({ ...(JSON.parse(risk.data) as RiskEntry), status: risk.status } as RiskEntry) : undefined;
    return {
      item: toItemRow(row),
      findings: frows.map(findingOf),
      findingStates: Object.fromEntries(frows.map((r) => [r.id, { state: r.state, status: r.status, statusReason: r.status_reason, firstDetectedAt: r.first_detected_at, lastDetectedAt: r.last_detected_at }])),
      risk: riskData,
      history: await this.entityHistory(id, riskData?.id),
    };
  }

  /** The item page's reads: item, risk entry, governance record and generation in one statement; findings and history (src/register/backends/item-ops.ts). */
  async itemPage(idOrRisk: string): Promise<ItemPageData | undefined> {
    return itemPage(this.c, idOrRisk);
  }

  async itemFacets(): Promise<{ categories: string[]; owners: string[] }> {
    const categories = (await this.c.all('SELECT DISTINCT category FROM items ORDER BY category')).map((r) => r.category as string);
    const owners = (await this.c.all('SELECT DISTINCT owner FROM risk_entries WHERE owner IS NOT NULL ORDER BY owner LIMIT 500')).map((r) => r.owner as string);
    return { categories, owners };
  }

  async serviceInUse(service: string): Promise<boolean> {
    return !!(await this.c.get("SELECT 1 AS x FROM items WHERE service = ? AND state = 'active' LIMIT 1", [service]));
  }

  // ------------------------------------------------------------------ risk entries

  private riskOf(r: Row): RiskEntry {
    const e = JSON.parse(r.data) as RiskEntry;
    e.status = r.status; // the column is authoritative
    return e;
  }

  async getRisk(idOrItem: string): Promise<RiskEntry | undefined> {
    const r = (await this.c.get('SELECT data, status FROM risk_entries WHERE id = ?', [idOrItem])) ?? (await this.c.get('SELECT data, status FROM risk_entries WHERE item_id = ?', [idOrItem]));
    return r ? this.riskOf(r) : undefined;
  }

  async risksByItem(): Promise<Map<string, RiskEntry>> {
    const rows = await this.c.all('SELECT data, status FROM risk_entries');
    return new Map(rows.map((r) => {
      const e = this.riskOf(r);
      return [e.itemId, e];
    }));
  }

  async listRisks(f: { status?: string[] } = {}): Promise<RiskEntry[]> {
    const rows = f.status?.length
      ? await this.c.all(`SELECT data, status FROM risk_entries WHERE status IN (${marks(f.status.length)}) ORDER BY id`, f.status)
      : await this.c.all('SELECT data, status FROM risk_entries ORDER BY id');
    return rows.map((r) => this.riskOf(r));
  }

  async countRisks(): Promise<number> {
    return Number((await this.c.get('SELECT COUNT(*) AS n FROM risk_entries'))?.n ?? 0);
  }

  private riskRow(e: RiskEntry): unknown[] {
    return [e.id, e.itemId, e.title, e.status, e.tier, e.likelihood, e.impact, e.inherentScore, e.treatment, e.owner ?? null, e.reviewDate ?? null, e.impactAssessment, e.suppressedUntil ?? null, e.createdAt, e.updatedAt, j(e)];
  }

  async insertRisk(e: RiskEntry): Promise<void> {
    await this.insertRows('risk_entries', RISK_COLS, [this.riskRow(e)]);
  }

  async updateRisk(e: RiskEntry): Promise<void> {
    await this.c.run(
      'UPDATE risk_entries SET title = ?, status = ?, tier = ?, likelihood = ?, impact = ?, inherent_score = ?, treatment = ?, owner = ?, review_date = ?, impact_assessment = ?, suppressed_until = ?, updated_at = ?, data = ? WHERE id = ?',
      [e.title, e.status, e.tier, e.likelihood, e.impact, e.inherentScore, e.treatment, e.owner ?? null, e.reviewDate ?? null, e.impactAssessment, e.suppressedUntil ?? null, e.updatedAt, j(e), e.id],
    );
  }

  // ------------------------------------------------------------------ catalog decisions

  async listDecisions(f: { activeOnly?: boolean; service?: string } = {}): Promise<DecisionRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.activeOnly) where.push('active = 1');
    if (f.service) {
      where.push('service = ?');
      args.push(f.service);
    }
    const rows = await this.c.all(`SELECT * FROM catalog_decisions ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY decided_at, id`, args);
    return rows.map((r) => ({ id: r.id, service: r.service, decision: r.decision, entry: JSON.parse(r.entry), decidedBy: r.decided_by, decidedAt: r.decided_at, riskEntryId: r.risk_entry_id ?? undefined, active: Number(r.active) === 1 }));
  }

  async countDecisions(): Promise<number> {
    return Number((await this.c.get('SELECT COUNT(*) AS n FROM catalog_decisions'))?.n ?? 0);
  }

  // decisions are written only through the log (appendEntry → the catalog_decisions projection)

  // ------------------------------------------------------------------ audit log

  async appendAudit(e: AuditEvent): Promise<AuditRecord> {
    // the chain is keyed (HMAC, key outside the register); an unkeyed chain gets a keying entry first
    const key = currentMacKey();
    let last = await this.c.get<{ seq: number; hash: string; key_id: string | null }>('SELECT seq, hash, key_id FROM audit_log ORDER BY seq DESC LIMIT 1');
    if (last && !last.key_id) {
      const seq = Number(last.seq) + 1;
      const k = nextRecord({ seq: Number(last.seq), hash: last.hash }, { at: e.at, actor: 'system:ledger', action: 'audit.keyed', entityType: 'audit', entityId: 'mac-key', after: { keyId: key.id, fromSeq: seq }, rationale: `keyed from entry ${seq}: entries 1–${seq - 1} stay chained without a key` }, key);
      await this.insertAudit(k);
      last = { seq: k.seq, hash: k.hash, key_id: k.key_id ?? null };
    }
    const rec = nextRecord(last ? { seq: Number(last.seq), hash: last.hash } : undefined, e, key);
    await this.insertAudit(rec);
    // rows of checked projections are checked against their entries before COMMIT
    if (projectionsFor(rec.action).some((p) => p.mode === 'check')) this.checkQueue.push(rec);
    return rec;
  }

  /** Decision tables of an upgraded register that still need their baseline entries (migration 800). */
  async pendingBaselines(): Promise<string[]> {
    return (await this.c.all('SELECT tbl FROM ledger_baseline_pending ORDER BY tbl')).map((r) => String(r.tbl));
  }

  async baselineDone(table: string): Promise<void> {
    await this.c.run('DELETE FROM ledger_baseline_pending WHERE tbl = ?', [table]);
  }

  /** Entries of this transaction whose checked-projection rows are compared before COMMIT. */
  private readonly checkQueue: AuditRecord[] = [];

  /** Checks the rows this transaction's entries name against the log (src/register/ledger.ts checkEntries). */
  async checkLedgerWrites(): Promise<void> {
    const recs = this.checkQueue.splice(0);
    await checkEntries(this, recs);
  }

  private async insertAudit(rec: AuditRecord): Promise<void> {
    await this.c.run('INSERT INTO audit_log (seq, at, actor, action, entity_type, entity_id, before_state, after_state, rationale, prev_hash, hash, key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      rec.seq, rec.at, rec.actor, rec.action, rec.entity_type, rec.entity_id, rec.before_state, rec.after_state, rec.rationale, rec.prev_hash, rec.hash, rec.key_id ?? null,
    ]);
  }

  async auditLog(f: { entityId?: string; entityType?: string; limit?: number; order?: 'asc' | 'desc' } = {}): Promise<AuditRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.entityId) {
      where.push('entity_id = ?');
      args.push(f.entityId);
    }
    if (f.entityType) {
      where.push('entity_type = ?');
      args.push(f.entityType);
    }
    const order = f.order ?? (f.entityId ? 'asc' : 'desc');
    const rows = await this.c.all(`SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq ${order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`, [...args, f.limit ?? (f.entityId ? 1_000_000 : 1000)]);
    return rows.map(auditRow);
  }

  async entityHistory(itemId: string, riskId?: string): Promise<AuditRecord[]> {
    const rows = await this.c.all("SELECT * FROM audit_log WHERE (entity_type = 'item' AND entity_id = ?) OR (entity_type = 'risk' AND entity_id = ?) ORDER BY seq", [itemId, riskId ?? '']);
    return rows.map(auditRow);
  }

  async verifyAudit(): Promise<VerifyResult> {
    return verifyLedger(this);
  }

  // ------------------------------------------------------------------ projections of the log (src/register/projections.ts)

  async projectionRows(table: string, columns: string[], keys?: string[]): Promise<ProjRow[]> {
    const p = projectionOf(table, columns);
    if (keys && p.keyColumns !== 1) throw new Error(`projection ${table}: rows by key need a one-column key`);
    if (keys) return keys.length ? ((await this.byIds(`SELECT ${p.columns.join(', ')} FROM ${p.table} WHERE`, p.key, keys)) as ProjRow[]) : [];
    return (await this.c.all(`SELECT ${p.columns.join(', ')} FROM ${p.table}`)) as ProjRow[];
  }

  async writeProjection(table: string, key: string[], columns: string[], upserts: ProjRow[], deletes: ProjRow[]): Promise<void> {
    const p = projectionOf(table, columns);
    for (const r of deletes) await this.c.run(`DELETE FROM ${p.table} WHERE ${key.map((k) => `${k} = ?`).join(' AND ')}`, key.map((k) => r[k]));
    const rest = p.columns.filter((c) => !key.includes(c));
    const tail = `ON CONFLICT (${key.join(', ')}) DO ${rest.length ? `UPDATE SET ${rest.map((c) => `${c} = excluded.${c}`).join(', ')}` : 'NOTHING'}`;
    await this.insertRows(p.table, p.columns, upserts.map((r) => p.columns.map((c) => r[c] ?? null)), tail);
  }

  // ------------------------------------------------------------------ web users, sessions, tokens

  async getUser(username: string): Promise<UserRow | undefined> {
    const r = await this.c.get('SELECT * FROM web_users WHERE username = ?', [username]);
    return r ? { username: r.username, passwordHash: r.password_hash, role: r.role, createdAt: r.created_at, disabled: Number(r.disabled) === 1 } : undefined;
  }

  async listUsers(): Promise<UserRow[]> {
    return (await this.c.all('SELECT * FROM web_users ORDER BY username')).map((r) => ({ username: r.username, passwordHash: r.password_hash, role: r.role, createdAt: r.created_at, disabled: Number(r.disabled) === 1 }));
  }

  async upsertUser(u: UserRow): Promise<void> {
    await this.c.run(
      'INSERT INTO web_users (username, password_hash, role, created_at, disabled) VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, disabled = excluded.disabled',
      [u.username, u.passwordHash, u.role, u.createdAt, u.disabled ? 1 : 0],
    );
  }

  async deleteSessionsOf(username: string): Promise<void> {
    await this.c.run('DELETE FROM web_sessions WHERE username = ?', [username]);
  }

  async insertSession(s: { idHash: string; username: string; csrf: string; createdAt: string; expiresAt: string }): Promise<void> {
    await this.c.run('INSERT INTO web_sessions (id_hash, username, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [s.idHash, s.username, s.csrf, s.createdAt, s.expiresAt]);
  }

  async getSession(idHash: string): Promise<SessionRow | undefined> {
    const r = await this.c.get('SELECT s.username, s.csrf, s.expires_at, u.role, u.disabled FROM web_sessions s JOIN web_users u ON u.username = s.username WHERE s.id_hash = ?', [idHash]);
    return r ? { username: r.username, csrf: r.csrf, expiresAt: r.expires_at, role: r.role, disabled: Number(r.disabled) === 1 } : undefined;
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.c.run('DELETE FROM web_sessions WHERE id_hash = ?', [idHash]);
  }

  async purgeSessions(before: string): Promise<void> {
    await this.c.run('DELETE FROM web_sessions WHERE expires_at < ?', [before]);
  }

  async insertToken(t: TokenRow & { tokenHash: string }): Promise<void> {
    await this.c.run('INSERT INTO api_tokens (id, name, token_hash, role, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [t.id, t.name, t.tokenHash, t.role, t.createdAt, t.createdBy, t.expiresAt ?? null]);
  }

  private toToken(r: Row): TokenRow {
    return { id: r.id, name: r.name, role: r.role, createdAt: r.created_at, createdBy: r.created_by, expiresAt: r.expires_at ?? undefined, lastUsedAt: r.last_used_at ?? undefined, revoked: Number(r.revoked) === 1 };
  }

  async tokenByHash(tokenHash: string): Promise<TokenRow | undefined> {
    const r = await this.c.get('SELECT * FROM api_tokens WHERE token_hash = ?', [tokenHash]);
    return r ? this.toToken(r) : undefined;
  }

  async touchToken(id: string, at: string): Promise<void> {
    await this.c.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [at, id]);
  }

  async revokeToken(id: string): Promise<boolean> {
    return (await this.c.run('UPDATE api_tokens SET revoked = 1 WHERE id = ?', [id])).changes > 0;
  }

  async listTokens(): Promise<TokenRow[]> {
    return (await this.c.all('SELECT * FROM api_tokens ORDER BY created_at')).map((r) => this.toToken(r));
  }

  async deleteUser(username: string): Promise<boolean> {
    await this.c.run('DELETE FROM web_sessions WHERE username = ?', [username]);
    return (await this.c.run('DELETE FROM web_users WHERE username = ?', [username])).changes > 0;
  }

  async recordLoginFailure(keys: string[], at: string, since: string, attempt?: string): Promise<number[]> {
    const out: number[] = [];
    await this.c.run('DELETE FROM login_failures WHERE at < ?', [since]);
    for (const k of keys) {
      await this.c.run('INSERT INTO login_failures (key, at, attempt) VALUES (?, ?, ?)', [k, at, attempt ?? null]);
      out.push(await this.loginFailures(k, since));
    }
    return out;
  }

  async loginFailures(key: string, since: string): Promise<number> {
    return Number((await this.c.get('SELECT COUNT(*) AS n FROM login_failures WHERE key = ? AND at >= ?', [key, since]))?.n ?? 0);
  }

  async loginThrottle(key: string, since: string): Promise<{ failures: number; lastAt?: string }> {
    const r = await this.c.get('SELECT COUNT(*) AS n, MAX(at) AS last FROM login_failures WHERE key = ? AND at >= ?', [key, since]);
    return { failures: Number(r?.n ?? 0), lastAt: r?.last ?? undefined };
  }

  async endLoginAttempt(attempt: string): Promise<void> {
    await this.c.run('DELETE FROM login_failures WHERE attempt = ?', [attempt]);
  }

  async clearLoginFailures(key: string): Promise<void> {
    await this.c.run('DELETE FROM login_failures WHERE key = ?', [key]);
  }

  // ------------------------------------------------------------------ change digests, notifications

  async sourceRuns(source: string): Promise<SourceRunRow[]> {
    const rows = await this.c.all('SELECT * FROM source_runs WHERE source = ? ORDER BY seq DESC', [source]);
    return rows.map((r) => ({ runId: r.run_id, source: r.source, scanner: r.scanner, status: r.status, at: r.at, seq: Number(r.seq), baselineRunId: r.baseline_run_id ?? undefined, snapshot: r.snapshot, changes: r.changes }));
  }

  async saveSourceRun(r: Omit<SourceRunRow, 'seq'>): Promise<void> {
    const seq = Number((await this.c.get('SELECT COALESCE(MAX(seq), 0) AS n FROM source_runs'))?.n ?? 0) + 1;
    await this.c.run(
      'INSERT INTO source_runs (run_id, source, scanner, status, at, seq, baseline_run_id, snapshot, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, source) DO UPDATE SET status = excluded.status, snapshot = excluded.snapshot, changes = excluded.changes',
      [r.runId, r.source, r.scanner, r.status, r.at, seq, r.baselineRunId ?? null, r.snapshot, r.changes],
    );
  }

  async sourceRunChanges(runId?: string, source?: string): Promise<string[]> {
    let id = runId;
    if (!id) {
      const r = source ? await this.c.get('SELECT run_id FROM source_runs WHERE source = ? ORDER BY seq DESC LIMIT 1', [source]) : await this.c.get('SELECT run_id FROM source_runs ORDER BY seq DESC LIMIT 1');
      if (!r) return [];
      id = r.run_id as string;
    }
    const rows = await this.c.all(`SELECT changes FROM source_runs WHERE run_id = ? ${source ? 'AND source = ?' : ''} ORDER BY source`, source ? [id, source] : [id]);
    return rows.map((r) => r.changes as string);
  }

  async wasNotified(target: string, event: string, itemId: string, status: string): Promise<boolean> {
    return !!(await this.c.get('SELECT 1 AS x FROM notifications_sent WHERE target = ? AND event = ? AND item_id = ? AND status = ?', [target, event, itemId, status]));
  }

  async recordNotifications(rows: Array<{ target: string; event: string; itemId: string; status: string; runId: string; at: string }>): Promise<void> {
    await this.insertRows(
      'notifications_sent',
      ['target', 'event', 'item_id', 'status', 'run_id', 'at'],
      rows.map((r) => [r.target, r.event, r.itemId, r.status, r.runId, r.at]),
      'ON CONFLICT (target, event, item_id, status) DO NOTHING',
    );
  }
}

export function auditRow(r: Row): AuditRecord {
  return {
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    action: r.action,
    entity_type: r.entity_type,
    entity_id: r.entity_id,
    before_state: r.before_state ?? null,
    after_state: r.after_state ?? null,
    rationale: r.rationale ?? null,
    prev_hash: r.prev_hash,
    hash: r.hash,
    key_id: r.key_id ?? null,
  };
}

/** A registered projection, with the columns asked for (identifiers come from the registry, never from input). */
function projectionOf(table: string, columns: string[]) {
  const p = projections().find((x) => x.table === table);
  if (!p || columns.some((c) => !p.columns.includes(c) && !storedColumns(p).includes(c))) throw new Error(`not a projected table: ${table}`);
  return { table: p.table, columns, key: p.key[0], keyColumns: p.key.length };
}


export function toItemRow(r: Row): ItemRow {
  const data = pj<{ subjects?: ItemRow['subjects']; artifact?: ItemRow['artifact'] }>(r.data, {});
  return { ...toSummary(r), subjects: data.subjects ?? [], artifact: data.artifact };
}
