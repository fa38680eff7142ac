/**
 * Athena through the official @aws-sdk/client-athena against a loopback server answering the
 * documented JSON protocol (polling, paging, throttling, failed queries, refused requests). The
 * loopback checks the query parses as Trino SQL and answers with what the same rules compiled
 * for DuckDB return over the same window of the same data: the scan's findings must equal
 * DuckDB's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pkg from 'node-sql-parser';
import { collect } from '../../src/collect/run.js';
import { egressQueryScanner } from '../../scanners/egress-query/index.js';
import { compileQuery } from '../../src/pushdown/compile.js';
import { DuckdbRunner } from '../../src/pushdown/runners/duckdb.js';
import { startAthena, withEnv, type AthenaLoopback } from './athena-loopback.js';
import { findingTable, makeEvents, pdRules, proxyCsv, tmp } from './helpers.js';

const NOW = () => new Date('2025-03-05T00:00:00Z');
const MAP = { time: 'ts', url: 'url', action: 'result_code', clientIp: 'client_ip', bytesIn: 'bytes_in' };

describe('athena runner (loopback, documented JSON protocol)', () => {
  const dir = tmp();
  const parquet = join(dir, 'proxy.parquet');
  const db = new DuckdbRunner({ threads: 1 });
  let srv: AthenaLoopback;
  let restore: () => void;
  const parsed: string[] = [];

  beforeAll(async () => {
    writeFileSync(join(dir, 'proxy.csv'), proxyCsv(makeEvents(2500, 5)));
    await db.run(`COPY (SELECT * FROM read_csv('${join(dir, 'proxy.csv')}')) TO '${parquet}' (FORMAT parquet)`, new AbortController().signal);
    srv = await startAthena(async (query, req) => {
      new pkg.Parser().astify(query, { database: 'trino' }); // throws when not Trino SQL
      parsed.push(String(req.WorkGroup));
      if (!query.includes('FROM lake.proxy AS src')) return { error: "TABLE_NOT_FOUND: line 1:1: Table 'awsdatacatalog.lake.proxy' does not exist" };
      const lits = [...query.matchAll(/TIMESTAMP '([^']+)'/g)].map((m) => new Date(m[1].replace(' ', 'T') + 'Z'));
      const from = lits.length === 2 ? lits[0] : undefined;
      const to = lits[lits.length - 1];
      const local = compileQuery(pdRules(), { target: 'duckdb', source: 'egress', from: `read_parquet('${parquet}')`, map: MAP, window: { from, to } });
      const r = await db.run(local.query, new AbortController().signal);
      const columns = ['subject', 'host', 'path_group', 'sample_path', 'failed', 'service', 'pattern', 'events', 'bytes_out', 'bytes_in', 'first_ms', 'last_ms', 'days'];
      return { columns, rows: r.rows };
    }, { throttleFirst: 2, pendingPolls: 3, pageSize: 7 });
    restore = withEnv(srv.env);
  });
  afterAll(async () => {
    restore();
    await srv.close();
    await db.close();
  });

  const run = (queries: unknown[], athena: Record<string, unknown> = {}) =>
    collect([{ scanner: egressQueryScanner, options: { queries, athena: { pollMs: 5, workgroup: 'security', outputLocation: 's3://results/shadowscan/', ...athena } } }], { rules: pdRules(), now: NOW, state: {} });

  it('starts, polls, pages and throttles through to the same findings as DuckDB', async () => {
    const athena = await run([{ engine: 'athena', from: 'lake.proxy', map: MAP }]);
    const cov = athena.coverage[0];
    expect(cov.failed).toEqual([]);
    expect(cov.units[0]).toMatch(/^athena#[0-9a-f]{12}:\.\.\/2025-03-05T00:00:00\.000Z$/);
    expect(cov.stats.bytesScanned).toBe(987654);
    const local = await collect([{ scanner: egressQueryScanner, options: { queries: [{ engine: 'duckdb', from: `read_parquet('${parquet}')`, map: MAP }] } }], { rules: pdRules(), now: NOW, state: {} });
    const want = findingTable(pdRules(), local.observations);
    expect(want.length).toBeGreaterThan(30);
    expect(findingTable(pdRules(), athena.observations)).toEqual(want);
    const ops = srv.calls.map((c) => c.op);
    expect(ops.filter((o) => o === 'GetQueryResults').length).toBeGreaterThan(3); // paged
    expect(ops.filter((o) => o === 'GetQueryExecution').length).toBeGreaterThanOrEqual(4); // polled until SUCCEEDED
    const start = srv.calls.find((c) => c.op === 'StartQueryExecution')!.body;
    expect(start).toMatchObject({ WorkGroup: 'security', ResultConfiguration: { OutputLocation: 's3://results/shadowscan/' } });
    expect(parsed.length).toBeGreaterThan(0);
  });

  it('a failed query, an unknown table and a refused request are failed units, not a failed scan', async () => {
    const r = await run([
      { engine: 'athena', from: 'lake.nope', map: MAP },
      { engine: 'athena', from: 'lake.proxy', map: MAP },
    ]);
    const cov = r.coverage[0];
    expect(cov.failed).toHaveLength(1);
    expect(cov.failed[0].reason).toMatch(/athena: query .* failed: TABLE_NOT_FOUND/);
    expect(cov.scanned).toBe(1);
    const refused = await run([{ engine: 'athena', from: 'lake.proxy', map: MAP }], { workgroup: 'missing' });
    expect(refused.coverage[0].failed[0].reason).toMatch(/athena: InvalidRequestException: WorkGroup missing is not found/);
    expect(refused.observations).toEqual([]);
  });
});
