/**
 * Microsoft Sentinel / Log Analytics through the official @azure/monitor-query-logs client,
 * against an HTTPS loopback (the SDK's bearer-token policy refuses plain http) answering the
 * Log Analytics query API as documented: `POST /v1/workspaces/{id}/query` with `{ query,
 * timespan }` → `{ tables: [{ name, columns: [{ name, type }], rows }] }`; errors as
 * `{ error: { code, message } }`; a partial result carries `error` beside its tables; 429 with
 * Retry-After. The loopback answers with what DuckDB computes for the same window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect } from '../../src/collect/run.js';
import { egressQueryScanner } from '../../scanners/egress-query/index.js';
import { compileQuery } from '../../src/pushdown/compile.js';
import { DuckdbRunner } from '../../src/pushdown/runners/duckdb.js';
import { withEnv } from './athena-loopback.js';
import { findingTable, makeEvents, pdRules, proxyCsv, tmp } from './helpers.js';

const TLS = join(process.cwd(), 'fixtures/cloud/tls');
const NOW = () => new Date('2025-03-05T00:00:00Z');
const MAP = { url: 'url', action: 'result_code', clientIp: 'client_ip', bytesIn: 'bytes_in' };
const WS = '11111111-2222-3333-4444-555555555555';

describe('sentinel runner (HTTPS loopback, Log Analytics query API)', () => {
  const dir = tmp();
  const parquet = join(dir, 'proxy.parquet');
  const db = new DuckdbRunner({ threads: 1 });
  let server: Server;
  let restore: () => void;
  const bodies: Array<{ query: string; timespan?: string }> = [];
  let throttled = 1;

  beforeAll(async () => {
    writeFileSync(join(dir, 'proxy.csv'), proxyCsv(makeEvents(2000, 33)));
    await db.run(`COPY (SELECT * FROM read_csv('${join(dir, 'proxy.csv')}')) TO '${parquet}' (FORMAT parquet)`, new AbortController().signal);
    server = createServer({ key: readFileSync(join(TLS, 'loopback.key')), cert: readFileSync(join(TLS, 'loopback.crt')) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': 'loopback', ...headers });
          res.end(JSON.stringify(body));
        };
        if (req.headers.authorization !== 'Bearer loopback-token') return send(403, { error: { code: 'InsufficientAccessError', message: 'The provided credentials have insufficient access to perform the requested operation' } });
        const m = /^\/v1\/workspaces\/([^/]+)\/query/.exec(req.url ?? '');
        if (!m || req.method !== 'POST') return send(404, { error: { code: 'PathNotFoundError', message: `${req.url}` } });
        if (m[1] !== WS) return send(404, { error: { code: 'WorkspaceNotFoundError', message: `Workspace ${m[1]} not found` } });
        if (throttled-- > 0) return send(429, { error: { code: 'ThrottledError', message: 'Too many requests' } }, { 'retry-after': '0' });
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { query: string; timespan?: string };
        bodies.push(body);
        const table = /\n(\w+)\n/.exec(body.query)?.[1];
        if (table !== 'ProxyLogs') return send(400, { error: { code: 'BadArgumentError', message: 'The request had some invalid properties', innererror: { code: 'SemanticError', message: `'${table}' could not be resolved` } } });
        const [from, to] = (body.timespan ?? '').split('/').map((x) => new Date(x));
        const local = compileQuery(pdRules(), { target: 'duckdb', source: 'egress', from: `read_parquet('${parquet}')`, map: { ...MAP, time: 'ts' }, window: { from, to } });
        const rows = (await db.run(local.query, new AbortController().signal)).rows;
        const columns = [['subject', 'string'], ['host', 'string'], ['path_group', 'string'], ['sample_path', 'string'], ['failed', 'int'], ['service', 'string'], ['pattern', 'string'], ['events', 'long'], ['bytes_in', 'long'], ['first_ms', 'long'], ['last_ms', 'long'], ['days', 'long']];
        send(200, { tables: [{ name: 'PrimaryResult', columns: columns.map(([name, type]) => ({ name, type })), rows: rows.map((r) => columns.map(([n]) => (typeof r[n] === 'bigint' ? Number(r[n]) : r[n]))) }] });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    restore = withEnv({ AZURE_LOG_ANALYTICS_ENDPOINT: `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, AZURE_ACCESS_TOKEN: 'loopback-token', SHADOWSCAN_AZURE_CA_FILE: join(TLS, 'loopback.crt'), SENTINEL_WORKSPACE_ID: WS });
  });
  afterAll(async () => {
    restore();
    await new Promise((r) => server.close(r));
    await db.close();
  });

  it('queries the workspace with the compiled KQL and the window as timespan: same findings as DuckDB', async () => {
    const r = await collect([{ scanner: egressQueryScanner, options: { queries: [{ engine: 'sentinel', from: 'ProxyLogs', map: MAP }], since: '2025-03-02' } }], { rules: pdRules(), now: NOW, state: {} });
    expect(r.coverage[0].failed).toEqual([]);
    const local = await collect([{ scanner: egressQueryScanner, options: { queries: [{ engine: 'duckdb', from: `read_parquet('${parquet}')`, map: MAP }], since: '2025-03-02' } }], { rules: pdRules(), now: NOW, state: {} });
    const want = findingTable(pdRules(), local.observations);
    expect(want.length).toBeGreaterThan(20);
    expect(findingTable(pdRules(), r.observations)).toEqual(want);
    expect(bodies[0].timespan).toBe('2025-03-02T00:00:00.000Z/2025-03-05T00:00:00.000Z');
    expect(bodies[0].query).toContain('| where TimeGenerated >= datetime(2025-03-02T00:00:00.000Z)');
  });

  it('a KQL error, an unknown workspace and refused credentials are failed units', async () => {
    const run = (from: string) => collect([{ scanner: egressQueryScanner, options: { queries: [{ engine: 'sentinel', from, map: MAP }] } }], { rules: pdRules(), now: NOW, state: {} });
    expect((await run('NoSuchTable')).coverage[0].failed[0].reason).toMatch(/sentinel: .*BadArgumentError|sentinel: .*invalid properties/);
    const back = withEnv({ SENTINEL_WORKSPACE_ID: 'not-a-workspace' });
    try {
      expect((await run('ProxyLogs')).coverage[0].failed[0].reason).toMatch(/sentinel: .*Workspace not-a-workspace not found/);
    } finally {
      back();
    }
    const back2 = withEnv({ AZURE_ACCESS_TOKEN: 'expired' });
    try {
      expect((await run('ProxyLogs')).coverage[0].failed[0].reason).toMatch(/sentinel: .*insufficient access/);
    } finally {
      back2();
    }
  });
});
