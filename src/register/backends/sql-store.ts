/**
 * What both backends share on top of the statements: transactions, the audit chain's
 * serialisation, leases and schedule ticks, and copying tables (db migrate).
 */
import type { AuditEvent, AuditRecord } from '../audit.js';
import type { LeaseInfo, RegisterOps, RegisterStore, TableDump } from '../store.js';
import { type Conn, type Dialect } from './conn.js';
import { bulkLoad } from './bulk.js';
import { CountCache, SqlOps } from './ops.js';
import { TABLES, type Migration } from './schema.js';
import { FINDINGS_VIEW_COLUMNS, FINDINGS_VIEW_FROM } from './sqlite-findings.js';

/** Primary-key columns per table: dumps are read in key order. */
const KEYS: Record<string, string> = {
  scan_runs: 'id',
  findings: 'id',
  items: 'id',
  risk_entries: 'id',
  audit_log: 'seq',
  scanner_state: 'scanner, state_key',
  catalog_decisions: 'id',
  web_users: 'username',
  web_sessions: 'id_hash',
  api_tokens: 'id',
  source_runs: 'run_id, source',
  notifications_sent: 'target, event, item_id, status',
  leases: 'name',
  schedule_ticks: 'job, tick_at',
  login_failures: 'key, at',
  settings: 'name',
  catalog_versions: 'version',
  governance_entries: 'risk_entry_id',
  governance_settings: 'key',
};

export abstract class SqlStore extends SqlOps implements RegisterStore {
  abstract readonly kind: 'sqlite' | 'postgres';
  abstract readonly location: string;

  /** Runs `fn` on one connection inside a write transaction that excludes every other writer. */
  protected abstract withTransaction<T>(fn: (c: Conn) => Promise<T>): Promise<T>;
  abstract close(): Promise<void>;
  abstract analyze(): Promise<void>;

  constructor(c: Conn, d: Dialect) {
    super(c, d, new CountCache());
  }

  async transaction<T>(fn: (tx: RegisterOps) => Promise<T>): Promise<T> {
    return this.withTransaction(async (c) => {
      const tx = new SqlOps(c, this.d);
      const r = await fn(tx);
      // rows of checked projections must be what this transaction's log entries say (before COMMIT)
      await tx.checkLedgerWrites();
      return r;
    });
  }

  /** Outside a transaction, an audit record is still appended under the writers' lock (the chain has one head). */
  override async appendAudit(e: AuditEvent): Promise<AuditRecord> {
    return this.transaction((tx) => tx.appendAudit(e));
  }

