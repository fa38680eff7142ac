/**
 * The embedded register: one SQLite file through better-sqlite3 (WAL, one connection per
 * process). Statements are synchronous underneath; a FIFO lock keeps a transaction's
 * asynchronous body from interleaving with other calls on the same connection, and
 * `BEGIN IMMEDIATE` with a busy timeout serialises writers across processes.
 */
import Database from 'better-sqlite3';
import { accessSync, constants as fsConstants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { RegisterError } from '../../core/errors.js';
import { checkRegisterFile } from '../../core/register-file.js';
import { likeContains, Mutex, type Conn, type Dialect, type Row } from './conn.js';
import { migrate, SqlStore } from './sql-store.js';
import { SQLITE_MIGRATIONS } from './schema.js';
import { checkpointInBackground, type CheckpointResult } from './sqlite-checkpoint.js';

/** How long a writer waits for another process's write transaction before giving up. */
const BUSY_TIMEOUT_MS = 60_000;
/** SQLITE_BUSY or one of its extended codes: another connection holds the lock. */
const isBusy = (e: unknown) => String((e as { code?: unknown })?.code).startsWith('SQLITE_BUSY');

const SQLITE: Dialect = {
  name: 'sqlite',
  begin: ['BEGIN IMMEDIATE'],
  maxParams: 30_000,
  // one prepared single-row statement per row: measured faster than 128-row VALUES lists
  // (bench/commit-yardstick.mjs variants on 50k finding rows: 1.0–1.3 s vs 2.0 s CPU)
  maxRowsPerInsert: 1,
  inList: (col, n) => ({ sql: `${col} IN (${Array.from({ length: n }, () => '?').join(', ')})`, params: (v) => [...v] }),
  itemSearch: (q) =>
    [...q].length >= 3
      ? // trigram index: the same matches as LIKE '%q%' on name / service / vendor, no full scan
        { sql: '(i.rowid IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?) OR i.id = ?)', params: [`"${q.replace(/"/g, '""')}"`, q] }
      : {
          sql: "(i.name LIKE ? ESCAPE '\\' OR i.service LIKE ? ESCAPE '\\' OR i.vendor LIKE ? ESCAPE '\\' OR i.id = ?)",
          params: [likeContains(q), likeContains(q), likeContains(q), q],
        },
  forcedJoin: 'CROSS JOIN',
};

export class SqliteConn implements Conn {
  private cache = new Map<string, Database.Statement>();
  private rowMakers = new Map<string, { st: Database.Statement; make: (a: unknown[]) => Row }>();
  constructor(readonly db: Database.Database) {}

  private stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (this.cache.size > 500) this.cache.clear();
      this.cache.set(sql, s);
    }
    return s;
  }

  async all<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.stmt(sql).all(...params) as T[];
  }
  /**
   * Rows read as arrays (the driver builds no keyed object per row) and turned into objects of one
   * shape by a function made once per statement: for a large read, a third of the driver's time.
   */
  async map<R, T = Row>(sql: string, params: readonly unknown[], fn: (row: T) => R): Promise<R[]> {
    let m = this.rowMakers.get(sql);
    if (!m) {
      const st = this.db.prepare(sql).raw(true);
      const names = st.columns().map((c) => c.name);
      // the column names are the statement's own (identifiers of our SQL), quoted as JSON strings
      const make = new Function('a', `return {${names.map((n, i) => `${JSON.stringify(n)}: a[${i}]`).join(', ')}};`) as (a: unknown[]) => Row;
      m = { st, make };
      if (this.rowMakers.size > 100) this.rowMakers.clear();
      this.rowMakers.set(sql, m);
    }
    const out: R[] = [];
    for (const a of m.st.iterate(...params)) out.push(fn(m.make(a as unknown[]) as T));
    return out;
  }
  async get<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return this.stmt(sql).get(...params) as T | undefined;
  }
  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    return { changes: this.stmt(sql).run(...params).changes };
  }
  /** The cached statement itself, run synchronously (SQLite's narrow finding writer, sqlite-findings.ts). */
  prepared(sql: string): Database.Statement {
    return this.stmt(sql);
  }
  async runMany(sql: string, rows: Iterable<readonly unknown[]>): Promise<void> {
    const s = this.stmt(sql);
    // the array itself is bound (positional parameters), no spread into an argument list per row
    for (const r of rows) s.run(r);
  }
  async exec(sql: string): Promise<void> {
    this.db.exec(sql);
  }
}

