/**
 * Azure sweep: every subscription the credential can see (or a listed set); each subscription
 * is a unit. Resources of every ARM type the rules name are asked for through ARM (one filtered
 * `resources.list` per subscription, nextLink paging by the SDK) — nested types included, since
 * ARM lists tracked child resources too — and nested types are also listed per parent through
 * their child collection (`{parent id}/{child}`, API version from the provider's own resource
 * type list), so proxy child resources that the generic list does not return are found as well.
 * Accounts that have model deployments get them listed with their models. Each resource and each
 * deployment is a neutral `cloud-resource` observation (value = ARM resource type, attrs.kind =
 * its kind).
 *
 * Gone only from a complete read: a child list that fails makes the unit failed (partial) while
 * everything read is kept; a child list answering 404 for a parent the scan just listed is
 * checked by a direct read of the parent — gone only when that read says so too.
 */
import type { TokenCredential } from '@azure/core-auth';
import { setMaxListeners } from 'node:events';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import pLimit from 'p-limit';
import { ScanError } from '../../src/core/errors.js';
import type { AttrValue, Coverage, Observation, ScanContext, Sink } from '../../src/core/types.js';
import { AzureClients } from './client.js';
import type { AzureOptions } from './index.js';

export const SCANNER_ID = 'azure';

/** ARM parent type whose child `deployments` collection the ARM API lists (source knowledge of ARM, not of any AI). */
const DEPLOYMENT_PARENT = 'microsoft.cognitiveservices/accounts';
const DEPLOYMENT_TYPE = `${DEPLOYMENT_PARENT}/deployments`;

export function classifyAzureError(e: unknown): { kind: 'denied' | 'expired' | 'throttled' | 'not-found' | 'aborted' | 'other'; message: string } {
  const err = e as { name?: string; code?: string; statusCode?: number; message?: string };
  const message = `${err?.code ? err.code + ': ' : ''}${err?.message ?? String(e)}`.slice(0, 300);
  if (err?.name === 'AbortError') return { kind: 'aborted', message };
  if (err?.statusCode === 401 || /ExpiredAuthenticationToken|InvalidAuthenticationTokenExpired|CredentialUnavailable/.test(`${err?.code} ${err?.name}`)) return { kind: 'expired', message };
  if (err?.statusCode === 403) return { kind: 'denied', message };
  if (err?.statusCode === 429) return { kind: 'throttled', message };
  if (err?.statusCode === 404) return { kind: 'not-found', message };
  return { kind: 'other', message };
}

const REASON: Record<string, string> = {
  denied: 'access denied',
  expired: 'credential expired or not valid',
  throttled: 'throttled after retries',
  'not-found': 'not found',
  aborted: 'aborted',
  other: 'error',
};

/** ARM resource types the rules name (top-level and nested, e.g. `…/workspaces/onlineEndpoints`), in their first spelling. */
export function ruleTypes(ctx: ScanContext<AzureOptions>): string[] {
  const set = new Map<string, string>();
  for (const s of ctx.rules.services) for (const a of s.match.cloud.azure) if (a.type.split('/').length >= 2) set.set(a.type.toLowerCase(), a.type);
  return [...set.values()].sort((a, b) => a.localeCompare(b));
}

/** The parent type of a nested type (`NS/a/b` → `NS/a`), or undefined for a top-level type. */
export function parentType(type: string): string | undefined {
  const parts = type.split('/');
  return parts.length > 2 ? parts.slice(0, -1).join('/') : undefined;
}

/** The types to ask `resources.list` for: the rules' types and the parents of nested ones (to list their children). */
export function listedTypes(types: string[]): string[] {
  const set = new Map<string, string>();
  for (const t of types) {
    set.set(t.toLowerCase(), t);
    for (let p = parentType(t); p; p = parentType(p)) if (!set.has(p.toLowerCase())) set.set(p.toLowerCase(), p);
  }
  return [...set.values()].sort((a, b) => a.localeCompare(b));
}

/** Newest stable API version of a list (ARM `YYYY-MM-DD[-preview]`), else the newest preview. */
export function pickApiVersion(versions: string[]): string | undefined {
  const sorted = [...versions].sort().reverse();
  return sorted.find((v) => !/preview|alpha|beta/i.test(v)) ?? sorted[0];
}

function resourceGroupOf(id: string): string | undefined {
  return /\/resourceGroups\/([^/]+)/i.exec(id)?.[1];
}

