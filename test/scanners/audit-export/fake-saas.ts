/**
 * One loopback HTTP server (node:http) that answers with the documented response shapes of the
 * audit APIs the live scanners read: Google Reports (`items` + `nextPageToken`), Graph
 * (`value` + `@odata.nextLink`), O365 Management Activity (content listing + `NextPageUri`,
 * content blobs), Okta (`Link: rel="next"`), GitHub (`Link: rel="next"`), Slack Audit
 * (`entries` + `response_metadata.next_cursor`), CloudTrail (JSON 1.1 `LookupEvents` +
 * `NextToken`) and S3 (ListObjectsV2 XML, GetObject). Faults are injected per path.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

type Rec = Record<string, unknown>;

export interface Fault {
  /** Matched against `METHOD /path?query` (or the X-Amz-Target for CloudTrail). */
  match: RegExp;
  kind: '429' | '500' | '401' | '404' | '400' | 'malformed' | 'slack-error' | 'corrupt-object' | 'junk-records' | 'truncated-object';
  /** How many times (default: forever). */
  times?: number;
  /** Let this many matching requests through before the fault starts (a failure mid-way). */
  skip?: number;
  retryAfter?: string;
  body?: string;
}

export interface FakeData {
  google?: Record<string, Rec[]>;
  okta?: Rec[];
  github?: Record<string, Rec[]>;
  slack?: Rec[];
  signIns?: Rec[];
  directoryAudits?: Rec[];
  servicePrincipals?: Rec[];
  grants?: Rec[];
  mgmt?: Rec[];
  cloudtrail?: Rec[];
  s3?: Record<string, Record<string, Rec[]>>;
}

export interface FakeServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

function ts(v: unknown): number {
  if (typeof v === 'number') return v < 1e11 ? v * 1000 : v;
  return Date.parse(String(v).replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(String(v)) ? '' : 'Z'));
}

