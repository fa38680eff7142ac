/**
 * Elastic through the official @elastic/elasticsearch client: the compiled ES|QL goes to
 * `POST /_query` on a loopback that answers as Elasticsearch documents it (`x-elastic-product`
 * header, `{ columns, values }`, `took`, error bodies `{ error: { type, reason }, status }`, 503
 * when overloaded). The loopback answers with what DuckDB computes for the same window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect } from '../../src/collect/run.js';
import { egressQueryScanner } from '../../scanners/egress-query/index.js';
import { compileQuery } from '../../src/pushdown/compile.js';
import { DuckdbRunner } from '../../src/pushdown/runners/duckdb.js';
import { withEnv } from './athena-loopback.js';
import { findingTable, makeEvents, pdRules, proxyCsv, tmp } from './helpers.js';

const NOW = () => new Date('2025-03-05T00:00:00Z');
const MAP = { url: 'url', action: 'result_code', clientIp: 'client_ip', bytesIn: 'bytes_in' };

describe('elastic runner (loopback ES|QL endpoint)', () => {
  const dir = tmp();
  const parquet = join(dir, 'proxy.parquet');
  const db = new DuckdbRunner({ threads: 1 });
  let server: Server;
  let restore: () => void;
  const queries: string[] = [];
  let overloaded = 1;

  beforeAll(async () => {
    writeFileSync(join(dir, 'proxy.csv'), proxyCsv(makeEvents(2000, 21)));
    await db.run(`COPY (SELECT * FROM read_csv('${join(dir, 'proxy.csv')}')) TO '${parquet}' (FORMAT parquet)`, new AbortController().signal);
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
          res.end(JSON.stringify(body));
        };
        if (req.headers.authorization !== `ApiKey ${'bG9vcGJhY2s6a2V5'}`) return send(401, { error: { type: 'security_exception', reason: 'unable to authenticate with provided credentials' }, status: 401 });
        if (req.method !== 'POST' || !req.url?.startsWith('/_query')) return send(404, { error: { type: 'resource_not_found_exception', reason: req.url }, status: 404 });
        if (overloaded-- > 0) return send(503, { error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' }, status: 503 });
        const { query } = JSON.parse(Buffer.concat(chunks).toString()) as { query: string };
        queries.push(query);
        const src = /^FROM (\S+)\n/.exec(query)?.[1];
        if (src !== 'logs-proxy-*') return send(400, { error: { type: 'verification_exception', reason: `Found 1 problem\nline 1:6: Unknown index [${src}]` }, status: 400 });
        const dates = [...query.matchAll(/TO_DATETIME\("([^"]+)"\)/g)].map((m) => new Date(m[1]));
        const from = dates.length === 2 ? dates[0] : undefined;
        const local = compileQuery(pdRules(), { target: 'duckdb', source: 'egress', from: `read_parquet('${parquet}')`, map: { ...MAP, time: 'ts' }, window: { from, to: dates[dates.length - 1] } });
        const rows = (await db.run(local.query, new AbortController().signal)).rows;
        const names = ['subject', 'host', 'path_group', 'sample_path', 'failed', 'service', 'pattern', 'events', 'bytes_in', 'first_ms', 'last_ms', 'days'];
        const types = ['keyword', 'keyword', 'keyword', 'keyword', 'integer', 'keyword', 'keyword', 'long', 'long', 'long', 'long', 'long'];
        send(200, { took: 42, is_partial: false, columns: names.map((name, i) => ({ name, type: types[i] })), values: rows.map((r) => names.map((n) => (typeof r[n] === 'bigint' ? Number(r[n]) : r[n]))) });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    restore = withEnv({ ELASTIC_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ELASTIC_API_KEY: 'bG9vcGJhY2s6a2V5' });
  });
  afterAll(async () => {
    restore();
    await new Promise((r) => server.close(r));
    await db.close();
  });

  it('runs the compiled ES|QL and reads columns + values into the same findings as DuckDB', async () => {
    const r = await collect([{ scanner: egressQueryScanner, options: { queries: [{ engine: 'elastic', from: 'logs-proxy-*', map: MAP }], since: '2025-03-02' } }], { rules: pdRules(), now: NOW, state: {} });
    expect(r.coverage[0].failed).toEqual([]);
    expect(r.coverage[0].stats.engineMs).toBe(42);
    const local = await collect([{ scanner: egressQueryScanner, options: { queries: [{ engine: 'duckdb', from: `read_parquet('${parquet}')`, map: MAP }], since: '2025-03-02' } }], { rules: pdRules(), now: NOW, state: {} });
    const want = findingTable(pdRules(), local.observations);
    expect(want.length).toBeGreaterThan(20);
    expect(findingTable(pdRules(), r.observations)).toEqual(want);
    expect(queries[0]).toMatch(/^FROM logs-proxy-\*\n\| WHERE @timestamp >= TO_DATETIME\("2025-03-02T00:00:00\.000Z"\) AND @timestamp < TO_DATETIME\("2025-03-05T00:00:00\.000Z"\)\n/);
  });

  it('an ES|QL error and refused credentials are failed units', async () => {
    const r = await collect([{ scanner: egressQueryScanner, options: { queries: [{ engine: 'elastic', from: 'logs-nope-*', map: MAP }] } }], { rules: pdRules(), now: NOW, state: {} });
    expect(r.coverage[0].failed[0].reason).toMatch(/elastic: HTTP 400: verification_exception: Found 1 problem/);
    const back = withEnv({ ELASTIC_API_KEY: 'd3Jvbmc=' });
    try {
      const x = await collect([{ scanner: egressQueryScanner, options: { queries: [{ engine: 'elastic', from: 'logs-proxy-*', map: MAP }] } }], { rules: pdRules(), now: NOW, state: {} });
      expect(x.coverage[0].failed[0].reason).toMatch(/elastic: HTTP 401: security_exception/);
    } finally {
      back();
    }
  });
});