function ownerOf(tags: Record<string, string> | undefined, keys: string[]): string | undefined {
  if (!tags) return undefined;
  const lower = new Map(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]));
  for (const k of keys) {
    const v = lower.get(k.toLowerCase());
    if (v) return v;
  }
  return undefined;
}

function iso(d: unknown): string | undefined {
  if (d instanceof Date && !Number.isNaN(d.getTime())) return d.toISOString();
  if (typeof d === 'string' && d) return new Date(d).toISOString();
  return undefined;
}

interface UnitResult {
  observations: Observation[];
  failed?: string;
  skipped?: string;
}

export function makeScan(deps: { credential?: TokenCredential } = {}) {
  return async function scan(ctx: ScanContext<AzureOptions>, sink: Sink): Promise<Coverage> {
    const o = ctx.options;
    if (ctx.signal.aborted) return sink.coverage();
  // many concurrent SDK calls listen on the one abort signal
  setMaxListeners(0, ctx.signal);
    const clients = new AzureClients({
      endpoint: o.endpoint,
      caFile: o.caFile,
      accessTokenEnv: o.accessTokenEnv,
      maxRetries: o.maxRetries,
      retryDelayInMs: o.retryDelayInMs,
      maxRetryDelayInMs: o.maxRetryDelayInMs,
      maxConcurrentRequests: o.maxConcurrentRequests,
      credential: deps.credential,
      onAttempt: () => sink.stat('apiCalls', 1),
    });
    const abortSignal = ctx.signal;

    // ---------------------------------------------------------------- subscriptions
    let subs: Array<{ id: string; name?: string; state?: string }> = [];
    try {
      for await (const s of clients.subscriptions().subscriptions.list({ abortSignal })) {
        if (s.subscriptionId) subs.push({ id: s.subscriptionId, name: s.displayName, state: s.state });
      }
    } catch (e) {
      const c = classifyAzureError(e);
      if (!o.subscriptions?.length) throw new ScanError(`azure: cannot list subscriptions: ${REASON[c.kind]}: ${c.message}`, { cause: e });
      sink.problem('azure:subscriptions', `cannot list subscriptions (${c.message}); using the listed ones`);
    }
    if (o.subscriptions?.length) {
      const known = new Map(subs.map((s) => [s.id.toLowerCase(), s]));
      subs = o.subscriptions.map((id) => known.get(id.toLowerCase()) ?? { id });
    }
    subs.sort((a, b) => a.id.localeCompare(b.id));
    sink.stat('subscriptions', subs.length);

    const types = ruleTypes(ctx);
    if (!types.length) sink.problem('azure:rules', 'the rules name no Azure resource types; nothing to look for');
    const asFilter = (ts: string[]) => ts.map((t) => `resourceType eq '${t}'`).join(' or ');
    const filters = { all: asFilter(listedTypes(types)), topLevel: asFilter(listedTypes(types).filter((t) => !parentType(t))) };
    const versions = new ApiVersions(clients, abortSignal);
    const results = new Map<string, UnitResult>();
    const limit = pLimit(o.subscriptionConcurrency);
    let done = 0;

    await Promise.all(
      subs.map((sub) =>
        limit(async () => {
          const unit = `azure:${sub.id}`;
          if (ctx.signal.aborted) return void results.set(unit, { observations: [], skipped: 'aborted' });
          if (sub.state && /^(Disabled|Deleted)$/i.test(sub.state)) return void results.set(unit, { observations: [], skipped: `subscription ${sub.state}` });
          if (!types.length) return void results.set(unit, { observations: [], skipped: 'no Azure resource types in the rules' });
          results.set(unit, await scanSubscription(ctx, clients, versions, sub, types, filters, sink));
          sink.progress(++done, subs.length, unit);
        }),
      ),
    );

    for (const unit of [...results.keys()].sort()) {
      const r = results.get(unit)!;
      for (const ob of r.observations) sink.observe(ob);
      if (r.skipped) sink.unitSkipped(unit, r.skipped);
      else if (r.failed) sink.unitFailed(unit, r.failed);
      else sink.unitScanned(unit);
    }
    void abortSignal;
    return sink.coverage();
  };
}

/**
 * API versions of resource types, from the provider's own list (`GET /subscriptions/{s}/providers/{ns}`,
 * `providers.get`): the newest stable one. One request per namespace per run.
 */
