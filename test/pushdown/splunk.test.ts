/**
 * Splunk through its REST export endpoint (`POST /services/search/v2/jobs/export`,
 * output_mode=json) against a loopback that answers as Splunk documents it: one JSON object per
 * line, preview results before final ones, every value a string, `messages` for errors, 401
 * without a valid token, 503 + Retry-After when the search head is busy. The loopback answers
 * with what DuckDB computes for the same window; the SPL sent is the compiled one.
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

describe('splunk runner (loopback REST export)', () => {
  const dir = tmp();
  const parquet = join(dir, 'proxy.parquet');
  const db = new DuckdbRunner({ threads: 1 });
  let server: Server;
  let restore: () => void;
  const searches: string[] = [];
  let busy = 1;

  beforeAll(async () => {
    writeFileSync(join(dir, 'proxy.csv'), proxyCsv(makeEvents(2000, 9)));
    await db.run(`COPY (SELECT * FROM read_csv('${join(dir, 'proxy.csv')}')) TO '${parquet}' (FORMAT parquet)`, new AbortController().signal);
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        if (req.headers.authorization !== 'Bearer loopback-token') {
          res.writeHead(401, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ messages: [{ type: 'WARN', text: 'call not properly authenticated' }] }));
        }
        if (req.url !== '/services/search/v2/jobs/export' || req.method !== 'POST') {
          res.writeHead(404);
          return res.end();
        }
        if (busy-- > 0) {
          res.writeHead(503, { 'retry-after': '0', 'content-type': 'application/json' });
          return res.end(JSON.stringify({ messages: [{ type: 'ERROR', text: 'Search head busy' }] }));
        }
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        const search = form.get('search') ?? '';
        searches.push(search);
        expect(form.get('output_mode')).toBe('json');
        const m = /^search (index=\w+)(?: earliest=(\d+))? latest=(\d+)\n/.exec(search);
        if (!m || m[1] !== 'index=proxy') {
          res.writeHead(400, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ messages: [{ type: 'FATAL', text: "Error in 'search' command: Unable to parse the search" }] }));
        }
        const from = m[2] ? new Date(Number(m[2]) * 1000) : undefined;
        const to = new Date(Number(m[3]) * 1000);
        const local = compileQuery(pdRules(), { target: 'duckdb', source: 'egress', from: `read_parquet('${parquet}')`, map: { ...MAP, time: 'ts' }, window: { from, to } });
        const rows = (await db.run(local.query, new AbortController().signal)).rows;
        res.writeHead(200, { 'content-type': 'application/json' });
        const str = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)]));
        // a preview of the first rows, then the final results (lastrow on the last)
        if (rows.length) res.write(JSON.stringify({ preview: true, offset: 0, result: str(rows[0]) }) + '\n');
        rows.forEach((r, i) => res.write(JSON.stringify({ preview: false, offset: i, ...(i === rows.length - 1 ? { lastrow: true } : {}), result: str(r) }) + '\n'));
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    restore = withEnv({ SPLUNK_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, SPLUNK_TOKEN: 'loopback-token' });
  });
  afterAll(async () => {
    restore();
    await new Promise((r) => server.close(r));
    await db.close();
  });

  it('exports the compiled SPL and reads the final results into the same findings as DuckDB', async () => {
    const r = await collect([{ scanner: egressQueryScanner, options: { queries: [{ engine: 'splunk', from: 'index=proxy', map: MAP }], since: '2025-03-02' } }], { rules: pdRules(), now: NOW, state: {} });
    expect(r.coverage[0].failed).toEqual([]);
    const local = await collect([{ scanner: egressQueryScanner, options: { queries: [{ engine: 'duckdb', from: `read_parquet('${parquet}')`, map: MAP }], since: '2025-03-02' } }], { rules: pdRules(), now: NOW, state: {} });
    const want = findingTable(pdRules(), local.observations);
    expect(want.length).toBeGreaterThan(20);
    expect(findingTable(pdRules(), r.observations)).toEqual(want);
    expect(searches[0]).toMatch(/^search index=proxy earliest=1740873600 latest=1741132800\n/);
  });

  it('a search error and a refused token are failed units', async () => {
    const r = await collect([{ scanner: egressQueryScanner, options: { queries: [{ engine: 'splunk', from: 'index=nope', map: MAP }] } }], { rules: pdRules(), now: NOW, state: {} });
    expect(r.coverage[0].failed[0].reason).toMatch(/splunk: HTTP 400: FATAL Error in 'search' command/);
    const back = withEnv({ SPLUNK_TOKEN: 'wrong' });
    try {
      const x = await collect([{ scanner: egressQueryScanner, options: { queries: [{ engine: 'splunk', from: 'index=proxy', map: MAP }] } }], { rules: pdRules(), now: NOW, state: {} });
      expect(x.coverage[0].failed[0].reason).toMatch(/splunk: HTTP 401: WARN call not properly authenticated/);
    } finally {
      back();
    }
  });
});
