/**
 * A loopback Azure Resource Manager for tests, the benchmark and the demo: an HTTPS server on
 * 127.0.0.1 (the SDK's bearer-token policy refuses plain http) answering ARM JSON with
 * `nextLink` paging — subscriptions, resources (with `$filter=resourceType eq …`) and
 * Cognitive Services deployments — plus ARM's generic contract: a provider's resource types with
 * their API versions (`GET /subscriptions/{s}/providers/{ns}`), any resource by id and any child
 * collection (`{parent id}/{child}`), both requiring `api-version` — and injected faults
 * (AuthorizationFailed, expired token, 429 throttling with Retry-After, resources deleted after the
 * listing, a child collection answering 404). Data-driven by an `AzureEstate`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LOOPBACK_TLS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/cloud/tls');

export interface AzureSubscriptionEstate {
  displayName?: string;
  state?: string;
  /**
   * ARM resources (id, name, type, kind, location, tags, sku, createdTime …), nested ones included
   * (their id under the parent's). `listed: false` marks a proxy child resource that the generic
   * `resources.list` does not return: only its parent's child collection does.
   */
  resources: Array<Record<string, any>>;
  /** Deployments keyed by the account's resource id (case-insensitive). */
  deployments?: Record<string, Array<Record<string, any>>>;
}

export interface AzureFaults {
  latencyMs?: number;
  throttleRate?: number;
  /** The first N requests per path are throttled. */
  throttleFirst?: number;
  /** Subscriptions answering 403 AuthorizationFailed. */
  denied?: string[];
  /** Subscriptions answering 401 ExpiredAuthenticationToken. */
  expired?: string[];
  /** Account resource ids whose deployments listing answers 403 AuthorizationFailed. */
  deniedDeployments?: string[];
  /** Account resource ids deleted between the resource listing and the deployments listing (404 ResourceNotFound). */
  vanishedAccounts?: string[];
  /** Resource ids deleted after the listing: a direct read and their child collections answer 404. */
  vanished?: string[];
  /** Child collections (`{parent id}/{child}`) answering 404 although the parent exists (a transient or regional fault). */
  childNotFound?: string[];
  /** `resources.list` answers 400 InvalidFilterInQueryString when its filter names a nested type. */
  rejectNestedFilter?: boolean;
  /** The subscription list itself fails (401). */
  listExpired?: boolean;
  pageSize?: number;
  seed?: number;
}

export interface AzureEstate {
  tenantId?: string;
  /** API versions per resource type (lower-case `ns/type[/child]`); default: a stable and a preview version. */
  apiVersions?: Record<string, string[]>;
  subscriptions: Record<string, AzureSubscriptionEstate>;
  faults?: AzureFaults;
}

export interface AzureLoopback {
  url: string;
  /** PEM of the loopback certificate (trust it through the scanner's caFile option). */
  caFile: string;
  env: Record<string, string>;
  stats: { requests: number; throttled: number; authorized: number; /** every request's path and query, in order */ urls: string[] };
  close(): Promise<void>;
}

/**
 * Resource types of some providers as `GET /subscriptions/{s}/providers/{ns}` lists them (the ARM
 * template reference of each provider), so the loopback answers like ARM whatever an estate
 * holds; other namespaces list the types found in the estate.
 */
