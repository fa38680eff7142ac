/**
 * BigQuery through the official @google-cloud/bigquery client against a loopback answering the
 * BigQuery REST API v2 as documented: `jobs.insert` (POST /projects/{p}/jobs) → a job resource;
 * `jobs.getQueryResults` (GET /projects/{p}/queries/{jobId}) → `jobComplete: false` first, then
 * `schema` + `rows: [{ f: [{ v }] }]` paged by `pageToken`; `jobs.get` → statistics with
 * totalBytesProcessed; errors as `{ error: { code, message, errors: [{ reason }] } }`. The query
 * must parse as GoogleSQL; the loopback answers with what DuckDB computes for the same window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import pkg from 'node-sql-parser';
import { withEnv } from './athena-loopback.js';
import { RemoteData, closeServer, listen } from './remote.js';

const FIELDS = [['subject', 'STRING'], ['host', 'STRING'], ['path_group', 'STRING'], ['sample_path', 'STRING'], ['failed', 'INTEGER'], ['service', 'STRING'], ['pattern', 'STRING'], ['events', 'INTEGER'], ['bytes_out', 'INTEGER'], ['bytes_in', 'INTEGER'], ['first_ms', 'INTEGER'], ['last_ms', 'INTEGER'], ['days', 'INTEGER']];
const PAGE = 9;

describe('bigquery runner (loopback REST v2)', () => {
  let data: RemoteData;
  let server: Server;
  let restore: () => void;
  const jobs = new Map<string, { rows: Array<Record<string, unknown>>; polls: number; error?: string }>();
  const calls: string[] = [];

  beforeAll(async () => {
    data = await RemoteData.create(2000, 55);
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
          res.end(JSON.stringify(body));
        };
        const fail = (code: number, reason: string, message: string) => send(code, { error: { code, message, errors: [{ message, domain: 'global', reason }], status: code === 400 ? 'INVALID_ARGUMENT' : code === 403 ? 'PERMISSION_DENIED' : 'NOT_FOUND' } });
        if (req.headers.authorization !== 'Bearer loopback-token') return fail(401, 'authError', 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
        const url = new URL(req.url ?? '/', 'http://x');
        calls.push(`${req.method} ${url.pathname}`);
        let m = /^\/bigquery\/v2\/projects\/([^/]+)\/jobs$/.exec(url.pathname);
        if (m && req.method === 'POST') {
          if (m[1] !== 'acme-sec') return fail(403, 'accessDenied', `Access Denied: Project ${m[1]}: User does not have bigquery.jobs.create permission in project ${m[1]}.`);
          const body = JSON.parse(Buffer.concat(chunks).toString()) as { jobReference?: { jobId?: string }; configuration: { query: { query: string; useLegacySql: boolean } } };
          const q = body.configuration.query.query;
          new pkg.Parser().astify(q, { database: 'bigquery' }); // throws when not GoogleSQL
          const jobId = body.jobReference?.jobId ?? `job_${jobs.size + 1}`;
          const table = /FROM (`[^`]+`) AS src/.exec(q)?.[1];
          const lits = [...q.matchAll(/TIMESTAMP '([^']+) UTC'/g)].map((x) => new Date(x[1].replace(' ', 'T') + 'Z'));
          if (table !== '`acme.logs.proxy`') jobs.set(jobId, { rows: [], polls: 0, error: `Not found: Table acme:logs.${table} was not found in location US` });
          else jobs.set(jobId, { rows: await data.answer({ from: lits.length === 2 ? lits[0] : undefined, to: lits[lits.length - 1] }), polls: 0 });
          return send(200, { kind: 'bigquery#job', id: `acme-sec:US.${jobId}`, jobReference: { projectId: 'acme-sec', jobId, location: 'US' }, status: { state: 'RUNNING' }, configuration: body.configuration, statistics: { creationTime: '1741132800000', startTime: '1741132800100' } });
        }
        m = /^\/bigquery\/v2\/projects\/acme-sec\/queries\/([^/]+)$/.exec(url.pathname);
        if (m && req.method === 'GET') {
          const job = jobs.get(m[1]);
          if (!job) return fail(404, 'notFound', `Not found: Job acme-sec:US.${m[1]}`);
          if (job.error) return fail(404, 'notFound', job.error);
          if (job.polls++ === 0) return send(200, { kind: 'bigquery#getQueryResultsResponse', jobReference: { projectId: 'acme-sec', jobId: m[1], location: 'US' }, jobComplete: false });
          const start = Number(url.searchParams.get('pageToken') ?? 0);
          const page = job.rows.slice(start, start + PAGE);
          const cell = (v: unknown) => ({ v: v === null || v === undefined ? null : String(v) });
          return send(200, {
            kind: 'bigquery#getQueryResultsResponse', jobReference: { projectId: 'acme-sec', jobId: m[1], location: 'US' }, jobComplete: true, totalRows: String(job.rows.length),
            schema: { fields: FIELDS.map(([name, type]) => ({ name, type, mode: 'NULLABLE' })) },
            rows: page.map((r) => ({ f: FIELDS.map(([n]) => cell(r[n])) })),
            ...(start + PAGE < job.rows.length ? { pageToken: String(start + PAGE) } : {}),
          });
        }
        m = /^\/bigquery\/v2\/projects\/acme-sec\/jobs\/([^/]+)$/.exec(url.pathname);
        if (m && req.method === 'GET') return send(200, { kind: 'bigquery#job', jobReference: { projectId: 'acme-sec', jobId: m[1], location: 'US' }, status: { state: 'DONE' }, statistics: { creationTime: '1741132800000', startTime: '1741132800100', endTime: '1741132801600', totalBytesProcessed: '169869312', query: { totalBytesProcessed: '169869312', totalBytesBilled: '170917888', cacheHit: false } } });
        return fail(404, 'notFound', `${req.method} ${url.pathname}`);
      });
    });
    restore = withEnv({ SHADOWSCAN_BIGQUERY_ENDPOINT: `http://127.0.0.1:${await listen(server)}`, GOOGLE_OAUTH_ACCESS_TOKEN: 'loopback-token', BIGQUERY_PROJECT: 'acme-sec' });
  });
  afterAll(async () => {
    restore();
    await closeServer(server);
    await data.close();
  });

  it('inserts the job, polls and pages its results, reads its statistics: same findings as DuckDB', async () => {
    const r = await data.expectSameAsDuckdb('bigquery', '`acme.logs.proxy`', { since: '2025-03-02' });
    expect(r.coverage[0].stats.bytesScanned).toBe(169869312);
    expect(r.coverage[0].stats.engineMs).toBe(1500);
    expect(calls.filter((c) => c.includes('/queries/')).length).toBeGreaterThan(3); // not complete once, then pages
  });

  it('a missing table, a project without permission and refused credentials are failed units', async () => {
    expect((await data.scan('bigquery', '`acme.logs.nope`')).coverage[0].failed[0].reason).toMatch(/bigquery: .*Not found: Table/);
    for (const [env, why] of [[{ BIGQUERY_PROJECT: 'other' }, /bigquery: .*Access Denied: Project other/], [{ GOOGLE_OAUTH_ACCESS_TOKEN: 'expired' }, /bigquery: .*invalid authentication credentials/]] as const) {
      const back = withEnv(env as Record<string, string>);
      try {
        expect((await data.scan('bigquery', '`acme.logs.proxy`')).coverage[0].failed[0].reason).toMatch(why);
      } finally {
        back();
      }
    }
  });
});
