/**
 * Azure sweep: every subscription the credential can see (or a listed set); each subscription
 * is a unit. Resources of the types the rules name are listed through ARM (one filtered
 * `resources.list` per subscription, nextLink paging by the SDK); accounts that have model
 * deployments get them listed too. Each resource and each deployment is a neutral
 * `cloud-resource` observation (value = ARM resource type, attrs.kind = its kind).
 */
import type { TokenCredential } from '@azure/core-auth';
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { ScanError } from '../../src/core/errors.js';
import type { AttrValue, Coverage, Observation, ScanContext, Sink } from '../../src/core/types.js';
import { AzureClients } from './client.js';
import type { AzureOptions } from './index.js';

export const SCANNER_ID = 'azure';

/** ARM parent type whose child `deployments` collection the ARM API lists (source knowledge of ARM, not of any AI). */
const DEPLOYMENT_PARENT = 'microsoft.cognitiveservices/accounts';

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

/** Top-level ARM resource types the rules name (child types such as …/deployments are reached through their parent). */
export function ruleTypes(ctx: ScanContext<AzureOptions>): string[] {
  const set = new Map<string, string>();
  for (const s of ctx.rules.services) for (const a of s.match.cloud.azure) if (a.type.split('/').length === 2) set.set(a.type.toLowerCase(), a.type);
  return [...set.values()].sort((a, b) => a.localeCompare(b));
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
    const filter = types.map((t) => `resourceType eq '${t}'`).join(' or ');
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
          results.set(unit, await scanSubscription(ctx, clients, sub, filter, sink));
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

async function scanSubscription(
  ctx: ScanContext<AzureOptions>,
  clients: AzureClients,
  sub: { id: string; name?: string },
  filter: string,
  sink: Sink,
): Promise<UnitResult> {
  const o = ctx.options;
  const abortSignal = ctx.signal;
  const unit = `azure:${sub.id}`;
  const subject = { kind: 'subscription', id: sub.id, ...(sub.name && sub.name !== sub.id ? { name: sub.name } : {}) };
  const resources: Array<Record<string, any>> = [];
  try {
    for await (const r of clients.resources(sub.id).resources.list({ filter, expand: 'createdTime,changedTime', abortSignal })) resources.push(r as Record<string, any>);
  } catch (e) {
    const c = classifyAzureError(e);
    return { observations: [], failed: `${REASON[c.kind]} (resources.list): ${c.message}` };
  }
  const errors: string[] = [];
  const vanished: string[] = [];
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

  await Promise.all(
    resources.map(async (r) => {
      const id = String(r.id ?? '');
      if (!id) return;
      const tags = r.tags as Record<string, string> | undefined;
      const owner = ownerOf(tags, o.ownerTagKeys);
      const createdAt = iso(r.createdTime);
      const rg = resourceGroupOf(id);
      const depObs: Observation[] = [];
      const depSummary: string[] = [];
      if (o.deployments && String(r.type).toLowerCase() === DEPLOYMENT_PARENT && rg) {
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
              owner: owner ?? null,
              ...(d.systemData?.createdAt ? { createdAt: iso(d.systemData.createdAt)! } : {}),
            };
            depSummary.push(`${d.name}=${m?.name ?? '?'}${m?.version ? '@' + m.version : ''}`);
            depObs.push({
              ...base({ id: d.id }),
              value: d.type ?? `${r.type}/deployments`,
              ...(dAttrs.createdAt ? { firstSeen: String(dAttrs.createdAt) } : {}),
              attrs: dAttrs,
              artifact: { type: 'cloud-resource', key: String(d.id).toLowerCase(), name: `${r.name}/${d.name}`, attrs: dAttrs },
            });
          }
        } catch (e) {
          const c = classifyAzureError(e);
          // deleted between the resource listing and this call: the account is gone, not a
          // coverage failure (the subscription is still fully covered, so it can be marked gone)
          if (c.kind === 'not-found') {
            vanished.push(String(r.name ?? id));
            return;
          }
          errors.push(`${REASON[c.kind]} (deployments.list ${r.name}): ${c.message}`);
        }
      }
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
      for (const d of depObs) {
        if (d.attrs) d.attrs.owner = owner ?? null;
        observations.push(d);
      }
    }),
  );
  observations.sort((a, b) => a.locator.toLowerCase().localeCompare(b.locator.toLowerCase()));
  sink.stat('resources', observations.length);
  for (const n of vanished.sort()) sink.problem(unit, `${n}: deleted while the subscription was being read (deployments listing: not found); not reported`);
  if (errors.length) return { observations, failed: errors.sort().join('; ') };
  return { observations };
}

export const scan = makeScan();
