/**
 * GCP: resources of the asset types the rules name, from Cloud Asset Inventory — either a
 * JSON export (`gcloud asset export` NDJSON of Assets, `gcloud asset list --format=json` or
 * `gcloud asset search-all-resources --format=json` arrays) or the searchAllResources API per
 * project / folder / organization. Each scope (project, or export file) is a unit; each
 * resource a neutral `cloud-resource` observation (value = asset type).
 */
import { readFile } from 'node:fs/promises';
import pLimit from 'p-limit';
import { ScanError } from '../../src/core/errors.js';
import type { AttrValue, Coverage, Observation, ScanContext, Sink } from '../../src/core/types.js';
import { AssetClient, GcpHttpError, type SearchResult } from './client.js';
import type { GcpOptions } from './index.js';

export const SCANNER_ID = 'gcp';

export function ruleAssetTypes(ctx: ScanContext<GcpOptions>): string[] {
  const set = new Set<string>();
  for (const s of ctx.rules.services) for (const t of s.match.cloud.gcp.assetTypes) set.add(t);
  return [...set].sort();
}

/** A neutral record from either shape (Asset with resource.data, or ResourceSearchResult). */
interface GcpRecord {
  name: string;
  assetType: string;
  project?: string;
  displayName?: string;
  location?: string;
  labels?: Record<string, string>;
  createTime?: string;
  state?: string;
  data?: Record<string, any>;
}

export function normalise(x: Record<string, any>): GcpRecord | undefined {
  if (typeof x?.name !== 'string' || typeof x?.assetType !== 'string') return undefined;
  const data = x.resource?.data as Record<string, any> | undefined;
  const ancestors: string[] = Array.isArray(x.ancestors) ? x.ancestors : [];
  const project =
    (typeof x.project === 'string' ? x.project : undefined) ??
    /\/projects\/([^/]+)/.exec(x.name)?.[1] ??
    ancestors.find((a) => a.startsWith('projects/'));
  return {
    name: x.name,
    assetType: x.assetType,
    project: project?.replace(/^projects\//, ''),
    displayName: x.displayName ?? data?.displayName ?? data?.name,
    location: x.location ?? x.resource?.location ?? data?.location,
    labels: x.labels ?? data?.labels,
    createTime: x.createTime ?? data?.createTime,
    state: x.state ?? data?.state,
    data,
  };
}

function ownerOf(labels: Record<string, string> | undefined, keys: string[]): string | undefined {
  if (!labels) return undefined;
  const lower = new Map(Object.entries(labels).map(([k, v]) => [k.toLowerCase(), v]));
  for (const k of keys) {
    const v = lower.get(k.toLowerCase());
    if (v) return v;
  }
  return undefined;
}

function toObservation(r: GcpRecord, subjectProject: string, o: GcpOptions, unit: string): Observation {
  const d = r.data ?? {};
  const deployed: string[] = Array.isArray(d.deployedModels) ? d.deployedModels.map((m: any) => String(m.model ?? m.id ?? '')).filter(Boolean) : [];
  const createdAt = r.createTime ? new Date(r.createTime).toISOString() : undefined;
  const attrs: Record<string, AttrValue> = {
    // the coverage unit: a resource not seen again is gone only where this unit was fully covered
    unit,
    project: subjectProject,
    name: r.displayName ?? r.name.split('/').pop() ?? r.name,
    resourceName: r.name,
    location: r.location ?? null,
    owner: ownerOf(r.labels, o.ownerLabelKeys) ?? null,
    ...(r.labels && Object.keys(r.labels).length ? { labels: Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).sort() } : {}),
    ...(r.state ? { state: r.state } : {}),
    ...(createdAt ? { createdAt } : {}),
    ...(typeof d.versionId === 'string' ? { modelVersion: d.versionId } : {}),
    ...(deployed.length ? { deployedModels: deployed.sort(), modelId: deployed[0].split('/').pop()! } : {}),
    ...(typeof d.metadata?.modelId === 'string' ? { modelId: d.metadata.modelId } : {}),
  };
  return {
    kind: 'cloud-resource',
    value: r.assetType,
    namespace: 'gcp',
    source: 'cloud',
    scanner: SCANNER_ID,
    signal: 'presence',
    confidence: 'declared',
    subject: { kind: 'project', id: subjectProject },
    locator: r.name,
    ...(createdAt ? { firstSeen: createdAt } : {}),
    attrs,
    artifact: { type: 'cloud-resource', key: r.name, name: String(attrs.name), attrs },
  };
}

/** Parses an export: a JSON array, or newline-delimited JSON. Bad lines are reported. */
export function parseExport(text: string, onProblem: (line: number, msg: string) => void): Array<Record<string, any>> {
  const t = text.trim();
  if (!t) return [];
  if (t.startsWith('[')) {
    try {
      return JSON.parse(t);
    } catch (e) {
      onProblem(1, `invalid JSON array: ${(e as Error).message}`);
      return [];
    }
  }
  const out: Array<Record<string, any>> = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line));
    } catch (e) {
      onProblem(i + 1, `invalid JSON line: ${(e as Error).message}`);
    }
  });
  return out;
}

/** `INVALID_ARGUMENT: Unsupported asset type: X.` — the asset type the API refuses, if that is the error. */
export function unsupportedAssetType(e: unknown): string | undefined {
  if (!(e instanceof GcpHttpError) || e.status !== 400) return undefined;
  return /unsupported asset type:?\s*([A-Za-z0-9.-]+\/[A-Za-z0-9]+)/i.exec(e.message)?.[1];
}