export async function startFake(data: FakeData, opts: { pageSize?: number; faults?: Fault[]; token?: string } = {}): Promise<FakeServer> {
  const pageSize = opts.pageSize ?? 2;
  const faults = (opts.faults ?? []).map((f) => ({ ...f, left: f.times ?? Infinity, pass: f.skip ?? 0 }));
  const requests: string[] = [];
  let base = '';

  /** Set for one response by a 'junk-records' fault: null, a number, a string and an array join the page's records. */
  let junk = false;
  /** Set for one S3 object by a 'truncated-object' fault: the gzip arrives cut at 60 %. */
  let cut = false;
  const JUNK = [null, 42, 'x', []];
  const addJunk = (body: unknown): unknown => {
    if (Array.isArray(body)) return [...JUNK, ...body];
    if (body && typeof body === 'object') {
      const o = { ...(body as Rec) };
      for (const k of ['items', 'value', 'entries', 'Events']) if (Array.isArray(o[k])) o[k] = [...JUNK, ...(o[k] as unknown[])];
      return o;
    }
    return body;
  };
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (junk && typeof body !== 'string') body = addJunk(body);
    junk = false;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', base);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const bodyText = Buffer.concat(chunks).toString('utf8');
    const target = String(req.headers['x-amz-target'] ?? '');
    const line = `${req.method} ${u.pathname}${u.search}${target ? ` ${target}` : ''}`;
    requests.push(line);
    for (const f of faults) {
      if (f.left > 0 && f.match.test(line)) {
        if (f.pass > 0) {
          f.pass--;
          continue;
        }
        f.left--;
        if (f.kind === 'junk-records') {
          junk = true;
          break;
        }
        if (f.kind === 'truncated-object') {
          cut = true;
          break;
        }
        if (f.kind === '429') return send(res, 429, { error: 'rate limited' }, f.retryAfter ? { 'retry-after': f.retryAfter } : {});
        if (f.kind === '500') return send(res, 503, { error: 'unavailable' });
        if (f.kind === '401') return send(res, 401, { error: 'invalid_token', error_description: 'The access token expired' });
        if (f.kind === '404') return send(res, 404, { message: 'Not Found' });
        if (f.kind === '400') return send(res, 400, { message: 'Bad Request' });
        if (f.kind === 'corrupt-object') {
          // an S3 object that arrives whole but is not a CloudTrail file (damaged gzip)
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          return res.end(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]));
        }
        if (f.kind === 'slack-error') return send(res, 200, { ok: false, error: f.body ?? 'invalid_auth' });
        return send(res, 200, f.body ?? '{"items": [ {"kind": "admin#reports#activity", ');
      }
    }
    if (opts.token) {
      const auth = String(req.headers.authorization ?? '');
      if (!target && !u.pathname.startsWith('/s3/') && !auth.endsWith(` ${opts.token}`)) return send(res, 401, { error: 'unauthorized' });
    }
    const page = <T>(all: T[], offset: number) => ({ items: all.slice(offset, offset + pageSize), more: offset + pageSize < all.length, next: offset + pageSize });

    // Google Admin SDK Reports
    let m = /^\/admin\/reports\/v1\/activity\/users\/all\/applications\/([a-z_]+)$/.exec(u.pathname);
    if (m) {
      const all = data.google?.[m[1]];
      if (!all) return send(res, 400, { error: { code: 400, message: `Invalid value '${m[1]}'` } });
      const start = u.searchParams.get('startTime');
      // the API returns newest first
      const rows = all.filter((r) => !start || ts((r.id as Rec).time) >= Date.parse(start)).sort((a, b) => ts((b.id as Rec).time) - ts((a.id as Rec).time));
      const p = page(rows, Number(u.searchParams.get('pageToken') ?? 0));
      return send(res, 200, { kind: 'admin#reports#activities', items: p.items.length ? p.items : undefined, nextPageToken: p.more ? String(p.next) : undefined });
    }
    // Okta System Log
    if (u.pathname === '/api/v1/logs') {
      const since = u.searchParams.get('since');
      const rows = (data.okta ?? []).filter((r) => !since || ts(r.published) >= Date.parse(since));
      const p = page(rows, Number(u.searchParams.get('after') ?? 0));
      const next = new URL(u.toString());
      next.searchParams.set('after', String(p.more ? p.next : rows.length));
      // Okta always sends a next link; the end is an empty page
      return send(res, 200, p.items, { link: `<${u.toString()}>; rel="self", <${next.toString()}>; rel="next"` });
    }
    // GitHub audit log
    m = /^\/(orgs|enterprises)\/([^/]+)\/audit-log$/.exec(u.pathname);
    if (m) {
      const all = data.github?.[`${m[1]}/${m[2]}`];
      if (!all) return send(res, 404, { message: 'Not Found' });
      const phrase = u.searchParams.get('phrase') ?? '';
      const since = /created:>=(\S+)/.exec(phrase)?.[1];
      const rows = all.filter((r) => !since || ts(r['@timestamp'] ?? r.created_at) >= Date.parse(since));
      const p = page(rows, Number(u.searchParams.get('after') ?? 0));
      const headers: Record<string, string> = {};
      if (p.more) { const n = new URL(u.toString()); n.searchParams.set('after', String(p.next)); headers.link = `<${n.toString()}>; rel="next"`; }
      return send(res, 200, p.items, headers);
    }
    // Slack Audit Logs
    if (u.pathname === '/audit/v1/logs') {
      const action = u.searchParams.get('action');
      if (action && !/^[a-z_]+$/.test(action)) return send(res, 200, { ok: false, error: 'invalid_action' });
      const oldest = Number(u.searchParams.get('oldest') ?? 0);
      const rows = (data.slack ?? []).filter((r) => (!action || r.action === action) && Number(r.date_create) >= oldest).sort((a, b) => Number(b.date_create) - Number(a.date_create));
      const p = page(rows, Number(u.searchParams.get('cursor') ?? 0));
      return send(res, 200, { entries: p.items, response_metadata: { next_cursor: p.more ? String(p.next) : '' } });
    }
    // Microsoft Graph
    m = /^\/v1\.0\/(auditLogs\/signIns|auditLogs\/directoryAudits|servicePrincipals|oauth2PermissionGrants)$/.exec(u.pathname);
    if (m) {
      const key = { 'auditLogs/signIns': 'signIns', 'auditLogs/directoryAudits': 'directoryAudits', servicePrincipals: 'servicePrincipals', oauth2PermissionGrants: 'grants' }[m[1]] as keyof FakeData;
      const filter = u.searchParams.get('$filter') ?? '';
      const fm = /(\w+) ge (\S+)/.exec(filter);
      const rows = ((data[key] ?? []) as Rec[]).filter((r) => !fm || ts(r[fm[1]]) >= Date.parse(fm[2]));
      const skip = Number(u.searchParams.get('$skiptoken') ?? 0);
      const p = page(rows, skip);
      const body: Rec = { '@odata.context': `${base}/v1.0/$metadata#${m[1]}`, value: p.items };
      if (p.more) { const n = new URL(u.toString()); n.searchParams.set('$skiptoken', String(p.next)); body['@odata.nextLink'] = n.toString(); }
      return send(res, 200, body);
    }
    // O365 Management Activity API
    m = /^\/mgmt\/subscriptions\/(start|content)$/.exec(u.pathname);
    if (m) {
      if (m[1] === 'start') return send(res, 400, { error: { code: 'AF20024', message: 'The subscription is already enabled.' } });
      const start = Date.parse(u.searchParams.get('startTime') + 'Z');
      const end = Date.parse(u.searchParams.get('endTime') + 'Z');
      const rows = (data.mgmt ?? []).filter((r) => ts(r.CreationTime) >= start && ts(r.CreationTime) < end);
      const blobs = [];
      for (let i = 0; i < rows.length; i += pageSize) blobs.push({ contentType: 'Audit.General', contentId: `${start}-${i}`, contentUri: `${base}/mgmt/blob/${start}/${end}/${i}`, contentCreated: new Date(end).toISOString() });
      const off = Number(u.searchParams.get('nextPage') ?? 0);
      const listing = blobs.slice(off, off + 1);
      const headers: Record<string, string> = {};
      if (off + 1 < blobs.length) { const n = new URL(u.toString()); n.searchParams.set('nextPage', String(off + 1)); headers.NextPageUri = n.toString(); }
      return send(res, 200, listing, headers);
    }
    m = /^\/mgmt\/blob\/(\d+)\/(\d+)\/(\d+)$/.exec(u.pathname);
    if (m) {
      const rows = (data.mgmt ?? []).filter((r) => ts(r.CreationTime) >= Number(m![1]) && ts(r.CreationTime) < Number(m![2]));
      return send(res, 200, rows.slice(Number(m[3]), Number(m[3]) + pageSize));
    }
    // CloudTrail (awsJson1_1)
    if (target.endsWith('.LookupEvents')) {
      const q = JSON.parse(bodyText || '{}') as Rec;
      const src = ((q.LookupAttributes as Rec[] | undefined)?.[0]?.AttributeValue as string | undefined)?.toLowerCase();
      const start = q.StartTime !== undefined ? ts(q.StartTime) : 0;
      const rows = (data.cloudtrail ?? []).filter((r) => (!src || String(r.eventSource).toLowerCase() === src) && ts(r.eventTime) >= start)
        .sort((a, b) => ts(b.eventTime) - ts(a.eventTime));
      const p = page(rows, Number(q.NextToken ?? 0));
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      return res.end(JSON.stringify({
        Events: p.items.map((r) => ({ EventId: r.eventID, EventName: r.eventName, EventSource: r.eventSource, EventTime: ts(r.eventTime) / 1000, Username: (r.userIdentity as Rec | undefined)?.userName, CloudTrailEvent: JSON.stringify(r) })),
        NextToken: p.more ? String(p.next) : undefined,
      }));
    }
    // S3 (path style under /s3 when the endpoint is `${url}/s3`, or at the root)
    const s3path = u.pathname.replace(/^\/s3/, '');
    m = /^\/([^/]+)\/?(.*)$/.exec(s3path);
    if (m && data.s3) {
      const bucket = data.s3[m[1]];
      if (!bucket) { res.writeHead(404, { 'content-type': 'application/xml' }); return res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>${m[1]}</BucketName></Error>`); }
      if (!m[2] && u.searchParams.get('list-type') === '2') {
        const prefix = u.searchParams.get('prefix') ?? '';
        const after = u.searchParams.get('start-after') ?? '';
        const keys = Object.keys(bucket).filter((k) => k.startsWith(prefix) && k > after).sort();
        res.writeHead(200, { 'content-type': 'application/xml' });
        return res.end(`<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${m[1]}</Name><Prefix>${prefix}</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${keys.map((k) => `<Contents><Key>${k}</Key><Size>100</Size><StorageClass>STANDARD</StorageClass></Contents>`).join('')}</ListBucketResult>`);
      }
      const recs = bucket[decodeURIComponent(m[2])];
      if (!recs) { res.writeHead(404, { 'content-type': 'application/xml' }); return res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>missing</Message></Error>'); }
      let gz = gzipSync(JSON.stringify({ Records: recs }));
      if (cut) gz = gz.subarray(0, Math.floor(gz.length * 0.6));
      cut = false;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(gz.length) });
      return res.end(gz);
    }
    send(res, 404, { message: `no route ${line}` });
  };

  const server = createServer((req, res) => { handler(req, res).catch((e) => { res.writeHead(500); res.end(String(e)); }); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
