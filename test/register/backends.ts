/**
 * The two register backends, for tests that run the same contract against both: a real SQLite
 * file and a real PostgreSQL server on loopback (test/helpers/postgres.ts). `raw` is the test's
 * own connection, for tampering and for reading what the store wrote.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';
import { openRegister, type RegisterStore } from '../../src/register/register.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';
import { tmpDir } from '../helpers/tmp.js';

export interface Raw {
  all(sql: string, params?: unknown[]): Promise<any[]>;
  run(sql: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A new empty register's spec (file path or URL). */
  fresh(): Promise<string>;
  open(spec: string): Promise<RegisterStore>;
  raw(spec: string): Promise<Raw>;
  /** Starts what the backend needs (the PostgreSQL server) — call in beforeAll. */
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

export function sqliteBackend(): Backend {
  return {
    name: 'sqlite',
    async fresh() {
      return join(tmpDir(), 'r.db');
    },
    open: (spec) => openRegister(spec),
    async raw(spec) {
      const db = new Database(spec);
      // `$1 … $n` become `?` only in a statement that has parameters: a literal in a statement
      // without them (an argon2 hash such as `$argon2id$v=19$m=…$3kq…`) must reach SQLite as written
      const sqliteSql = (sql: string, params: unknown[]) => (params.length ? sql.replace(/\$\d+/g, '?') : sql);
      return {
        async all(sql, params = []) {
          return db.prepare(sqliteSql(sql, params)).all(...params);
        },
        async run(sql, params = []) {
          db.prepare(sqliteSql(sql, params)).run(...params);
        },
        async close() {
          db.close();
        },
      };
    },
    async setup() {},
    async teardown() {},
  };
}

export function postgresBackend(): Backend {
  let server: PgServer | undefined;
  return {
    name: 'postgres',
    async fresh() {
      return server!.createDatabase();
    },
    open: (spec) => openRegister(spec),
    async raw(spec) {
      const c = new pg.Client({ connectionString: spec });
      await c.connect();
      return {
        async all(sql, params = []) {
          return (await c.query(sql, params)).rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^(count|bytes_out|n|seq)$/.test(k) ? Number(v) : v])));
        },
        async run(sql, params = []) {
          await c.query(sql, params);
        },
        async close() {
          await c.end();
        },
      };
    },
    async setup() {
      server = await startPostgres();
    },
    async teardown() {
      await server?.stop();
    },
  };
}

export const BACKENDS = [sqliteBackend(), postgresBackend()];