/**
 * searchAllResources with the rules' asset types. One type the API does not (yet) support makes
 * it refuse the whole request (400 INVALID_ARGUMENT "Unsupported asset type"), which would lose
 * every scope over one rule entry: that type is left out (once per run, reported) and the search
 * repeated with the rest.
 */
async function searchSupported(client: AssetClient, scope: string, types: string[], unsupported: Set<string>, signal: AbortSignal, onDrop: (type: string, message: string) => void): Promise<SearchResult[]> {
  for (;;) {
    const asked = types.filter((t) => !unsupported.has(t.toLowerCase()));
    if (!asked.length) return [];
    try {
      return await client.searchAll(scope, asked, signal);
    } catch (e) {
      const t = unsupportedAssetType(e);
      const hit = t && asked.find((x) => x.toLowerCase() === t.toLowerCase());
      if (!hit) throw e;
      if (!unsupported.has(hit.toLowerCase())) {
        unsupported.add(hit.toLowerCase());
        onDrop(hit, (e as Error).message);
      }
    }
  }
}

function reason(e: unknown): string {
  if (e instanceof GcpHttpError) {
    const kind = e.status === 401 ? 'credential expired or not valid' : e.status === 403 ? 'access denied' : e.status === 429 ? 'throttled after retries' : 'error';
    return `${kind}: ${e.message}`;
  }
  return `error: ${(e as Error).message ?? String(e)}`;
}

export async function scan(ctx: ScanContext<GcpOptions>, sink: Sink): Promise<Coverage> {
  const o = ctx.options;
  if (ctx.signal.aborted) return sink.coverage();
  const types = ruleAssetTypes(ctx);
  const typeSet = new Set(types.map((t) => t.toLowerCase()));
  const results = new Map<string, { observations: Observation[]; failed?: string; skipped?: string }>();

  // ---------------------------------------------------------------- export files
  for (const file of o.exportFiles ?? []) {
    const unit = `gcp-export:${file}`;
    try {
      const text = await readFile(file, 'utf8');
      const items = parseExport(text, (line, msg) => sink.problem(`${file}:${line}`, msg));
      const obs: Observation[] = [];
      for (const raw of items) {
        const r = normalise(raw);
        if (!r || !typeSet.has(r.assetType.toLowerCase())) continue;
        obs.push(toObservation(r, r.project ?? 'unknown', o, unit));
      }
      sink.stat('exportRecords', items.length);
      results.set(unit, { observations: obs.sort((a, b) => a.locator.localeCompare(b.locator)) });
    } catch (e) {
      results.set(unit, { observations: [], failed: `cannot read: ${(e as Error).message}` });
    }
  }

  // ---------------------------------------------------------------- API scopes
  const scopes = [...(o.projects ?? []).map((p) => `projects/${p}`), ...(o.scopes ?? [])];
  if (scopes.length) {
    if (!types.length) {
      sink.problem('gcp:rules', 'the rules name no GCP asset types; nothing to look for');
      for (const s of scopes) results.set(`gcp:${s}`, { observations: [], skipped: 'no GCP asset types in the rules' });
    } else {
      const client = new AssetClient({
        endpoint: o.endpoint,
        accessTokenEnv: o.accessTokenEnv,
        maxRetries: o.maxRetries,
        retryDelayMs: o.retryDelayMs,
        maxConcurrentRequests: o.maxConcurrentRequests,
        onAttempt: () => sink.stat('apiCalls', 1),
      });
      try {
        await client.token();
      } catch (e) {
        if (!o.exportFiles?.length) throw new ScanError(`gcp: no credentials for Cloud Asset Inventory: ${(e as Error).message}`, { cause: e });
        for (const s of scopes) results.set(`gcp:${s}`, { observations: [], failed: `no credentials: ${(e as Error).message}` });
      }
      const limit = pLimit(o.scopeConcurrency);
      const unsupported = new Set<string>();
      let done = 0;
      await Promise.all(
        scopes.map((scope) =>
          limit(async () => {
            const unit = `gcp:${scope}`;
            if (results.has(unit)) return;
            if (ctx.signal.aborted) return void results.set(unit, { observations: [], skipped: 'aborted' });
            try {
              const found = await searchSupported(client, scope, types, unsupported, ctx.signal, (t, msg) => sink.problem('gcp:asset-types', `asset type ${t} left out of the search (the API refuses it: ${msg})`));
              const projectId = scope.startsWith('projects/') ? scope.slice('projects/'.length) : undefined;
              const obs = found
                .map((x: SearchResult) => normalise(x as Record<string, any>))
                // only the asked-for types, whatever the server sends
                .filter((r): r is GcpRecord => !!r && typeSet.has(r.assetType.toLowerCase()))
                .map((r) => toObservation(r, projectId ?? r.project ?? 'unknown', o, unit));
              results.set(unit, { observations: obs.sort((a, b) => a.locator.localeCompare(b.locator)) });
            } catch (e) {
              results.set(unit, { observations: [], failed: reason(e) });
            }
            sink.progress(++done, scopes.length, unit);
          }),
        ),
      );
    }
  }

  for (const unit of [...results.keys()].sort()) {
    const r = results.get(unit)!;
    for (const ob of r.observations) sink.observe(ob);
    if (r.skipped) sink.unitSkipped(unit, r.skipped);
    else if (r.failed) sink.unitFailed(unit, r.failed);
    else sink.unitScanned(unit);
  }
  return sink.coverage();
}
