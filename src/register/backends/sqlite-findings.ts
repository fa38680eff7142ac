/**
 * SQLite's findings, stored narrow (migration 1000). A finding row holds only what differs from
 * finding to finding; what a service's findings share — service, source, scanner, kind,
 * confidence, subject kind and the shared part of `data` (service name, vendor, category, match) —
 * is one `finding_shapes` row, the verdict (status, reason) one `finding_verdicts` row, and the
 * commit that first and last wrote it (run id, time) one `finding_commits` row. The `findings` view
 * joins them back into the columns PostgreSQL's `findings` table has, so every read, report and
 * `db migrate` sees the same rows on both backends; only the writes below know the layout.
 *
 * The id has no index: ids are digests, so a million new findings inserted into an index on them
 * land in a million random places — measured at 3–4 s of the commit of 1M findings
 * (bench/results/commit-floor.md), about what the rest of the table costs; an index on the id's
 * first two characters still cost ~1.5 s. The commit reads which of its ids exist once, in one
 * pass over the rows' ids (a re-scan reads every row anyway); the other lookups by id (gone marks,
 * verdict changes, the diff's carried findings) are one pass too. Uniqueness is the writer's:
 * inside the write transaction, a stored id is updated, never inserted again.
 */
import { num, type Conn, type Row } from './conn.js';
import type { FindingWrite, RowSource, StoredFigures } from '../store.js';
import type { Finding } from '../../core/types.js';
import { hexPrefix } from '../../resolve/resolve.js';

/** The run id and time of a finding's first / last commit: a lookup by the commits' key, made only when the column is read. */
const commitCol = (col: 'run_id' | 'at', which: 'first_commit' | 'last_commit') => `(SELECT ${col} FROM finding_commits c WHERE c.n = r.${which})`;

/** The view's columns as expressions over `finding_rows r`, `finding_shapes s`, `finding_verdicts v`, in the order of PostgreSQL's table. */
export const FINDINGS_VIEW: ReadonlyArray<readonly [string, string]> = [
  ['id', 'r.id'], ['item_id', 'r.item_id'], ['service', 's.service'], ['source', 's.source'], ['scanner', 's.scanner'], ['kind', 's.kind'], ['value', 'r.value'],
  ['signal', 'r.signal'], ['confidence', 's.confidence'], ['subject_kind', 's.subject_kind'], ['subject_id', 'r.subject_id'], ['subject_name', 'r.subject_name'],
  ['locator', 'r.locator'], ['unit', 'r.unit'], ['count', 'r.count'], ['bytes_out', 'r.bytes_out'], ['bytes_in', 'r.bytes_in'], ['seen_first', 'r.seen_first'],
  ['seen_last', 'r.seen_last'], ['status', 'v.status'], ['status_reason', 'v.reason'], ['state', 'r.state'],
  ['first_detected_at', commitCol('at', 'first_commit')], ['last_detected_at', commitCol('at', 'last_commit')],
  ['first_scan_id', commitCol('run_id', 'first_commit')], ['last_scan_id', commitCol('run_id', 'last_commit')], ['gone_at', 'r.gone_at'],
  // the shared part once per shape, the finding's own fields after it (FindingExtras.json on PostgreSQL)
  ['data', "CASE WHEN s.data0 = '{' THEN r.data WHEN r.data = '{}' THEN s.data0 || '}' ELSE s.data0 || ',' || substr(r.data, 2) END"],
];
const VIEW_EXPR = new Map(FINDINGS_VIEW);

/** `expr AS name, …` for view columns read straight from the tables (statements that must use finding_rows' own indexes). */
export function viewColumns(names: readonly string[] | string): string {
  const list = typeof names === 'string' ? names.split(',').map((n) => n.trim()) : names;
  return list.map((n) => {
    const e = VIEW_EXPR.get(n);
    if (!e) throw new Error(`findings has no column ${n}`);
    return `${e} AS ${n}`;
  }).join(', ');
}

export const FINDINGS_VIEW_COLUMNS = viewColumns(FINDINGS_VIEW.map(([n]) => n));
export const FINDINGS_VIEW_FROM = 'finding_rows r JOIN finding_shapes s ON s.n = r.shape JOIN finding_verdicts v ON v.n = r.verdict';
/** The rows a run last wrote, by finding_rows' own index on the commit (the view's last_scan_id is a lookup per row). */
export const LAST_COMMIT_OF_RUN = 'r.last_commit IN (SELECT n FROM finding_commits WHERE run_id = ?)';

