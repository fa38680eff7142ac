/**
 * GitHub audit log API client: `GET /orgs/{org}/audit-log` or `/enterprises/{enterprise}/audit-log`
 * with `phrase=created:>=…`, `order=asc`, `include=all`, paged by `Link: rel="next"`.
 * Auth: GITHUB_TOKEN / GH_TOKEN (read:audit_log or admin:org). Honours GITHUB_API_URL (GHES).
 */
import { UsageError } from '../../src/core/errors.js';
import { linkNext, type HttpClient } from '../audit-export/lib/http.js';
import { credential } from '../audit-export/lib/pull.js';
import type { Rec } from '../audit-export/lib/util.js';

export interface GithubClientOptions {
  baseUrl: string;
  pageSize: number;
  maxPages: number;
  token?: string;
  tokenFile?: string;
  phrase?: string;
}

export function token(o: GithubClientOptions): string {
  const t = credential({ value: o.token, file: o.tokenFile, env: ['GITHUB_TOKEN', 'GH_TOKEN'] });
  if (!t) throw new UsageError('github-audit: no credentials: set GITHUB_TOKEN (scope read:audit_log)');
  return t;
}

export async function* auditPages(http: HttpClient, o: GithubClientOptions, tok: string, scope: string, since: string): AsyncGenerator<Rec[]> {
  const u = new URL(`${o.baseUrl}/${scope}/audit-log`);
  u.searchParams.set('per_page', String(o.pageSize));
  u.searchParams.set('order', 'asc');
  u.searchParams.set('include', 'all');
  u.searchParams.set('phrase', [`created:>=${since.replace(/\.\d+Z$/, 'Z')}`, o.phrase].filter(Boolean).join(' '));
  let url: string | undefined = u.toString();
  for (let page = 0; url && page < o.maxPages; page++) {
    const res = await http.json<unknown>(url, { headers: { authorization: `Bearer ${tok}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' } });
    if (!Array.isArray(res.body)) throw new Error('github-audit: malformed page: expected a JSON array of audit events');
    yield res.body as Rec[];
    url = linkNext(res.headers.get('link'));
  }
}