/** Every call waits for the connection's lock, so it never runs inside another caller's transaction. */
class LockedConn implements Conn {
  constructor(
    private readonly inner: SqliteConn,
    private readonly lock: Mutex,
  ) {}
  all<T = Row>(sql: string, params?: readonly unknown[]) {
    return this.lock.run(() => this.inner.all<T>(sql, params));
  }
  map<R, T = Row>(sql: string, params: readonly unknown[], fn: (row: T) => R) {
    return this.lock.run(() => this.inner.map<R, T>(sql, params, fn));
  }
  get<T = Row>(sql: string, params?: readonly unknown[]) {
    return this.lock.run(() => this.inner.get<T>(sql, params));
  }
  run(sql: string, params?: readonly unknown[]) {
    return this.lock.run(() => this.inner.run(sql, params));
  }
  runMany(sql: string, rows: Iterable<readonly unknown[]>) {
    return this.lock.run(() => this.inner.runMany(sql, rows));
  }
  exec(sql: string) {
    return this.lock.run(() => this.inner.exec(sql));
  }
}

/**
 * One lock per database file in this process: two stores on one file in one process (a scheduler
 * and a web server, two replicas in a test) must queue in JavaScript — SQLite's busy wait would
 * block the thread while the other store's transaction waits for that same thread.
 */
const FILE_LOCKS = new Map<string, Mutex>();

export class SqliteStore extends SqlStore {
  readonly kind = 'sqlite' as const;
  /**
   * A write transaction that changed at least this many rows commits without SQLite's automatic
   * checkpoint; a worker thread checkpoints instead (sqlite-checkpoint.ts). Smaller ones keep the
   * automatic checkpoint (a few MB, cheaper inline than a thread).
   */
  static backgroundCheckpointChanges = 100_000;
  private checkpointing?: Promise<void>;
  private checkpointAgain = false;
  /** The last background checkpoint's outcome (tests, diagnostics). */
  lastCheckpoint?: CheckpointResult;
  private constructor(
    readonly location: string,
    private readonly raw: SqliteConn,
    private readonly lock: Mutex,
    private readonly readonly: boolean,
    dialect: Dialect,
  ) {
    super(new LockedConn(raw, lock), dialect);
  }

