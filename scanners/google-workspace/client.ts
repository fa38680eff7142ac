/**
 * Admin SDK Reports API client: `activities.list` per application, paged by `nextPageToken`.
 * Auth: a bearer token (option / file / GOOGLE_WORKSPACE_ACCESS_TOKEN), else a service account
 * with domain-wide delegation through google-auth-library's default chain
 * (GOOGLE_APPLICATION_CREDENTIALS) impersonating an admin (`adminEmail` / GOOGLE_WORKSPACE_ADMIN_EMAIL).
 */
import { UsageError } from '../../src/core/errors.js';
import type { HttpClient } from '../audit-export/lib/http.js';
import { credential } from '../audit-export/lib/pull.js';
import type { Rec } from '../audit-export/lib/util.js';

export const REPORTS_SCOPE = 'https://www.googleapis.com/auth/admin.reports.audit.readonly';

export interface ReportsClientOptions {
  baseUrl: string;
  customerId?: string;
  pageSize: number;
  maxPages: number;
  accessToken?: string;
  accessTokenFile?: string;
  adminEmail?: string;
  keyFile?: string;
}

export async function accessToken(o: ReportsClientOptions): Promise<string> {
  const t = credential({ value: o.accessToken, file: o.accessTokenFile, env: ['GOOGLE_WORKSPACE_ACCESS_TOKEN'] });
  if (t) return t;
  const subject = o.adminEmail ?? process.env.GOOGLE_WORKSPACE_ADMIN_EMAIL;
  if (!subject) throw new UsageError('google-workspace: no credentials: set GOOGLE_WORKSPACE_ACCESS_TOKEN, or a service account (GOOGLE_APPLICATION_CREDENTIALS) with domain-wide delegation and adminEmail / GOOGLE_WORKSPACE_ADMIN_EMAIL');
  const { GoogleAuth } = await import('google-auth-library');
  const auth = new GoogleAuth({ keyFile: o.keyFile, scopes: [REPORTS_SCOPE], clientOptions: { subject } });
  const client = await auth.getClient();
  const tok = await client.getAccessToken();
  if (!tok.token) throw new UsageError('google-workspace: the service account returned no access token');
  return tok.token;
}

export async function* activityPages(http: HttpClient, o: ReportsClientOptions, token: string, application: string, startTime: string, endTime: string): AsyncGenerator<Rec[]> {
  let pageToken: string | undefined;
  for (let page = 0; page < o.maxPages; page++) {
    const u = new URL(`${o.baseUrl}/admin/reports/v1/activity/users/all/applications/${encodeURIComponent(application)}`);
    u.searchParams.set('maxResults', String(o.pageSize));
    u.searchParams.set('startTime', startTime);
    u.searchParams.set('endTime', endTime);
    if (o.customerId) u.searchParams.set('customerId', o.customerId);
    if (pageToken) u.searchParams.set('pageToken', pageToken);
    const res = await http.json<Rec>(u.toString(), { headers: { authorization: `Bearer ${token}` } });
    const body = res.body;
    if (!body || typeof body !== 'object' || (body.items !== undefined && !Array.isArray(body.items))) throw new Error(`google-workspace: malformed page for ${application}: expected { items: [...] }`);
    yield (body.items as Rec[] | undefined) ?? [];
    pageToken = typeof body.nextPageToken === 'string' && body.nextPageToken ? body.nextPageToken : undefined;
    if (!pageToken) return;
  }
}