const PROVIDER_TYPES: Record<string, string[]> = {
  'microsoft.cognitiveservices': ['accounts', 'accounts/commitmentPlans', 'accounts/connections', 'accounts/defenderForAISettings', 'accounts/deployments', 'accounts/encryptionScopes', 'accounts/privateEndpointConnections', 'accounts/projects', 'accounts/raiBlocklists', 'accounts/raiPolicies'],
  'microsoft.machinelearningservices': ['registries', 'registries/models', 'workspaces', 'workspaces/batchEndpoints', 'workspaces/batchEndpoints/deployments', 'workspaces/computes', 'workspaces/connections', 'workspaces/datastores', 'workspaces/onlineEndpoints', 'workspaces/onlineEndpoints/deployments', 'workspaces/serverlessEndpoints'],
  'microsoft.botservice': ['botServices', 'botServices/channels', 'botServices/connections'],
  'microsoft.search': ['searchServices', 'searchServices/sharedPrivateLinkResources'],
};

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startAzureLoopback(estate: AzureEstate): Promise<AzureLoopback> {
  const faults = estate.faults ?? {};
  const rnd = rng(faults.seed ?? 42);
  const stats = { requests: 0, throttled: 0, authorized: 0, urls: [] as string[] };
  const perPath = new Map<string, number>();
  let base = '';

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': '00000000-0000-0000-0000-000000000000', ...headers });
    res.end(JSON.stringify(body));
  }
  function armError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
    send(res, status, { error: { code, message } }, headers);
  }

  function paged(url: URL, items: unknown[]): { value: unknown[]; nextLink?: string } {
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
    const size = faults.pageSize ?? 1000;
    const value = items.slice(skip, skip + size);
    if (skip + size >= items.length) return { value };
    const next = new URL(url.toString());
    next.searchParams.set('$skiptoken', String(skip + size));
    return { value, nextLink: `${base}${next.pathname}${next.search}` };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'https://x');
    stats.urls.push(`${url.pathname}${url.search}`);
    if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const auth = String(req.headers.authorization ?? '');
    if (!auth.startsWith('Bearer ')) return armError(res, 401, 'AuthenticationFailed', 'Authentication failed. The Authorization header is missing.');
    stats.authorized++;
    const key = url.pathname.toLowerCase();
    const n = perPath.get(key) ?? 0;
    perPath.set(key, n + 1);
    if ((faults.throttleFirst && n < faults.throttleFirst) || (faults.throttleRate && rnd() < faults.throttleRate)) {
      stats.throttled++;
      return armError(res, 429, 'TooManyRequests', 'The request is being throttled.', { 'retry-after': '0' });
    }
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0]?.toLowerCase() !== 'subscriptions') return armError(res, 404, 'NotFound', `loopback: no route ${url.pathname}`);
    if (parts.length === 1) {
      if (faults.listExpired) return armError(res, 401, 'ExpiredAuthenticationToken', 'The access token expiry UTC time is earlier than current UTC time.');
      const subs = Object.entries(estate.subscriptions).map(([id, s]) => ({
        id: `/subscriptions/${id}`,
        subscriptionId: id,
        tenantId: estate.tenantId ?? '72f988bf-0000-0000-0000-000000000000',
        displayName: s.displayName ?? id,
        state: s.state ?? 'Enabled',
        subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
        authorizationSource: 'RoleBased',
      }));
      return send(res, 200, paged(url, subs));
    }
    const subId = parts[1];
    const sub = Object.entries(estate.subscriptions).find(([id]) => id.toLowerCase() === subId.toLowerCase())?.[1];
    if (!sub) return armError(res, 404, 'SubscriptionNotFound', `The subscription '${subId}' could not be found.`);
    if (faults.expired?.includes(subId)) return armError(res, 401, 'ExpiredAuthenticationToken', 'The access token expiry UTC time is earlier than current UTC time.');
    if (faults.denied?.includes(subId))
      return armError(res, 403, 'AuthorizationFailed', `The client 'scanner' with object id '0000' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resources/read' over scope '/subscriptions/${subId}' or the scope is invalid.`);
    if (parts.length === 3 && parts[2].toLowerCase() === 'resources') {
      const filter = url.searchParams.get('$filter') ?? '';
      const types = [...filter.matchAll(/resourceType eq '([^']+)'/gi)].map((m) => m[1].toLowerCase());
      if (faults.rejectNestedFilter && types.some((t) => t.split('/').length > 2))
        return armError(res, 400, 'InvalidFilterInQueryString', `Invalid $filter '${filter.slice(0, 80)}…' specified in the query string.`);
      const expand = (url.searchParams.get('$expand') ?? '').split(',');
      const items = sub.resources
        .filter((r) => r.listed !== false)
        .filter((r) => !types.length || types.includes(String(r.type).toLowerCase()))
        .map((r) => {
          const { createdTime, changedTime, properties, listed, ...rest } = r;
          return { ...rest, ...(expand.includes('createdTime') && createdTime ? { createdTime } : {}), ...(expand.includes('changedTime') && changedTime ? { changedTime } : {}) };
        });
      return send(res, 200, paged(url, items));
    }
    const has = (list: string[] | undefined, id: string) => !!list?.some((d) => d.toLowerCase() === id.toLowerCase());
    const gone = (id: string) => has(faults.vanished, id) || has(faults.vanishedAccounts, id);
    const exists = (id: string) => !gone(id) && sub.resources.some((r) => String(r.id).toLowerCase() === id.toLowerCase());
    const notFound = (id: string) => armError(res, 404, 'ResourceNotFound', `The Resource '${id.split('/').slice(-2).join('/')}' under resource group '${id.split('/')[4] ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
    // /subscriptions/{s}/providers/{namespace}: the provider's resource types and their API versions
    if (parts.length === 4 && parts[2].toLowerCase() === 'providers') {
      const ns = parts[3];
      const known = new Set<string>(PROVIDER_TYPES[ns.toLowerCase()] ?? []);
      for (const r of sub.resources) if (String(r.type).toLowerCase().startsWith(ns.toLowerCase() + '/')) known.add(String(r.type).split('/').slice(1).join('/'));
      for (const k of Object.keys(sub.deployments ?? {})) if (k.toLowerCase().includes(`/providers/${ns.toLowerCase()}/`)) known.add('accounts/deployments');
      for (const t of Object.keys(estate.apiVersions ?? {})) if (t.startsWith(ns.toLowerCase() + '/')) known.add(t.split('/').slice(1).join('/'));
      const resourceTypes = [...known].sort().map((t) => ({
        resourceType: t,
        locations: ['East US', 'West Europe', 'Sweden Central'],
        apiVersions: estate.apiVersions?.[`${ns}/${t}`.toLowerCase()] ?? ['2025-07-01-preview', '2024-10-01', '2023-05-01'],
        capabilities: 'None',
      }));
      return send(res, 200, { id: `/subscriptions/${subId}/providers/${ns}`, namespace: ns, registrationState: 'Registered', registrationPolicy: 'RegistrationRequired', resourceTypes });
    }
    // /subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{child}/{name}…]: a resource, or a child collection
    if (parts.length >= 8 && parts[2].toLowerCase() === 'resourcegroups' && parts[4].toLowerCase() === 'providers') {
      if (!url.searchParams.get('api-version')) return armError(res, 400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
      const path = '/' + parts.join('/');
      if ((parts.length - 6) % 2 === 0) {
        // a resource by id
        const r = sub.resources.find((x) => String(x.id).toLowerCase() === path.toLowerCase());
        if (!r || gone(path)) return notFound(path);
        const { listed, createdTime, changedTime, ...rest } = r;
        return send(res, 200, { ...rest, ...(createdTime ? { systemData: { createdAt: createdTime } } : {}) });
      }
      const parentId = '/' + parts.slice(0, -1).join('/');
      const child = parts[parts.length - 1].toLowerCase();
      if (!exists(parentId) || has(faults.childNotFound, path)) return notFound(parentId);
      if (child === 'deployments' && has(faults.deniedDeployments, parentId))
        return armError(res, 403, 'AuthorizationFailed', `The client 'scanner' with object id '0000' does not have authorization to perform action 'Microsoft.CognitiveServices/accounts/deployments/read' over scope '${parentId}' or the scope is invalid.`);
      const found = child === 'deployments' ? Object.entries(sub.deployments ?? {}).find(([k]) => k.toLowerCase() === parentId.toLowerCase()) : undefined;
      if (found) return send(res, 200, paged(url, found[1]));
      const prefix = `${path.toLowerCase()}/`;
      const children = sub.resources
        .filter((r) => String(r.id).toLowerCase().startsWith(prefix) && !String(r.id).slice(prefix.length).includes('/'))
        .map(({ listed, createdTime, changedTime, ...rest }) => ({ ...rest, ...(createdTime ? { systemData: { createdAt: createdTime } } : {}) }));
      return send(res, 200, paged(url, children));
    }
    return armError(res, 404, 'NotFound', `loopback: no route ${url.pathname}`);
  }

  const server: Server = createServer(
    { key: readFileSync(join(LOOPBACK_TLS_DIR, 'loopback.key')), cert: readFileSync(join(LOOPBACK_TLS_DIR, 'loopback.crt')) },
    (rq, rs) => {
      handle(rq, rs).catch((e) => {
        if (!rs.headersSent) rs.writeHead(500, { 'content-type': 'application/json' });
        rs.end(JSON.stringify({ error: { code: 'InternalError', message: String(e) } }));
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const caFile = join(LOOPBACK_TLS_DIR, 'loopback.crt');
  return {
    url: base,
    caFile,
    env: { AZURE_RESOURCE_MANAGER_ENDPOINT: base, AZURE_ACCESS_TOKEN: 'loopback-token', SHADOWSCAN_AZURE_CA_FILE: caFile },
    stats,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
