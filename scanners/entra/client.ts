/**
 * Microsoft Graph and Office 365 Management Activity API clients.
 * Graph: `auditLogs/signIns`, `auditLogs/directoryAudits` (filtered by time), `servicePrincipals`,
 * `oauth2PermissionGrants`, paged by `@odata.nextLink`.
 * O365 Management Activity API: `subscriptions/start`, `subscriptions/content` (≤ 24 h windows,
 * paged by the `NextPageUri` header), then each content blob (a JSON array of records).
 * Auth: ENTRA_ACCESS_TOKEN / O365_MGMT_ACCESS_TOKEN, else @azure/identity's DefaultAzureCredential
 * (AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET or certificate, managed identity, CLI).
 */
import type { HttpClient } from '../audit-export/lib/http.js';
import { credential } from '../audit-export/lib/pull.js';
import type { Rec } from '../audit-export/lib/util.js';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const MGMT_SCOPE = 'https://manage.office.com/.default';

export async function tokenFor(scope: string, envNames: string[], value?: string, file?: string): Promise<string> {
  const t = credential({ value, file, env: envNames });
  if (t) return t;
  const { DefaultAzureCredential } = await import('@azure/identity');
  const tok = await new DefaultAzureCredential().getToken(scope);
  if (!tok?.token) throw new Error(`entra: no access token for ${scope}`);
  return tok.token;
}

export async function* graphPages(http: HttpClient, firstUrl: string, token: string, maxPages: number): AsyncGenerator<Rec[]> {
  let url: string | undefined = firstUrl;
  for (let page = 0; url && page < maxPages; page++) {
    const res: { body: Rec } = await http.json<Rec>(url, { headers: { authorization: `Bearer ${token}` } });
    const b: Rec = res.body;
    if (!b || typeof b !== 'object' || !Array.isArray(b.value)) throw new Error('entra: malformed Graph page: expected { value: [...] }');
    yield b.value as Rec[];
    const next: unknown = b["@odata.nextLink"];
    url = typeof next === 'string' && next ? next : undefined;
  }
}

export function graphUrl(base: string, path: string, params: Record<string, string>): string {
  const u = new URL(`${base}/${path}`);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** Management Activity API: records of one content type between `since` and `until`. */
export async function* mgmtPages(http: HttpClient, base: string, token: string, contentType: string, since: string, until: string, maxPages: number): AsyncGenerator<Rec[]> {
  const headers = { authorization: `Bearer ${token}` };
  // starting an already started subscription answers 400 AF20024: fine
  await http.json(`${base}/subscriptions/start?contentType=${encodeURIComponent(contentType)}`, { method: 'POST', headers, okStatuses: [400] });
  let pages = 0;
  const sinceMs = Math.max(Date.parse(since), Date.parse(until) - 7 * 86_400_000 + 60_000);
  for (let from = sinceMs; from < Date.parse(until) && pages < maxPages; from += 86_400_000) {
    const to = Math.min(from + 86_400_000, Date.parse(until));
    let url: string | undefined = `${base}/subscriptions/content?contentType=${encodeURIComponent(contentType)}&startTime=${iso(from)}&endTime=${iso(to)}`;
    while (url && pages < maxPages) {
      const res: { body: unknown; headers: Headers } = await http.json<unknown>(url, { headers });
      pages++;
      if (!Array.isArray(res.body)) throw new Error('entra: malformed content listing: expected a JSON array');
      for (const blob of res.body as Rec[]) {
        const uri = typeof blob.contentUri === 'string' ? blob.contentUri : undefined;
        if (!uri) continue;
        const c = await http.json<unknown>(uri, { headers });
        if (!Array.isArray(c.body)) throw new Error('entra: malformed content blob: expected a JSON array of records');
        yield c.body as Rec[];
      }
      url = res.headers.get('nextpageuri') ?? undefined;
    }
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '');
}