/** Migration 1000 (SQLite): the findings table's rows moved into the narrow layout, the table replaced by a view of the same columns. */
export const FINDING_ROWS_MIGRATION = `
CREATE TABLE finding_shapes (
  n INTEGER PRIMARY KEY,
  service TEXT NOT NULL,
  source TEXT NOT NULL,
  scanner TEXT NOT NULL,
  kind TEXT NOT NULL,
  confidence TEXT NOT NULL,
  subject_kind TEXT NOT NULL,
  data0 TEXT NOT NULL,
  UNIQUE (service, source, scanner, kind, confidence, subject_kind, data0)
);
CREATE TABLE finding_verdicts (n INTEGER PRIMARY KEY, status TEXT NOT NULL, reason TEXT NOT NULL, UNIQUE (status, reason));
CREATE TABLE finding_commits (n INTEGER PRIMARY KEY, run_id TEXT NOT NULL, at TEXT NOT NULL, UNIQUE (run_id, at));
CREATE TABLE finding_rows (
  rid INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  shape INTEGER NOT NULL,
  verdict INTEGER NOT NULL,
  value TEXT NOT NULL,
  signal TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  subject_name TEXT,
  locator TEXT NOT NULL,
  unit TEXT,
  count INTEGER NOT NULL DEFAULT 1,
  bytes_out INTEGER,
  bytes_in INTEGER,
  seen_first TEXT,
  seen_last TEXT,
  state TEXT NOT NULL DEFAULT 'active',
  first_commit INTEGER NOT NULL,
  last_commit INTEGER NOT NULL,
  gone_at TEXT,
  data TEXT NOT NULL
);
INSERT INTO finding_commits (run_id, at) SELECT first_scan_id, first_detected_at FROM findings UNION SELECT last_scan_id, last_detected_at FROM findings;
INSERT INTO finding_shapes (service, source, scanner, kind, confidence, subject_kind, data0) SELECT DISTINCT service, source, scanner, kind, confidence, subject_kind, '{' FROM findings;
INSERT INTO finding_verdicts (status, reason) SELECT DISTINCT status, status_reason FROM findings;
INSERT INTO finding_rows (id, item_id, shape, verdict, value, signal, subject_id, subject_name, locator, unit, count, bytes_out, bytes_in, seen_first, seen_last, state, first_commit, last_commit, gone_at, data)
  SELECT f.id, f.item_id, s.n, v.n, f.value, f.signal, f.subject_id, f.subject_name, f.locator, f.unit, f.count, f.bytes_out, f.bytes_in, f.seen_first, f.seen_last, f.state, fc.n, lc.n, f.gone_at, f.data
  FROM findings f
  JOIN finding_shapes s ON s.service = f.service AND s.source = f.source AND s.scanner = f.scanner AND s.kind = f.kind AND s.confidence = f.confidence AND s.subject_kind = f.subject_kind AND s.data0 = '{'
  JOIN finding_verdicts v ON v.status = f.status AND v.reason = f.status_reason
  JOIN finding_commits fc ON fc.run_id = f.first_scan_id AND fc.at = f.first_detected_at
  JOIN finding_commits lc ON lc.run_id = f.last_scan_id AND lc.at = f.last_detected_at
  ORDER BY f.rowid;
DROP TABLE findings;
CREATE INDEX finding_rows_item ON finding_rows(item_id);
CREATE INDEX finding_rows_last ON finding_rows(last_commit);
CREATE INDEX finding_rows_presence ON finding_rows(shape) WHERE state = 'active' AND signal <> 'usage';
CREATE VIEW findings AS SELECT ${FINDINGS_VIEW_COLUMNS} FROM ${FINDINGS_VIEW_FROM};
`;

/** The better-sqlite3 statement behind a cached SQL text (SqliteConn.prepared): run synchronously, row by row. */
export interface SyncStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
}

/** What a finding row stores of its shape's shared `data` (service name, vendor, category, match) and its own. */
export interface DataParts {
  /** The shared part: a JSON object's text without its closing brace, or `{` when nothing is shared. */
  shared: string;
  /** The finding's own fields: a JSON object's text (`{}` when none). */
  own: string;
}

