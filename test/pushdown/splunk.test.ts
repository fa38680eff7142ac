/**
 * Splunk through its REST export endpoint (`POST /services/search/v2/jobs/export`,
 * output_mode=json) against a loopback that answers as Splunk documents it: one JSON object per
 * line, preview results before final ones, every value a string, `messages` for errors, 401
 * without a valid token, 503 + Retry-After when the search head is busy. The loopback answers
 * with what DuckDB computes for the same window; the SPL sent is the compiled one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { withEnv } from './athena-loopback.js';
import { RemoteData, closeServer, listen } from './remote.js';

describe('splunk runner (loopback REST export)', () => {
  let data: RemoteData;
  let server: Server;
  let restore: () => void;
  const searches: string[] = [];
  let busy = 1;

  beforeAll(async () => {
    data = await RemoteData.create(2000, 9);
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(body));
        };
        if (req.headers.authorization !== 'Bearer loopback-token') return json(401, { messages: [{ type: 'WARN', text: 'call not properly authenticated' }] });
        if (req.url !== '/services/search/v2/jobs/export' || req.method !== 'POST') return json(404, { messages: [{ type: 'ERROR', text: 'Not Found' }] });
        if (busy-- > 0) return json(503, { messages: [{ type: 'ERROR', text: 'Search head busy' }] }, { 'retry-after': '0' });
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        const search = form.get('search') ?? '';
        searches.push(search);
        const m = /^search (index=\w+)(?: earliest=(\d+))? latest=(\d+)\n/.exec(search);
        if (form.get('output_mode') !== 'json' || !m || m[1] !== 'index=proxy') return json(400, { messages: [{ type: 'FATAL', text: "Error in 'search' command: Unable to parse the search" }] });
        const rows = await data.answer({ from: m[2] ? new Date(Number(m[2]) * 1000) : undefined, to: new Date(Number(m[3]) * 1000) });
        res.writeHead(200, { 'content-type': 'application/json' });
        const str = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)]));
        // a preview of the first rows, then the final results (lastrow on the last)
        if (rows.length) res.write(JSON.stringify({ preview: true, offset: 0, result: str(rows[0]) }) + '\n');
        rows.forEach((r, i) => res.write(JSON.stringify({ preview: false, offset: i, ...(i === rows.length - 1 ? { lastrow: true } : {}), result: str(r) }) + '\n'));
        res.end();
      });
    });
    restore = withEnv({ SPLUNK_URL: `http://127.0.0.1:${await listen(server)}`, SPLUNK_TOKEN: 'loopback-token' });
  });
  afterAll(async () => {
    restore();
    await closeServer(server);
    await data.close();
  });

  it('exports the compiled SPL and reads the final results into the same findings as DuckDB', async () => {
    await data.expectSameAsDuckdb('splunk', 'index=proxy', { since: '2025-03-02' });
    expect(searches[0]).toMatch(/^search index=proxy earliest=1740873600 latest=1741132800\n/);
  });

  it('a search error and a refused token are failed units', async () => {
    expect((await data.scan('splunk', 'index=nope')).coverage[0].failed[0].reason).toMatch(/splunk: HTTP 400: FATAL Error in 'search' command/);
    const back = withEnv({ SPLUNK_TOKEN: 'wrong' });
    try {
      expect((await data.scan('splunk', 'index=proxy')).coverage[0].failed[0].reason).toMatch(/splunk: HTTP 401: WARN call not properly authenticated/);
    } finally {
      back();
    }
  });
});
