/**
 * The portable SQL core executed for real on a second engine: PostgreSQL (Debian's server,
 * started by the test on loopback). The same events loaded into a table give, through the
 * compiled `postgres` query, the same findings as DuckDB over their Parquet copy — egress with
 * URLs, paths, denials and a window, and look-alikes giving nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startPostgres, type PgServer } from '../helpers/postgres.js';
import { compileQuery } from '../../src/pushdown/compile.js';
import { egressRow } from '../../src/pushdown/rows.js';
import { egressObservations } from '../../src/pushdown/observe.js';
import { LOOKALIKES, findingTable, makeEvents, pdRules } from './helpers.js';
import { MAP, RemoteData } from './remote.js';

describe('PostgreSQL runs the portable core', () => {
  let server: PgServer;
  let client: pg.Client;
  let data: RemoteData;

  beforeAll(async () => {
    server = await startPostgres();
    client = new pg.Client({ connectionString: await server.createDatabase() });
    await client.connect();
    await client.query('CREATE TABLE proxy_logs (ts timestamp, client_ip text, url text, result_code text, bytes_in bigint)');
    const evs = makeEvents(3000, 44);
    const rows = evs.map((e) => [new Date(e.ms).toISOString().replace('T', ' ').replace('Z', ''), e.ip, e.path ? `https://${e.host}${e.path}` : `${e.host}:443`, e.denied ? 'TCP_DENIED/403' : 'TCP_MISS/200', e.bytesIn]);
    for (let i = 0; i < rows.length; i += 500) {
      const part = rows.slice(i, i + 500);
      await client.query(`INSERT INTO proxy_logs VALUES ${part.map((_, k) => `($${k * 5 + 1}, $${k * 5 + 2}, $${k * 5 + 3}, $${k * 5 + 4}, $${k * 5 + 5})`).join(', ')}`, part.flat());
    }
    data = await RemoteData.create(3000, 44);
  }, 60_000);
  afterAll(async () => {
    await client?.end();
    await server?.stop();
    await data?.close();
  });

  async function viaPostgres(window: { from?: Date; to?: Date }) {
    const q = compileQuery(pdRules(), { target: 'postgres', source: 'egress', from: 'proxy_logs', map: { ...MAP, time: 'ts' }, window });
    const r = await client.query(q.query);
    return egressObservations(pdRules(), r.rows.map(egressRow), { scanner: 'egress-query', locator: 'postgres', attrs: {} }).observations;
  }

  it('same findings as DuckDB over the same events, whole and windowed', async () => {
    for (const since of [undefined, '2025-03-02']) {
      const local = await data.scan('duckdb', `read_parquet('${data.parquet}')`, since ? { since } : {});
      const want = findingTable(pdRules(), local.observations);
      expect(want.length).toBeGreaterThan(20);
      const obs = await viaPostgres({ from: since ? new Date(`${since}T00:00:00Z`) : undefined, to: new Date('2025-03-05T00:00:00Z') });
      expect(findingTable(pdRules(), obs)).toEqual(want);
    }
  });

  it('look-alike hosts give nothing', async () => {
    await client.query('CREATE TABLE lookalikes (ts timestamp, host text)');
    await client.query(`INSERT INTO lookalikes VALUES ${LOOKALIKES.map((h) => `('2025-03-01 00:00:00', '${h}')`).join(', ')}`);
    const q = compileQuery(pdRules(), { target: 'postgres', source: 'egress', from: 'lookalikes', map: { host: 'host', time: 'ts' } });
    expect((await client.query(q.query)).rows).toEqual([]);
    await client.query(`INSERT INTO lookalikes VALUES ('2025-03-01 00:00:00', 'API.Alpha.test.:443')`);
    expect((await client.query(q.query)).rows.map((r) => [r.host, r.service])).toEqual([['api.alpha.test', 'p-alpha']]);
  });
});
