/**
 * Opening the register: `--db FILE` (or `sqlite:FILE`) is the embedded SQLite register,
 * `--db postgres://…` (or SHADOWSCAN_DATABASE_URL) the shared PostgreSQL register. Both are the
 * same `RegisterStore`; callers never see which.
 */
import type { RegisterStore } from './store.js';

export * from './store.js';
export { formatBytes } from './judge.js';

export const DEFAULT_DB = 'shadowscan.db';
export const DB_ENV = 'SHADOWSCAN_DATABASE_URL';
export const DB_HELP = `register: a SQLite file, sqlite:FILE, or postgres://user@host/db (default: $${DB_ENV} or ./${DEFAULT_DB})`;

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/** The register a command uses: the flag, else SHADOWSCAN_DATABASE_URL, else ./shadowscan.db. */
export function dbSpec(flag?: string): string {
  return flag || process.env[DB_ENV] || DEFAULT_DB;
}

export interface OpenOptions {
  readonly?: boolean;
  /** PostgreSQL connections per process (web replicas may want more). */
  poolSize?: number;
  /** PostgreSQL: keep every connection the pool opened (a long-running server), instead of closing idle ones after 10 s. */
  keepConnections?: boolean;
}

export async function openRegister(spec?: string, opts: OpenOptions = {}): Promise<RegisterStore> {
  const s = dbSpec(spec);
  // each backend's driver (pg, better-sqlite3) loads only when a register of that kind is opened
  const store = isPostgresUrl(s) ? await (await import('./backends/postgres.js')).PostgresStore.open(s, opts) : await (await import('./backends/sqlite.js')).SqliteStore.open(s.startsWith('sqlite:') ? s.slice('sqlite:'.length) : s, opts);
  if (!opts.readonly) {
    // a register upgraded from before the decision tables were projections: baseline entries first (migration 800)
    try {
      await (await import('./baseline.js')).baselinePending(store);
    } catch (e) {
      await store.close().catch(() => undefined);
      throw e;
    }
  }
  return store;
}

/** `Register.open(spec)`: the store behind the spec. */
export const Register = { open: openRegister };
export type Register = RegisterStore;
