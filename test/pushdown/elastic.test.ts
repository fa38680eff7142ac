/**
 * Elastic through the official @elastic/elasticsearch client: the compiled ES|QL goes to
 * `POST /_query` on a loopback that answers as Elasticsearch documents it (`x-elastic-product`
 * header, `{ columns, values }`, `took`, error bodies `{ error: { type, reason }, status }`, 503
 * when overloaded). The loopback answers with what DuckDB computes for the same window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { withEnv } from './athena-loopback.js';
import { RemoteData, closeServer, listen } from './remote.js';

const COLUMNS = [['subject', 'keyword'], ['host', 'keyword'], ['path_group', 'keyword'], ['sample_path', 'keyword'], ['failed', 'integer'], ['service', 'keyword'], ['pattern', 'keyword'], ['events', 'long'], ['bytes_in', 'long'], ['first_ms', 'long'], ['last_ms', 'long'], ['days', 'long']];

describe('elastic runner (loopback ES|QL endpoint)', () => {
  let data: RemoteData;
  let server: Server;
  let restore: () => void;
  const queries: string[] = [];
  let overloaded = 1;

  beforeAll(async () => {
    data = await RemoteData.create(2000, 21);
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
          res.end(JSON.stringify(body));
        };
        if (req.headers.authorization !== 'ApiKey bG9vcGJhY2s6a2V5') return send(401, { error: { type: 'security_exception', reason: 'unable to authenticate with provided credentials' }, status: 401 });
        if (req.method !== 'POST' || !req.url?.startsWith('/_query')) return send(404, { error: { type: 'resource_not_found_exception', reason: req.url }, status: 404 });
        if (overloaded-- > 0) return send(503, { error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' }, status: 503 });
        const { query } = JSON.parse(Buffer.concat(chunks).toString()) as { query: string };
        queries.push(query);
        const src = /^FROM (\S+)\n/.exec(query)?.[1];
        if (src !== 'logs-proxy-*') return send(400, { error: { type: 'verification_exception', reason: `Found 1 problem\nline 1:6: Unknown index [${src}]` }, status: 400 });
        const dates = [...query.matchAll(/TO_DATETIME\("([^"]+)"\)/g)].map((m) => new Date(m[1]));
        const rows = await data.answer({ from: dates.length === 2 ? dates[0] : undefined, to: dates[dates.length - 1] });
        send(200, { took: 42, is_partial: false, columns: COLUMNS.map(([name, type]) => ({ name, type })), values: rows.map((r) => COLUMNS.map(([n]) => (typeof r[n] === 'bigint' ? Number(r[n]) : r[n]))) });
      });
    });
    restore = withEnv({ ELASTIC_URL: `http://127.0.0.1:${await listen(server)}`, ELASTIC_API_KEY: 'bG9vcGJhY2s6a2V5' });
  });
  afterAll(async () => {
    restore();
    await closeServer(server);
    await data.close();
  });

  it('runs the compiled ES|QL and reads columns + values into the same findings as DuckDB', async () => {
    const r = await data.expectSameAsDuckdb('elastic', 'logs-proxy-*', { since: '2025-03-02' });
    expect(r.coverage[0].stats.engineMs).toBe(42);
    expect(queries[0]).toMatch(/^FROM logs-proxy-\*\n\| WHERE @timestamp >= TO_DATETIME\("2025-03-02T00:00:00\.000Z"\) AND @timestamp < TO_DATETIME\("2025-03-05T00:00:00\.000Z"\)\n/);
  });

  it('an ES|QL error and refused credentials are failed units', async () => {
    expect((await data.scan('elastic', 'logs-nope-*')).coverage[0].failed[0].reason).toMatch(/elastic: HTTP 400: verification_exception: Found 1 problem/);
    const back = withEnv({ ELASTIC_API_KEY: 'd3Jvbmc=' });
    try {
      expect((await data.scan('elastic', 'logs-proxy-*')).coverage[0].failed[0].reason).toMatch(/elastic: HTTP 401: security_exception/);
    } finally {
      back();
    }
  });
});