/** Rows per INSERT statement of new findings (17 parameters each). */
const INSERT_BATCH = 32;
const ROW_COLS = 'id, item_id, shape, verdict, value, signal, subject_id, subject_name, locator, unit, count, bytes_out, bytes_in, seen_first, seen_last, data';
/** An update of a stored row sets the same columns but its id. */
const UPDATE_SET = ROW_COLS.split(', ').slice(1).map((c) => `${c} = ?`).join(', ');

/**
 * One write transaction's view of the narrow tables: shapes, verdicts and commits by key (read
 * once, added to as the transaction writes), and the row ids of the findings the transaction
 * looked up (so the commit's upsert does not look its ids up twice).
 */
export class NarrowFindings {
  private shapes?: Map<string, number>;
  private verdicts?: Map<string, number>;
  /** Shapes met in this transaction, by their shared `data` text (see shape()). */
  private readonly byData0 = new Map<string, Array<{ service: string; source: string; scanner: string; kind: string; confidence: string; subjectKind: string; n: number }>>();
  private lastVerdict?: { status: string; reason: string; n: number };
  private readonly commits = new Map<string, number>();
  /**
   * id → rowid of the findings read by `figures` (this transaction), and of those it inserted;
   * ABSENT for an id `figures` looked up and found no row of.
   */
  private readonly rids = new RowIds();

  constructor(private readonly c: Conn) {}

  private prepared(sql: string): SyncStatement {
    if (!this.c.prepared) throw new Error('SQLite findings are written inside a write transaction');
    return this.c.prepared(sql);
  }

  private async load(): Promise<void> {
    if (this.shapes) return;
    this.shapes = new Map();
    for (const r of await this.c.all('SELECT n, service, source, scanner, kind, confidence, subject_kind, data0 FROM finding_shapes')) {
      this.shapes.set(shapeKey(r.service, r.source, r.scanner, r.kind, r.confidence, r.subject_kind, r.data0), Number(r.n));
    }
    this.verdicts = new Map();
    for (const r of await this.c.all('SELECT n, status, reason FROM finding_verdicts')) this.verdicts.set(`${r.status}\u0000${r.reason}`, Number(r.n));
  }

  /**
   * A shape's number: by the shared `data` text first (one string object per service, rule and
   * pattern, from FindingExtras' cache, so its hash is computed once), then the six columns compared
   * by identity or value — no key built per row.
   */
  private shape(service: string, source: string, scanner: string, kind: string, confidence: string, subjectKind: string, data0: string): number {
    let list = this.byData0.get(data0);
    if (list) {
      for (const x of list) {
        if (x.service === service && x.source === source && x.scanner === scanner && x.kind === kind && x.confidence === confidence && x.subjectKind === subjectKind) return x.n;
      }
    } else this.byData0.set(data0, (list = []));
    const key = shapeKey(service, source, scanner, kind, confidence, subjectKind, data0);
    let n = this.shapes!.get(key);
    if (n === undefined) {
      n = Number(this.prepared('INSERT INTO finding_shapes (service, source, scanner, kind, confidence, subject_kind, data0) VALUES (?, ?, ?, ?, ?, ?, ?)').run(service, source, scanner, kind, confidence, subjectKind, data0).lastInsertRowid);
      this.shapes!.set(key, n);
    }
    // a shared text many shapes have (`{`: nothing shared) keeps at most a few here; the rest go by key
    if (list.length < 16) list.push({ service, source, scanner, kind, confidence, subjectKind, n });
    return n;
  }

  private verdict(status: string, reason: string): number {
    const last = this.lastVerdict;
    if (last && last.status === status && last.reason === reason) return last.n;
    const key = `${status}\u0000${reason}`;
    let n = this.verdicts!.get(key);
    if (n === undefined) {
      n = Number(this.prepared('INSERT INTO finding_verdicts (status, reason) VALUES (?, ?)').run(status, reason).lastInsertRowid);
      this.verdicts!.set(key, n);
    }
    this.lastVerdict = { status, reason, n };
    return n;
  }

