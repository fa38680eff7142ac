/**
 * Athena through the official @aws-sdk/client-athena against a loopback server answering the
 * documented JSON protocol (polling, paging, throttling, failed queries, refused requests). The
 * loopback checks the query parses as Trino SQL and answers with what the same rules compiled
 * for DuckDB return over the same window of the same data: the scan's findings must equal
 * DuckDB's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from 'node-sql-parser';
import { startAthena, withEnv, type AthenaLoopback } from './athena-loopback.js';
import { MAP, RemoteData } from './remote.js';

const COLUMNS = ['subject', 'host', 'path_group', 'sample_path', 'failed', 'service', 'pattern', 'events', 'bytes_out', 'bytes_in', 'first_ms', 'last_ms', 'days'];

describe('athena runner (loopback, documented JSON protocol)', () => {
  let data: RemoteData;
  let srv: AthenaLoopback;
  let restore: () => void;
  const parsed: string[] = [];

  beforeAll(async () => {
    data = await RemoteData.create(2500, 5);
    srv = await startAthena(async (query, req) => {
      new pkg.Parser().astify(query, { database: 'trino' }); // throws when not Trino SQL
      parsed.push(String(req.WorkGroup));
      if (!query.includes('FROM lake.proxy AS src')) return { error: "TABLE_NOT_FOUND: line 1:1: Table 'awsdatacatalog.lake.proxy' does not exist" };
      const lits = [...query.matchAll(/TIMESTAMP '([^']+)'/g)].map((m) => new Date(m[1].replace(' ', 'T') + 'Z'));
      return { columns: COLUMNS, rows: await data.answer({ from: lits.length === 2 ? lits[0] : undefined, to: lits[lits.length - 1] }) };
    }, { throttleFirst: 2, pendingPolls: 3, pageSize: 7 });
    restore = withEnv(srv.env);
  });
  afterAll(async () => {
    restore();
    await srv.close();
    await data.close();
  });

  const athena = { pollMs: 5, workgroup: 'security', outputLocation: 's3://results/shadowscan/' };

  it('starts, polls, pages and throttles through to the same findings as DuckDB', async () => {
    const r = await data.expectSameAsDuckdb('athena', 'lake.proxy', { athena });
    const cov = r.coverage[0];
    expect(cov.units[0]).toMatch(/^athena#[0-9a-f]{12}:\.\.\/2025-03-05T00:00:00\.000Z$/);
    expect(cov.stats.bytesScanned).toBe(987654);
    const ops = srv.calls.map((c) => c.op);
    expect(ops.filter((o) => o === 'GetQueryResults').length).toBeGreaterThan(3); // paged
    expect(ops.filter((o) => o === 'GetQueryExecution').length).toBeGreaterThanOrEqual(4); // polled until SUCCEEDED
    const start = srv.calls.find((c) => c.op === 'StartQueryExecution')!.body;
    expect(start).toMatchObject({ WorkGroup: 'security', ResultConfiguration: { OutputLocation: 's3://results/shadowscan/' } });
    expect(parsed.length).toBeGreaterThan(0);
  });

  it('a failed query, an unknown table and a refused request are failed units, not a failed scan', async () => {
    const both = await data.scan('athena', 'lake.nope', { athena, queries: [{ engine: 'athena', from: 'lake.nope', map: MAP }, { engine: 'athena', from: 'lake.proxy', map: MAP }] });
    const cov = both.coverage[0];
    expect(cov.failed).toHaveLength(1);
    expect(cov.failed[0].reason).toMatch(/athena: query .* failed: TABLE_NOT_FOUND/);
    expect(cov.scanned).toBe(1);
    const refused = await data.scan('athena', 'lake.proxy', { athena: { ...athena, workgroup: 'missing' } });
    expect(refused.coverage[0].failed[0].reason).toMatch(/athena: InvalidRequestException: WorkGroup missing is not found/);
    expect(refused.observations).toEqual([]);
  });
});