  static async open(file: string, opts: { readonly?: boolean } = {}): Promise<SqliteStore> {
    const path = file === ':memory:' ? file : resolvePath(file);
    if (path !== ':memory:') {
      checkDbPath(file, path, opts.readonly ?? false);
      // a garbage, truncated or foreign file: one line, before SQLite reads it
      checkRegisterFile(path, { mustExist: opts.readonly ?? false });
    }
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
    } catch (e) {
      throw new RegisterError(`${file}: cannot open database: ${(e as Error).message}`, { cause: e });
    }
    try {
      if (!opts.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('foreign_keys = ON');
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // a larger page cache and memory-mapped reads for the register's indexes
      db.pragma('cache_size = -131072');
      // sorts and temporary b-trees of a commit's statements in memory, not in a temporary file
      db.pragma('temp_store = MEMORY');
      db.pragma('mmap_size = 1073741824');
      const raw = new SqliteConn(db);
      let lock = path === ':memory:' ? new Mutex() : FILE_LOCKS.get(path);
      if (!lock) FILE_LOCKS.set(path, (lock = new Mutex()));
      if (!opts.readonly) await lock.run(() => migrate(raw, SQLITE_MIGRATIONS, SQLITE.begin));
      else db.prepare('SELECT COUNT(*) FROM audit_log').get(); // a file that is not a register fails here, in one line
      const narrow = !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'finding_rows'").get();
      return new SqliteStore(path, raw, lock, opts.readonly ?? false, { ...SQLITE, narrowFindings: narrow });
    } catch (e) {
      db.close();
      if (e instanceof RegisterError) throw e;
      throw new RegisterError(`${file}: not a shadowscan register: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * A write transaction. When another process holds the file's write lock (a scan's commit, for
   * seconds), the wait is asynchronous: the attempt gives the connection back and retries — so
   * this process keeps serving reads meanwhile — instead of SQLite's busy wait, which sleeps on
   * the thread that serves every request. Gives up, as the busy wait did, after BUSY_TIMEOUT_MS.
   */
  protected async withTransaction<T>(fn: (c: Conn) => Promise<T>): Promise<T> {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      const r = await this.lock.run(async (): Promise<{ value: T } | undefined> => {
        if (!this.beginUnlessBusy(deadline)) return undefined;
        try {
          const changes0 = this.totalChanges();
          const value = await fn(this.raw);
          if (this.totalChanges() - changes0 >= SqliteStore.backgroundCheckpointChanges && this.location !== ':memory:') {
            // off until the background checkpoint is done: a later small commit on this connection
            // would otherwise copy the same pages inline (and the two checkpoints collide)
            this.raw.db.pragma('wal_autocheckpoint = 0');
            this.raw.db.exec('COMMIT');
            this.checkpointLater();
          } else this.raw.db.exec('COMMIT');
          return { value };
        } catch (e) {
          if (this.raw.db.inTransaction) this.raw.db.exec('ROLLBACK');
          throw e;
        }
      });
      if (r) return r.value;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private totalChanges(): number {
    return Number(this.raw.prepared('SELECT total_changes()').pluck().get());
  }

  /** A checkpoint in a worker thread; one at a time (a commit meanwhile asks for one more). */
  private checkpointLater(): void {
    if (this.checkpointing) {
      this.checkpointAgain = true;
      return;
    }
    const t0 = performance.now();
    this.checkpointing = checkpointInBackground(this.location).then((r) => {
      this.checkpointing = undefined;
      this.lastCheckpoint = r;
      if (!this.checkpointAgain) this.raw.db.pragma('wal_autocheckpoint = 1000');
      // SHADOWSCAN_TIMINGS (the commit benchmark): what the checkpoint did, off the committing thread
      if (process.env.SHADOWSCAN_TIMINGS) process.stderr.write(`shadowscan timings: background WAL checkpoint: ${r.ok ? `${r.checkpointed} of ${r.log} frames${r.busy ? ' (busy)' : ''}` : `failed: ${r.error}`} in ${Math.round(performance.now() - t0)} ms\n`);
      if (this.checkpointAgain) {
        this.checkpointAgain = false;
        this.checkpointLater();
      }
    });
  }

  /** Resolves when no background checkpoint is running (close waits for it). */
  async checkpointsDone(): Promise<void> {
    while (this.checkpointing) await this.checkpointing;
  }

  /** BEGIN IMMEDIATE without SQLite's busy wait: false while another process holds the write lock (until `deadline`). */
  private beginUnlessBusy(deadline: number): boolean {
    try {
      this.withoutBusyWait(() => this.raw.db.exec('BEGIN IMMEDIATE'));
      return true;
    } catch (e) {
      if (!isBusy(e) || Date.now() >= deadline) throw e;
      return false;
    }
  }

  /** Runs one statement with SQLite's busy wait off (SQLITE_BUSY at once), then turns it back on. */
  private withoutBusyWait(fn: () => unknown): void {
    this.raw.db.pragma('busy_timeout = 0');
    try {
      fn();
    } finally {
      this.raw.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }

  /**
   * A token's last use is a note, not a decision: it never waits for another process's write
   * transaction. A scan's commit holds the file's write lock for seconds, and better-sqlite3 waits
   * on the thread that serves every request — one API call during a scheduled scan would stall the
   * whole server until the commit ends. Busy: not noted this time; a later use notes it.
   */
  async touchToken(id: string, at: string): Promise<void> {
    await this.lock.run(() => {
      try {
        this.withoutBusyWait(() => this.raw.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, id));
      } catch (e) {
        if (!isBusy(e)) throw e;
      }
    });
  }

  async analyze(): Promise<void> {
    await this.lock.run(() => this.raw.db.exec('ANALYZE'));
  }

  async close(): Promise<void> {
    await this.checkpointsDone();
    await this.lock.run(() => {
      // SQLite's advice for every connection that wrote: refresh the statistics the planner uses
      // (only tables whose counts changed a lot), so the register's indexes stay chosen as it grows
      if (!this.readonly) {
        try {
          this.raw.db.pragma('analysis_limit = 1000'); // bounded work: sampled statistics, never a full scan of a large table
          this.raw.db.pragma('optimize');
        } catch {
          /* a register that cannot be written now keeps its old statistics */
        }
      }
      this.raw.db.close();
    });
  }
}

/** One-line reasons a register file cannot be opened, before SQLite's terse "unable to open database file". */
function checkDbPath(file: string, path: string, readonly: boolean): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new RegisterError(`${file}: is a folder (expected a register database file)`);
  if (readonly) {
    if (!existsSync(path)) throw new RegisterError(`${file}: no such register database (a scan creates it: shadowscan scan … --db ${file})`);
    return;
  }
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new RegisterError(`${file}: cannot create the folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const writable = (p: string) => {
    try {
      accessSync(p, fsConstants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  // SQLite writes the file and, in WAL mode, -wal / -shm files next to it
  if (existsSync(path) && !writable(path)) throw new RegisterError(`${file}: the register database is read-only (no write permission) — give a writable --db`);
  if (!writable(dir)) throw new RegisterError(`${file}: folder ${dir} is not writable — give a --db in a writable folder`);
}