  private async commitOf(runId: string, at: string): Promise<number> {
    const key = `${runId}\u0000${at}`;
    let n = this.commits.get(key);
    if (n === undefined) {
      const r = await this.c.get('SELECT n FROM finding_commits WHERE run_id = ? AND at = ?', [runId, at]);
      n = r ? Number(r.n) : Number(this.prepared('INSERT INTO finding_commits (run_id, at) VALUES (?, ?)').run(runId, at).lastInsertRowid);
      this.commits.set(key, n);
    }
    return n;
  }

  /** The stored rows among `ids`, with `cols` of each: one pass over the rows' ids (no index on them, see above). */
  async rowsOf(ids: readonly string[], cols: string, join = ''): Promise<Row[]> {
    const out: Row[] = [];
    if (!ids.length) return out;
    // a table of typed arrays, not a Set of a million strings (RowIds)
    const want = new RowIds();
    want.reserve(ids.length);
    for (const id of ids) want.set(id, 0);
    await this.c.map(`SELECT finding_rows.rid AS rid, finding_rows.id AS id, ${cols} FROM finding_rows ${join}`, [], (r) => {
      if (want.get(r.id) !== undefined) out.push(r);
    });
    return out;
  }

  /** Stored figures of `ids` (the rows' ids kept for the upsert that follows in this transaction). */
  async figures(ids: readonly string[]): Promise<Map<string, StoredFigures>> {
    const rows = await this.rowsOf(ids, 'count, bytes_out, bytes_in, seen_first, seen_last');
    const out = new Map<string, StoredFigures>();
    const rids = this.rids;
    rids.reserve(ids.length);
    for (const r of rows) {
      rids.set(r.id, Number(r.rid));
      out.set(r.id, storedFigures(r));
    }
    for (const id of ids) if (rids.get(id) === undefined) rids.set(id, ABSENT);
    return out;
  }

  /**
   * Writes a commit's findings: a new id is inserted, a stored one (looked up by `figures` in
   * this transaction, or now) updated in place — the same columns the upsert on PostgreSQL sets.
   */
  async upsert(rows: RowSource<FindingWrite>, runId: string, at: string, parts: (f: Finding) => DataParts): Promise<void> {
    if (!rows.length) return;
    await this.load();
    const commit = await this.commitOf(runId, at);
    // new rows go in INSERT_BATCH at a time, their row ids given (the next after the largest, as
    // SQLite would give them): a call per row cost more than the binds (the 1M bench rows in a
    // scratch loop: 3.96–4.87 s CPU in 32-row statements, 4.28–6.14 s one row per call)
    const tuple = `(?, ${'?, '.repeat(16)}'active', ${commit}, ${commit})`;
    const insertSql = (n: number) => `INSERT INTO finding_rows (rid, ${ROW_COLS}, state, first_commit, last_commit) VALUES ${Array(n).fill(tuple).join(', ')}`;
    const insertMany = this.prepared(insertSql(INSERT_BATCH));
    const batch: unknown[] = new Array(INSERT_BATCH * 17);
    let queued = 0;
    let nextRid = Number((await this.c.get('SELECT max(rid) AS m FROM finding_rows'))?.m ?? 0);
    const flush = () => {
      if (queued === INSERT_BATCH) insertMany.run(batch);
      else if (queued) this.prepared(insertSql(queued)).run(batch.slice(0, queued * 17));
      queued = 0;
    };
    const update = this.prepared(`UPDATE finding_rows SET ${UPDATE_SET}, state = 'active', gone_at = NULL, last_commit = ${commit} WHERE rid = ?`);
    // `row`: the columns but the id, then the row id; a row still queued (an id twice in `rows`) is inserted first
    const updateRow = (row: unknown[], rid: number) => {
      if (queued && rid > nextRid - queued) flush();
      // spread: measured faster than binding the array itself (bench/results/commit-floor.md)
      update.run(...row);
    };
    const insert = (row: unknown[]): number => {
      let o = queued++ * 17;
      batch[o++] = ++nextRid;
      for (let c = 0; c < 16; c++) batch[o++] = row[c];
      if (queued === INSERT_BATCH) flush();
      return nextRid;
    };
    const rids = this.rids;
    // ids `figures` looked up are held already (found or ABSENT): room for the rest only
    rids.reserve(Math.max(0, rows.length - rids.size));
    // a row whose id `figures` did not look up in this transaction waits for one lookup of all such
    // ids after the loop (the commit looks every id up first, so it never waits)
    const stored = !!(await this.c.get('SELECT 1 AS x FROM finding_rows LIMIT 1'));
    const deferred: Array<{ id: string; p: unknown[] }> = [];
    const p: unknown[] = new Array(16);
    for (let i = 0; i < rows.length; i++) {
      const { finding: f, itemId, unit, status, statusReason } = rows.at(i)!;
      const d = parts(f);
      // a row id; ABSENT: looked up, not stored; undefined: not looked up in this transaction
      const known = rids.get(f.id);
      const fresh = notStored(known);
      const later = known === undefined && stored;
      let k = 0;
      if (fresh) p[k++] = f.id;
      p[k++] = itemId;
      p[k++] = this.shape(f.service, f.source, f.scanner, f.kind, f.confidence, f.subject.kind, d.shared);
      p[k++] = this.verdict(status, statusReason);
      p[k++] = f.value;
      p[k++] = f.signal;
      p[k++] = f.subject.id;
      p[k++] = f.subject.name ?? null;
      p[k++] = f.locator;
      p[k++] = unit;
      p[k++] = f.count ?? 1;
      p[k++] = f.bytesOut ?? null;
      p[k++] = f.bytesIn ?? null;
      p[k++] = f.firstSeen ?? null;
      p[k++] = f.lastSeen ?? null;
      p[k++] = d.own;
      if (later) deferred.push({ id: f.id, p: p.slice() });
      else if (fresh) rids.set(f.id, insert(p));
      else {
        p[k] = known;
        updateRow(p, known);
      }
    }
    flush();
    if (!deferred.length) return;
    for (const r of await this.rowsOf(deferred.map((x) => x.id), 'state')) rids.set(r.id, Number(r.rid));
    for (const { id, p: row } of deferred) {
      const known = rids.get(id);
      if (notStored(known)) rids.set(id, insert(row));
      else updateRow([...row.slice(1), known], known);
    }
    flush();
  }

