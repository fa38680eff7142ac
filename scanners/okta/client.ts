/**
 * Okta System Log API client: `GET /api/v1/logs?since=…&until=…&sortOrder=ASCENDING`, paged by
 * `Link: <…>; rel="next"`. Auth: API token (`SSWS`, OKTA_API_TOKEN) or OAuth access token
 * (`Bearer`, OKTA_ACCESS_TOKEN).
 */
import { UsageError } from '../../src/core/errors.js';
import { linkNext, type HttpClient } from '../audit-export/lib/http.js';
import { credential } from '../audit-export/lib/pull.js';
import type { Rec } from '../audit-export/lib/util.js';

export interface OktaClientOptions {
  baseUrl: string;
  filter?: string;
  pageSize: number;
  maxPages: number;
  apiToken?: string;
  apiTokenFile?: string;
}

export function authHeader(o: OktaClientOptions): string {
  const ssws = credential({ value: o.apiToken, file: o.apiTokenFile, env: ['OKTA_API_TOKEN'] });
  if (ssws) return `SSWS ${ssws}`;
  const bearer = credential({ env: ['OKTA_ACCESS_TOKEN'] });
  if (bearer) return `Bearer ${bearer}`;
  throw new UsageError('okta: no credentials: set OKTA_API_TOKEN (or OKTA_ACCESS_TOKEN for an OAuth service app)');
}

export async function* logPages(http: HttpClient, o: OktaClientOptions, auth: string, since: string, until: string): AsyncGenerator<Rec[]> {
  const u = new URL(`${o.baseUrl}/api/v1/logs`);
  u.searchParams.set('since', since);
  u.searchParams.set('until', until);
  u.searchParams.set('sortOrder', 'ASCENDING');
  u.searchParams.set('limit', String(o.pageSize));
  if (o.filter) u.searchParams.set('filter', o.filter);
  let url: string | undefined = u.toString();
  let prev: string | undefined;
  for (let page = 0; url && page < o.maxPages; page++) {
    const res = await http.json<unknown>(url, { headers: { authorization: auth } });
    if (!Array.isArray(res.body)) throw new Error('okta: malformed page: expected a JSON array of log events');
    yield res.body as Rec[];
    prev = url;
    url = linkNext(res.headers.get('link'));
    // a bounded query ends with an empty page; a polling link to the same place ends it too
    if (!res.body.length || url === prev) return;
  }
}
