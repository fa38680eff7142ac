/**
 * The one thing the shared SQL needs from a database: run a statement with positional `?`
 * parameters on one connection. The SQLite backend runs better-sqlite3 statements; the
 * PostgreSQL backend rewrites `?` to `$n` and sends them over the wire.
 */
export type Row = Record<string, any>;

export interface Conn {
  all<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * `all`, each row handed to `fn` as it is read and only `fn`'s result kept: a large read (every
   * active finding, at a re-scan) does not hold the driver's row objects and its own at once.
   */
  map<R, T = Row>(sql: string, params: readonly unknown[], fn: (row: T) => R): Promise<R[]>;
  get<T = Row>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }>;
  /**
   * Runs the same statement once per parameter row (one prepared statement / one batch). Rows may
   * be produced as they are consumed (a generator), and a producer may hand back the same array
   * each time, refilled: each row is bound before the next is asked for.
   */
  runMany(sql: string, rows: Iterable<readonly unknown[]>): Promise<void>;
  /** Several statements separated by semicolons, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * SQLite, inside a write transaction only: the prepared statement itself, run synchronously —
   * the narrow finding writer's row loop (src/register/backends/sqlite-findings.ts).
   */
  prepared?(sql: string): { run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint }; get(...params: unknown[]): unknown };
}

export interface Dialect {
  name: 'sqlite' | 'postgres';
  /** Statements that open a write transaction that serialises with every other writer. */
  begin: string[];
  /** Maximum parameters per statement. */
  maxParams: number;
  /** Rows per multi-row INSERT (the fastest batch measured for the backend). */
  maxRowsPerInsert: number;
  /** `col IN (?, ?, …)` or `col = ANY(?)` for a list parameter. */
  inList(col: string, n: number): { sql: string; params: (values: readonly unknown[]) => unknown[] };
  /** The text-search clause over items (name, service, vendor): FTS5 trigram in SQLite, ILIKE / pg_trgm in PostgreSQL. */
  itemSearch(q: string): { sql: string; params: unknown[] };
  /** A join that the planner must take in this order. */
  forcedJoin: string;
  /**
   * SQLite with migration 1000 applied: findings stored narrow, `findings` a view
   * (sqlite-findings.ts). False for PostgreSQL, and for a SQLite register opened read-only before
   * it was migrated (its findings table is read as it is).
   */
  narrowFindings?: boolean;
}

/** A nullable numeric column as a number, or undefined (BIGINT columns arrive as strings from PostgreSQL). */
export const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

/** `?`, `?`, … placeholders for n values. */
export const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** A LIKE pattern matching `s` anywhere, with `%`, `_` and `\\` in `s` taken literally (ESCAPE '\\'). */
export function likeContains(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

export function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** A FIFO lock: one holder at a time (the SQLite backend's single connection). */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    let release!: () => void;
    const prev = this.tail;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