  /** `state = 'gone'` on the stored rows of `ids`. */
  async markGone(ids: readonly string[], at: string): Promise<void> {
    if (!ids.length) return;
    const st = this.prepared("UPDATE finding_rows SET state = 'gone', gone_at = ? WHERE rid = ?");
    for (const r of await this.rowsOf(ids, 'state')) st.run(at, r.rid);
  }

  /** A new verdict on the stored rows of `v` whose verdict differs. */
  async setVerdicts(v: ReadonlyArray<{ id: string; status: string; reason: string }>): Promise<void> {
    if (!v.length) return;
    await this.load();
    const byId = new Map(v.map((x) => [x.id, x]));
    const st = this.prepared('UPDATE finding_rows SET verdict = ? WHERE rid = ?');
    for (const r of await this.rowsOf([...byId.keys()], 'verdict')) {
      const x = byId.get(r.id)!;
      const n = this.verdict(x.status, x.reason);
      if (n !== Number(r.verdict)) st.run(n, r.rid);
    }
  }

  /** Rows of PostgreSQL's findings table (a `db migrate` dump) stored narrow. */
  async loadDump(columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
    await this.load();
    const at = new Map(columns.map((c, i) => [c, i]));
    const col = (name: string) => {
      const i = at.get(name);
      if (i === undefined) throw new Error(`findings dump: no column ${name}`);
      return i;
    };
    const ix = Object.fromEntries(['id', 'item_id', 'service', 'source', 'scanner', 'kind', 'value', 'signal', 'confidence', 'subject_kind', 'subject_id', 'subject_name', 'locator', 'unit', 'count', 'bytes_out', 'bytes_in', 'seen_first', 'seen_last', 'status', 'status_reason', 'state', 'first_detected_at', 'last_detected_at', 'first_scan_id', 'last_scan_id', 'gone_at', 'data'].map((c) => [c, col(c)]));
    const st = this.prepared(`INSERT INTO finding_rows (${ROW_COLS}, state, first_commit, last_commit, gone_at) VALUES (${'?, '.repeat(19)}?)`);
    for (const r of rows) {
      const s = (c: string) => r[ix[c]] as string;
      const first = await this.commitOf(s('first_scan_id'), s('first_detected_at'));
      const last = await this.commitOf(s('last_scan_id'), s('last_detected_at'));
      st.run(
        s('id'), s('item_id'), this.shape(s('service'), s('source'), s('scanner'), s('kind'), s('confidence'), s('subject_kind'), '{'), this.verdict(s('status'), s('status_reason')),
        s('value'), s('signal'), s('subject_id'), r[ix.subject_name] ?? null, s('locator'), r[ix.unit] ?? null, r[ix.count] ?? 1, r[ix.bytes_out] ?? null, r[ix.bytes_in] ?? null,
        r[ix.seen_first] ?? null, r[ix.seen_last] ?? null, s('data'), s('state'), first, last, r[ix.gone_at] ?? null,
      );
    }
  }
}

