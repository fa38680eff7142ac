/**
 * The team register: PostgreSQL through `pg` (a connection pool per process). Every write
 * transaction takes one transaction-scoped advisory lock, so the audit chain has one head and
 * runners on different machines commit one after another, while reads run in parallel.
 */
import pg from 'pg';
import { RegisterError } from '../../core/errors.js';
import { likeContains, type Conn, type Dialect, type Row } from './conn.js';
import { migrate, SqlStore } from './sql-store.js';
import { POSTGRES_MIGRATIONS } from './schema.js';

/** Advisory lock keys (arbitrary constants owned by shadowscan). */
const WRITE_LOCK = 0x55a1_0001;
const MIGRATE_LOCK = 0x55a1_0002;

// BIGINT (COUNT(*), byte totals, sequence numbers) as JavaScript numbers, not strings
pg.types.setTypeParser(20, (v: string) => Number(v));

const POSTGRES: Dialect = {
  name: 'postgres',
  begin: ['BEGIN', `SELECT pg_advisory_xact_lock(${WRITE_LOCK})`],
  maxParams: 60_000,
  maxRowsPerInsert: 60_000,
  inList: (col) => ({ sql: `${col} = ANY(?)`, params: (v) => [[...v]] }),
  itemSearch: (q) => ({
    sql: "(i.name ILIKE ? ESCAPE '\\' OR i.service ILIKE ? ESCAPE '\\' OR i.vendor ILIKE ? ESCAPE '\\' OR i.id = ?)",
    params: [likeContains(q), likeContains(q), likeContains(q), q],
  }),
  forcedJoin: 'JOIN',
};

/** `?` placeholders to `$1 … $n` (the shared SQL never has a `?` inside a literal). */
const converted = new Map<string, string>();
function toPg(sql: string): string {
  let s = converted.get(sql);
  if (s === undefined) {
    let n = 0;
    s = sql.replace(/\?/g, () => `$${++n}`);
    if (converted.size > 2000) converted.clear();
    converted.set(sql, s);
  }
  return s;
}

/**
 * Prepared statements: each statement text gets one name for the life of the process, and each
 * connection parses it once (the register page's statements then skip parse and analysis on
 * every request). Names are never reused for another text; past the bound, statements run unnamed.
 * Very long texts (multi-row inserts) run unnamed.
 */
const names = new Map<string, string>();
const MAX_NAMED = 5000;
function nameOf(text: string): string | undefined {
  let n = names.get(text);
  if (n === undefined && text.length <= 4000 && names.size < MAX_NAMED) names.set(text, (n = `ss${names.size + 1}`));
  return n;
}

class PgConn implements Conn {
  constructor(private readonly q: pg.Pool | pg.PoolClient) {}
  private async query(sql: string, params: readonly unknown[]): Promise<pg.QueryResult> {
    const text = toPg(sql);
    const name = nameOf(text);
    if (!name) return this.q.query(text, params as unknown[]);
    try {
      return await this.q.query({ name, text, values: params as unknown[] });
    } catch (e) {
      // a statement prepared before another process changed a table's columns (a migration): once more, unnamed
      if ((e as { code?: string }).code === '0A000' && /cached plan must not change result type/.test((e as Error).message)) return this.q.query(text, params as unknown[]);
      throw e;
    }
  }
  async all<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }
  async map<R, T = Row>(sql: string, params: readonly unknown[], fn: (row: T) => R): Promise<R[]> {
    // the driver hands over the whole result at once; each row object is dropped as it is mapped
    const rows = (await this.query(sql, params)).rows as T[];
    const out: R[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      out[i] = fn(rows[i]);
      (rows as unknown[])[i] = undefined;
    }
    return out;
  }
  async get<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }
  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    return { changes: (await this.query(sql, params)).rowCount ?? 0 };
  }
  async runMany(sql: string, rows: Iterable<readonly unknown[]>): Promise<void> {
    // a copy: the producer may refill the same array while a query still waits in pg's queue
    for (const r of rows) await this.query(sql, [...r]);
  }
  async exec(sql: string): Promise<void> {
    await this.q.query(sql);
  }
}

/** The URL without its password, for messages and reports. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export class PostgresStore extends SqlStore {
  readonly kind = 'postgres' as const;
  private constructor(
    readonly location: string,
    private readonly pool: pg.Pool,
  ) {
    super(new PgConn(pool), POSTGRES);
  }

  static async open(url: string, opts: { readonly?: boolean; poolSize?: number; keepConnections?: boolean } = {}): Promise<PostgresStore> {
    const location = redactUrl(url);
    // No parallel query on register connections: its statements are index walks that return a page
    // or a batch, and starting parallel workers cost more than the work — EXPLAIN ANALYZE of the
    // register page's owner + category query at 100k items (bench/results/web-explain.md): the
    // plan's own work 6 ms, the Gather Merge with one worker 44 ms. With several replicas and
    // runners on one server, workers also compete with the other sessions for the same cores.
    // A long-running server keeps the connections it opened (min = max): otherwise a burst after 10 s
    // of quiet pays a new server process, its authentication and every prepared statement again.
    const max = opts.poolSize ?? 10;
    const pool = new pg.Pool({ connectionString: url, max, ...(opts.keepConnections ? { min: max } : {}), application_name: 'shadowscan', options: '-c max_parallel_workers_per_gather=0' });
    // an idle client's network error must not crash the process: the next query reports it
    pool.on('error', () => undefined);
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw new RegisterError(`${location}: cannot connect to PostgreSQL: ${(e as Error).message}`, { cause: e });
    }
    try {
      if (!opts.readonly) {
        await client.query(`SELECT pg_advisory_lock(${MIGRATE_LOCK})`);
        try {
          await migrate(new PgConn(client), POSTGRES_MIGRATIONS, ['BEGIN']);
        } finally {
          await client.query(`SELECT pg_advisory_unlock(${MIGRATE_LOCK})`);
        }
      } else await client.query('SELECT COUNT(*) FROM audit_log');
    } catch (e) {
      client.release();
      await pool.end().catch(() => undefined);
      throw new RegisterError(`${location}: not a usable shadowscan register: ${(e as Error).message}`, { cause: e });
    }
    client.release();
    return new PostgresStore(location, pool);
  }

  protected async withTransaction<T>(fn: (c: Conn) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      for (const s of POSTGRES.begin) await client.query(s);
      try {
        const r = await fn(new PgConn(client));
        await client.query('COMMIT');
        return r;
      } catch (e) {
        await client.query('ROLLBACK').catch((err: Error) => (broken = err));
        throw e;
      }
    } finally {
      client.release(broken);
    }
  }

  async analyze(): Promise<void> {
    // VACUUM sets the visibility map, so counts and joins after a bulk load can be index-only scans
    await this.c.exec('VACUUM (ANALYZE)');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
