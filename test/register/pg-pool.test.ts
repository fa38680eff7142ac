/**
 * A long-running server (`serve`) keeps the PostgreSQL connections its pool opened; a short command
 * lets idle ones close after pg's idle timeout (10 s). Counted on a real server on loopback in
 * pg_stat_activity, by each store's own connections (application_name 'shadowscan', this database).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegister } from '../../src/register/register.js';
import type { RegisterStore } from '../../src/register/store.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';

describe('PostgreSQL pool of a long-running server', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The connections of the store on database `db`, counted from another connection. */
  async function connections(url: string, db: string): Promise<number> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const r = await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'shadowscan'", [db]);
      return r.rows[0].n as number;
    } finally {
      await c.end();
    }
  }
  /** Four statements at once: the pool opens four connections. */
  const burst = (s: RegisterStore) => Promise.all(Array.from({ length: 4 }, () => s.queryItems({ limit: 5 })));

  it('keepConnections keeps every opened connection past the idle timeout; without it they close', async () => {
    const keptUrl = await server.createDatabase('poolkept');
    const plainUrl = await server.createDatabase('poolplain');
    const kept = await openRegister(keptUrl, { poolSize: 4, keepConnections: true });
    const plain = await openRegister(plainUrl, { poolSize: 4 });
    try {
      await Promise.all([burst(kept), burst(plain)]);
      expect(await connections(keptUrl, 'poolkept')).toBe(4);
      expect(await connections(plainUrl, 'poolplain')).toBe(4);
      await new Promise((r) => setTimeout(r, 11_500));
      expect(await connections(keptUrl, 'poolkept')).toBe(4);
      expect(await connections(plainUrl, 'poolplain')).toBe(0);
    } finally {
      await kept.close();
      await plain.close();
    }
  }, 60_000);
});