/**
 * Row ids by finding id, for the ids one transaction wrote or looked up. Finding ids are hex
 * digests: an id whose first 13 characters are lower-case hex digits is kept under those 52 bits
 * (exact in a double) in an open-addressing table of typed arrays — no string hashed, no Map of a
 * million strings grown entry by entry (measured at 1.7–4 s of a 1M-finding commit); ids sharing
 * a prefix are told apart by the id itself, kept by reference. Any other id goes to a Map.
 */
export class RowIds {
  private keys = new Float64Array(1 << 10);
  private rids = new Float64Array(1 << 10);
  private ids: string[] = new Array(1 << 10);
  private n = 0;
  private readonly other = new Map<string, number>();

  get size(): number {
    return this.n + this.other.size;
  }

  /** Room for `more` ids beyond those held, made at once (a commit knows how many rows it writes). */
  reserve(more: number): void {
    let size = this.keys.length;
    while ((this.n + more) * 2 > size) size *= 2;
    if (size > this.keys.length) this.grow(size);
  }

  get(id: string): number | undefined {
    const k = hexPrefix(id);
    if (k < 0) return this.other.get(id);
    const { keys } = this;
    const mask = keys.length - 1;
    // key + 1 is stored: 0 marks an empty slot
    for (let i = slot(k, mask); keys[i] !== 0; i = (i + 1) & mask) {
      if (keys[i] === k + 1 && this.ids[i] === id) return this.rids[i];
    }
    return undefined;
  }

  set(id: string, rid: number): void {
    const k = hexPrefix(id);
    if (k < 0) {
      this.other.set(id, rid);
      return;
    }
    if ((this.n + 1) * 2 > this.keys.length) this.grow(this.keys.length * 2);
    const { keys } = this;
    const mask = keys.length - 1;
    let i = slot(k, mask);
    for (; keys[i] !== 0; i = (i + 1) & mask) {
      if (keys[i] === k + 1 && this.ids[i] === id) {
        this.rids[i] = rid;
        return;
      }
    }
    keys[i] = k + 1;
    this.rids[i] = rid;
    this.ids[i] = id;
    this.n++;
  }

  private grow(size: number): void {
    const { keys, rids, ids } = this;
    this.keys = new Float64Array(size);
    this.rids = new Float64Array(size);
    this.ids = new Array(size);
    const mask = size - 1;
    for (let j = 0; j < keys.length; j++) {
      if (keys[j] === 0) continue;
      let i = slot(keys[j] - 1, mask);
      while (this.keys[i] !== 0) i = (i + 1) & mask;
      this.keys[i] = keys[j];
      this.rids[i] = rids[j];
      this.ids[i] = ids[j];
    }
  }
}

/** RowIds' value for an id looked up and not stored. */
const ABSENT = -1;

/** A RowIds value that names no stored row: not looked up, or looked up and absent. */
const notStored = (rid: number | undefined): rid is undefined | typeof ABSENT => rid === undefined || rid === ABSENT;

/** A key's slot: its low 32 bits (uniform: the keys are digests) under the table's mask. */
const slot = (k: number, mask: number) => (k >>> 0) & mask;

function shapeKey(service: string, source: string, scanner: string, kind: string, confidence: string, subjectKind: string, data0: string): string {
  return `${service}\u0000${source}\u0000${scanner}\u0000${kind}\u0000${confidence}\u0000${subjectKind}\u0000${data0}`;
}

/** A finding's stored figures from its row (`count, bytes_out, bytes_in, seen_first, seen_last`), on either backend. */
export function storedFigures(r: Row): StoredFigures {
  return { count: Number(r.count), bytesOut: num(r.bytes_out), bytesIn: num(r.bytes_in), seenFirst: r.seen_first ?? undefined, seenLast: r.seen_last ?? undefined };
}