  // ------------------------------------------------------------------ leases

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = new Date();
    const at = now.toISOString();
    const until = new Date(now.getTime() + ttlMs).toISOString();
    return this.withTransaction(async (c) => {
      await c.run(
        `INSERT INTO leases (name, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
         WHERE leases.holder = excluded.holder OR leases.expires_at < ?`,
        [name, holder, at, until, at],
      );
      const r = await c.get('SELECT holder FROM leases WHERE name = ?', [name]);
      return r?.holder === holder;
    });
  }

  async renewLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const until = new Date(Date.now() + ttlMs).toISOString();
    return (await this.c.run('UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?', [until, name, holder])).changes > 0;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.c.run('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holder]);
  }

  async getLease(name: string): Promise<LeaseInfo | undefined> {
    const r = await this.c.get('SELECT * FROM leases WHERE name = ?', [name]);
    return r ? { name: r.name, holder: r.holder, acquiredAt: r.acquired_at, expiresAt: r.expires_at } : undefined;
  }

  async claimTick(job: string, tickAt: string, holder: string): Promise<boolean> {
    const r = await this.c.run('INSERT INTO schedule_ticks (job, tick_at, holder, claimed_at) VALUES (?, ?, ?, ?) ON CONFLICT (job, tick_at) DO NOTHING', [job, tickAt, holder, new Date().toISOString()]);
    return r.changes === 1;
  }

  // ------------------------------------------------------------------ copying

  tables(): string[] {
    return [...TABLES];
  }

  async *dumpTable(table: string, batch: number): AsyncIterable<TableDump> {
    if (!(TABLES as readonly string[]).includes(table)) throw new Error(`unknown table ${table}`);
    if (table === 'findings' && this.d.narrowFindings) {
      yield* this.dumpNarrowFindings(batch);
      return;
    }
    // one-column keys page by key (each batch an index seek); composite keys (small tables) by offset
    const key = KEYS[table];
    const single = !key.includes(',');
    let last: unknown;
    for (let offset = 0; ; offset += batch) {
      const rows = single
        ? await this.c.all(`SELECT * FROM ${table} ${last === undefined ? '' : `WHERE ${key} > ?`} ORDER BY ${key} LIMIT ?`, last === undefined ? [batch] : [last, batch])
        : await this.c.all(`SELECT * FROM ${table} ORDER BY ${key} LIMIT ? OFFSET ?`, [batch, offset]);
      if (!rows.length) return;
      const columns = Object.keys(rows[0]);
      last = rows[rows.length - 1][key];
      yield { table, columns, rows: rows.map((r) => columns.map((k) => r[k] ?? null)) };
      if (rows.length < batch) return;
    }
  }

  /** SQLite's findings view, paged by the rows' own key (the id has no index there): the view's columns, in the order rows were written. */
  private async *dumpNarrowFindings(batch: number): AsyncIterable<TableDump> {
    let last = 0;
    for (;;) {
      const rows = await this.c.all(`SELECT ${FINDINGS_VIEW_COLUMNS}, r.rid AS rid_ FROM ${FINDINGS_VIEW_FROM} WHERE r.rid > ? ORDER BY r.rid LIMIT ?`, [last, batch]);
      if (!rows.length) return;
      const columns = Object.keys(rows[0]).filter((k) => k !== 'rid_');
      last = Number(rows[rows.length - 1].rid_);
      yield { table: 'findings', columns, rows: rows.map((r) => columns.map((k) => r[k] ?? null)) };
      if (rows.length < batch) return;
    }
  }

  async loadTable(dump: TableDump): Promise<void> {
    if (!(TABLES as readonly string[]).includes(dump.table)) throw new Error(`unknown table ${dump.table}`);
    await this.withTransaction((c) => new SqlOps(c, this.d).insertTable(dump));
  }

  /** The bulk path: every dump in one write transaction (src/register/backends/bulk.ts). */
  async loadTables(dumps: Iterable<TableDump> | AsyncIterable<TableDump>): Promise<{ rows: Record<string, number> }> {
    return this.withTransaction((c) => bulkLoad(c, this.d, dumps));
  }

  async countRows(table: string): Promise<number> {
    if (!(TABLES as readonly string[]).includes(table)) throw new Error(`unknown table ${table}`);
    return Number((await this.c.get(`SELECT COUNT(*) AS n FROM ${table}`))?.n ?? 0);
  }

  async schemaVersion(): Promise<number> {
    return Number((await this.c.get('SELECT MAX(version) AS v FROM schema_migrations'))?.v ?? 0);
  }
}

/** Applies the pending migrations of `set`, each in its own transaction. */
export async function migrate(c: Conn, set: Migration[], begin: string[], lock?: string): Promise<void> {
  await c.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = async () => new Set((await c.all('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
  const done = await applied();
  if (set.every((m) => done.has(m.version))) return;
  for (const m of [...set].sort((a, b) => a.version - b.version)) {
    for (const s of begin) await c.exec(s);
    try {
      if (lock) await c.exec(lock);
      // another process may have applied it while this one waited for the lock
      const now = await c.get('SELECT 1 AS x FROM schema_migrations WHERE version = ?', [m.version]);
      if (!now) {
        await c.exec(m.sql);
        await c.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, new Date().toISOString()]);
      }
      await c.exec('COMMIT');
    } catch (e) {
      await c.exec('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }
}
