/**
 * A loopback Cloud Asset Inventory (`v1/{scope}:searchAllResources`) for tests and the demo:
 * paging by nextPageToken, asset-type filtering, 429 with Retry-After, 403 PERMISSION_DENIED
 * and 401 UNAUTHENTICATED per scope.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GcpEstate {
  /** scope (projects/ID, organizations/ID) → ResourceSearchResult list */
  scopes: Record<string, Array<Record<string, unknown>>>;
  /** Asset types searchAllResources accepts (default: any); others answer 400 INVALID_ARGUMENT "Unsupported asset type". */
  searchableTypes?: string[];
  /** Answer every record of the scope, whatever assetTypes asks (a proxy or a changed API). */
  ignoreTypeFilter?: boolean;
  faults?: { latencyMs?: number; throttleFirst?: number; denied?: string[]; expired?: string[]; pageSize?: number };
}

export interface GcpLoopback {
  url: string;
  env: Record<string, string>;
  stats: { requests: number; throttled: number };
  close(): Promise<void>;
}

export async function startGcpLoopback(estate: GcpEstate): Promise<GcpLoopback> {
  const f = estate.faults ?? {};
  const stats = { requests: 0, throttled: 0 };
  const seen = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    stats.requests++;
    if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const err = (code: number, status: string, message: string, headers: Record<string, string> = {}) => send(code, { error: { code, message, status } }, headers);
    if (!String(req.headers.authorization ?? '').startsWith('Bearer ')) return err(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential.');
    const m = /^\/v1\/(.+):searchAllResources$/.exec(url.pathname);
    if (!m) return err(404, 'NOT_FOUND', `loopback: no route ${url.pathname}`);
    const scope = decodeURIComponent(m[1]);
    const n = seen.get(url.search) ?? 0;
    seen.set(url.search, n + 1);
    if (f.throttleFirst && n < f.throttleFirst) {
      stats.throttled++;
      return err(429, 'RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'Search requests' and limit 'Search requests per minute'.", { 'retry-after': '0' });
    }
    if (f.expired?.includes(scope)) return err(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
    if (f.denied?.includes(scope) || !estate.scopes[scope]) return err(403, 'PERMISSION_DENIED', `The caller does not have permission to access ${scope}.`);
    const types = url.searchParams.getAll('assetTypes');
    const refused = estate.searchableTypes ? types.find((t) => !estate.searchableTypes!.includes(t)) : undefined;
    if (refused) return err(400, 'INVALID_ARGUMENT', `Unsupported asset type: ${refused}. See https://cloud.google.com/asset-inventory/docs/supported-asset-types#searchable_asset_types for supported asset types.`);
    const items = estate.scopes[scope].filter((r) => estate.ignoreTypeFilter || !types.length || types.includes(String(r.assetType)));
    const start = Number(url.searchParams.get('pageToken') || 0);
    const size = Math.min(Number(url.searchParams.get('pageSize') || 500), f.pageSize ?? 500);
    const results = items.slice(start, start + size);
    send(200, { results, ...(start + size < items.length ? { nextPageToken: String(start + size) } : {}) });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    env: { SHADOWSCAN_GCP_ASSET_ENDPOINT: url, GOOGLE_OAUTH_ACCESS_TOKEN: 'loopback-token' },
    stats,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
