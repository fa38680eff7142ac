/**
 * Microsoft Sentinel / Log Analytics through the official @azure/monitor-query-logs client,
 * against an HTTPS loopback (the SDK's bearer-token policy refuses plain http) answering the
 * Log Analytics query API as documented: `POST /v1/workspaces/{id}/query` with `{ query,
 * timespan }` → `{ tables: [{ name, columns: [{ name, type }], rows }] }`; errors as
 * `{ error: { code, message } }`; 429 with Retry-After. The loopback answers with what DuckDB
 * computes for the same window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withEnv } from './athena-loopback.js';
import { RemoteData, closeServer, listen } from './remote.js';

const TLS = join(process.cwd(), 'fixtures/cloud/tls');
const WS = '11111111-2222-3333-4444-555555555555';
const COLUMNS = [['subject', 'string'], ['host', 'string'], ['path_group', 'string'], ['sample_path', 'string'], ['failed', 'int'], ['service', 'string'], ['pattern', 'string'], ['events', 'long'], ['bytes_in', 'long'], ['first_ms', 'long'], ['last_ms', 'long'], ['days', 'long']];

describe('sentinel runner (HTTPS loopback, Log Analytics query API)', () => {
  let data: RemoteData;
  let server: Server;
  let restore: () => void;
  const bodies: Array<{ query: string; timespan?: string }> = [];
  let throttled = 1;

  beforeAll(async () => {
    data = await RemoteData.create(2000, 33);
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
        const rows = await data.answer({ from, to });
        send(200, { tables: [{ name: 'PrimaryResult', columns: COLUMNS.map(([name, type]) => ({ name, type })), rows: rows.map((r) => COLUMNS.map(([n]) => (typeof r[n] === 'bigint' ? Number(r[n]) : r[n]))) }] });
      });
    });
    restore = withEnv({ AZURE_LOG_ANALYTICS_ENDPOINT: `https://127.0.0.1:${await listen(server)}/v1`, AZURE_ACCESS_TOKEN: 'loopback-token', SHADOWSCAN_AZURE_CA_FILE: join(TLS, 'loopback.crt'), SENTINEL_WORKSPACE_ID: WS });
  });
  afterAll(async () => {
    restore();
    await closeServer(server);
    await data.close();
  });

  it('queries the workspace with the compiled KQL and the window as timespan: same findings as DuckDB', async () => {
    await data.expectSameAsDuckdb('sentinel', 'ProxyLogs', { since: '2025-03-02' });
    expect(bodies[0].timespan).toBe('2025-03-02T00:00:00.000Z/2025-03-05T00:00:00.000Z');
    expect(bodies[0].query).toContain('| where TimeGenerated >= datetime(2025-03-02T00:00:00.000Z)');
  });

  it('a KQL error, an unknown workspace and refused credentials are failed units', async () => {
    expect((await data.scan('sentinel', 'NoSuchTable')).coverage[0].failed[0].reason).toMatch(/sentinel: .*(BadArgumentError|invalid properties)/);
    for (const [env, why] of [[{ SENTINEL_WORKSPACE_ID: 'not-a-workspace' }, /sentinel: .*Workspace not-a-workspace not found/], [{ AZURE_ACCESS_TOKEN: 'expired' }, /sentinel: .*insufficient access/]] as const) {
      const back = withEnv(env as Record<string, string>);
      try {
        expect((await data.scan('sentinel', 'ProxyLogs')).coverage[0].failed[0].reason).toMatch(why);
      } finally {
        back();
      }
    }
  });
});