class ApiVersions {
  private byNamespace = new Map<string, Promise<Map<string, string[]>>>();
  constructor(
    private clients: AzureClients,
    private abortSignal: AbortSignal,
  ) {}
  async of(subscription: string, type: string): Promise<string> {
    const [ns, ...rest] = type.split('/');
    const key = ns.toLowerCase();
    let p = this.byNamespace.get(key);
    if (!p) {
      p = this.clients
        .resources(subscription)
        .providers.get(ns, { abortSignal: this.abortSignal })
        .then((prov) => new Map((prov.resourceTypes ?? []).map((rt) => [String(rt.resourceType ?? '').toLowerCase(), rt.apiVersions ?? []])));
      // a failed lookup is not remembered: another subscription may be allowed to read it
      p.catch(() => this.byNamespace.delete(key));
      this.byNamespace.set(key, p);
    }
    const v = pickApiVersion((await p).get(rest.join('/').toLowerCase()) ?? []);
    if (!v) throw Object.assign(new Error(`the provider ${ns} lists no API version for ${rest.join('/')}`), { statusCode: 404, code: 'NoApiVersion' });
    return v;
  }
}

/** An ARM error from a raw response of the SDK pipeline (same fields classifyAzureError reads). */
function armError(status: number, body: string): Error {
  let code = `HTTP${status}`;
  let message = body.slice(0, 200);
  try {
    const j = JSON.parse(body);
    code = j?.error?.code ?? code;
    message = j?.error?.message ?? message;
  } catch {
    /* not JSON */
  }
  return Object.assign(new Error(message), { statusCode: status, code });
}

/**
 * A child collection of an ARM resource (`GET {parentId}/{child}?api-version=…`, `nextLink`
 * paging) through the SDK's own pipeline (credential, retry with Retry-After, TLS, the attempt
 * limit): ARM's generic collection contract, for child types no typed client covers.
 */
async function* listChildren(clients: AzureClients, subscription: string, parentId: string, child: string, apiVersion: string, abortSignal: AbortSignal): AsyncGenerator<Record<string, any>> {
  const client = clients.resources(subscription);
  let url: string | undefined = `${clients.endpoint}${parentId}/${child}?api-version=${encodeURIComponent(apiVersion)}`;
  for (let page = 0; url && page < 10_000; page++) {
    const res = await client.sendRequest(createPipelineRequest({ url, method: 'GET', abortSignal }));
    const text = res.bodyAsText ?? '';
    if (res.status >= 400) throw armError(res.status, text);
    let body: { value?: unknown; nextLink?: unknown };
    try {
      body = JSON.parse(text);
    } catch {
      throw Object.assign(new Error(`malformed ARM page from ${parentId}/${child}: not JSON`), { statusCode: res.status, code: 'MalformedResponse' });
    }
    if (!Array.isArray(body.value)) throw Object.assign(new Error(`malformed ARM page from ${parentId}/${child}: no value array`), { statusCode: res.status, code: 'MalformedResponse' });
    for (const v of body.value) if (v && typeof v === 'object' && typeof (v as any).id === 'string') yield v as Record<string, any>;
    url = typeof body.nextLink === 'string' && body.nextLink ? body.nextLink : undefined;
  }
  if (url) throw Object.assign(new Error(`${parentId}/${child}: more than 10,000 pages, stopped`), { code: 'TooManyPages' });
}

async function scanSubscription(
  ctx: ScanContext<AzureOptions>,
  clients: AzureClients,
  versions: ApiVersions,
  sub: { id: string; name?: string },
  types: string[],
  filters: { all: string; topLevel: string },
  sink: Sink,
): Promise<UnitResult> {
  const o = ctx.options;
  const abortSignal = ctx.signal;
  const unit = `azure:${sub.id}`;
  const subject = { kind: 'subscription', id: sub.id, ...(sub.name && sub.name !== sub.id ? { name: sub.name } : {}) };
  const named = new Set(types.map((t) => t.toLowerCase()));
  // every resource read, by lower-cased id (the filtered list, then child collections)
  const byId = new Map<string, Record<string, any>>();
  const list = async (filter: string) => {
    byId.clear();
    for await (const r of clients.resources(sub.id).resources.list({ filter, expand: 'createdTime,changedTime', abortSignal })) {
      const id = String((r as Record<string, any>).id ?? '');
      // the first answer for an id wins (a repeated id across pages is one resource)
      if (id && !byId.has(id.toLowerCase())) byId.set(id.toLowerCase(), r as Record<string, any>);
    }
  };
  try {
    try {
      await list(filters.all);
    } catch (e) {
      // a resource manager that refuses nested types in the filter (400): top-level types only —
      // the nested ones are listed through their parents below either way
      if ((e as { statusCode?: number }).statusCode !== 400 || filters.topLevel === filters.all) throw e;
      sink.problem(unit, `resources.list refused the nested types in its filter (${classifyAzureError(e).message}); nested types are read through their parents only`);
      await list(filters.topLevel);
    }
  } catch (e) {
    const c = classifyAzureError(e);
    return { observations: [], failed: `${REASON[c.kind]} (resources.list): ${c.message}` };
  }
  const errors: string[] = [];
  const vanished = new Set<string>();

  /**
   * A child list answered 404 for a parent this scan just listed: read the parent itself. Gone
   * only when that read says so too; otherwise the children were not read (the unit is partial).
   */
  const confirmed = new Map<string, Promise<'exists' | 'gone' | string>>();
  const confirm = (r: Record<string, any>) => {
    const id = String(r.id);
    let p = confirmed.get(id.toLowerCase());
    if (!p) {
      p = (async () => {
        try {
          const v = await versions.of(sub.id, String(r.type));
          // the SDK's path template is `/{resourceId}`: the id goes in without its leading slash
          await clients.resources(sub.id).resources.getById(id.replace(/^\/+/, ''), v, { abortSignal });
          return 'exists' as const;
        } catch (e) {
          const c = classifyAzureError(e);
          return c.kind === 'not-found' ? ('gone' as const) : `${REASON[c.kind]}: ${c.message}`;
        }
      })();
      confirmed.set(id.toLowerCase(), p);
    }
    return p;
  };
  const childFailed = async (r: Record<string, any>, what: string, e: unknown) => {
    const c = classifyAzureError(e);
    if (c.kind !== 'not-found') return void errors.push(`${REASON[c.kind]} (${what} ${r.name}): ${c.message}`);
    const state = await confirm(r);
    if (state === 'gone') vanished.add(String(r.id).toLowerCase());
    else if (state === 'exists') errors.push(`not found (${what} ${r.name}) although ${r.name} exists (direct read): its children were not read`);
    else errors.push(`not found (${what} ${r.name}), and the direct read of ${r.name} failed (${state})`);
  };

  // ---- nested types the rules name, listed per parent (parents before their children)
  const nested = types.filter((t) => parentType(t) && !(o.deployments && t.toLowerCase() === DEPLOYMENT_TYPE)).sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  for (const t of nested) {
    const pt = parentType(t)!.toLowerCase();
    const child = t.split('/').pop()!;
    const parents = [...byId.values()].filter((r) => String(r.type).toLowerCase() === pt);
    if (!parents.length) continue;
    let apiVersion: string;
    try {
      apiVersion = await versions.of(sub.id, t);
    } catch (e) {
      const c = classifyAzureError(e);
      errors.push(`${REASON[c.kind]} (API version of ${t}): ${c.message}`);
      continue;
    }
    await Promise.all(
      parents.map(async (r) => {
        try {
          for await (const c of listChildren(clients, sub.id, String(r.id), child, apiVersion, abortSignal)) {
            const key = String(c.id).toLowerCase();
            if (!byId.has(key)) byId.set(key, { ...c, type: c.type ?? t });
          }
        } catch (e) {
          await childFailed(r, `${child}.list`, e);
        }
      }),
    );
  }

  const observations: Observation[] = [];
  const cognitive = clients.cognitive(sub.id);
  const base = (r: Record<string, any>) => ({
    kind: 'cloud-resource' as const,
    namespace: 'azure',
    source: 'cloud' as const,
    scanner: SCANNER_ID,
    signal: 'presence' as const,
    confidence: 'declared' as const,
    subject,
    locator: String(r.id),
  });
  const deploymentObs = new Map<string, Observation[]>();

  // ---- model deployments of accounts (typed client: model, version, SKU, capacity)
  await Promise.all(
    [...byId.values()].map(async (r) => {
      const id = String(r.id);
      const rg = resourceGroupOf(id);
      if (!o.deployments || String(r.type).toLowerCase() !== DEPLOYMENT_PARENT || !rg) return;
      const depObs: Observation[] = [];
      try {
        for await (const d of cognitive.deployments.list(rg, String(r.name), { abortSignal })) {
          const m = d.properties?.model;
          const dAttrs: Record<string, AttrValue> = {
            unit,
            subscription: sub.id,
            resourceGroup: rg,
            location: r.location ?? null,
            id: d.id ?? '',
            name: d.name ?? '',
            ...(r.kind ? { kind: r.kind } : {}),
            parent: id,
            modelId: m?.name ?? null,
            modelVersion: m?.version ?? null,
            modelFormat: m?.format ?? null,
            sku: d.sku?.name ?? null,
            capacity: d.sku?.capacity ?? null,
            provisioningState: d.properties?.provisioningState ?? null,
            // the parent's owner, filled in below (the key keeps its place)
            owner: null,
            ...(d.systemData?.createdAt ? { createdAt: iso(d.systemData.createdAt)! } : {}),
          };
          depObs.push({
            ...base({ id: d.id }),
            value: d.type ?? `${r.type}/deployments`,
            ...(dAttrs.createdAt ? { firstSeen: String(dAttrs.createdAt) } : {}),
            attrs: dAttrs,
            artifact: { type: 'cloud-resource', key: String(d.id).toLowerCase(), name: `${r.name}/${d.name}`, attrs: dAttrs },
          });
        }
        deploymentObs.set(id.toLowerCase(), depObs);
      } catch (e) {
        await childFailed(r, 'deployments.list', e);
      }
    }),
  );

  // ---- observations: the named types only (parents asked for only to list children are not reported)
  const isVanished = (id: string) => [...vanished].some((v) => id.toLowerCase() === v || id.toLowerCase().startsWith(v + '/'));
  const fromTypedClient = new Set([...deploymentObs.values()].flat().map((d) => d.locator.toLowerCase()));
  for (const r of byId.values()) {
    const id = String(r.id ?? '');
    if (!id || !named.has(String(r.type).toLowerCase()) || isVanished(id) || fromTypedClient.has(id.toLowerCase())) continue;
    const tags = r.tags as Record<string, string> | undefined;
    const owner = ownerOf(tags, o.ownerTagKeys);
    const createdAt = iso(r.createdTime ?? r.systemData?.createdAt);
    const rg = resourceGroupOf(id);
    const deps = deploymentObs.get(id.toLowerCase()) ?? [];
    const depSummary = deps.map((d) => `${d.attrs?.name}=${d.attrs?.modelId ?? '?'}${d.attrs?.modelVersion ? '@' + d.attrs.modelVersion : ''}`);
    const parent = parentType(String(r.type)) ? id.split('/').slice(0, -2).join('/') : undefined;
    const attrs: Record<string, AttrValue> = {
      // the coverage unit: a resource not seen again is gone only where this unit was fully covered
      unit,
      subscription: sub.id,
      resourceGroup: rg ?? null,
      location: r.location ?? null,
      id,
      name: r.name ?? '',
      ...(r.kind ? { kind: r.kind } : {}),
      ...(r.sku?.name ? { sku: r.sku.name } : {}),
      ...(parent ? { parent } : {}),
      owner: owner ?? null,
      ...(tags && Object.keys(tags).length ? { tags: Object.entries(tags).map(([k, v]) => `${k}=${v}`).sort() } : {}),
      ...(createdAt ? { createdAt } : {}),
      ...(depSummary.length ? { deployments: depSummary.sort() } : {}),
    };
    observations.push({
      ...base(r),
      value: String(r.type),
      ...(createdAt ? { firstSeen: createdAt } : {}),
      attrs,
      artifact: { type: 'cloud-resource', key: id.toLowerCase(), name: String(r.name ?? id), attrs },
    });
    for (const d of deps) {
      if (d.attrs) d.attrs.owner = owner ?? null;
      observations.push(d);
    }
  }
  observations.sort((a, b) => a.locator.toLowerCase().localeCompare(b.locator.toLowerCase()));
  sink.stat('resources', observations.length);
  for (const v of [...vanished].sort()) sink.problem(unit, `${byId.get(v)?.name ?? v}: deleted while the subscription was being read (child listing and direct read: not found); not reported`);
  if (errors.length) return { observations, failed: errors.sort().join('; ') };
  return { observations };
}

export const scan = makeScan();
