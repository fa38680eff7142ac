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

/**
 * A field in either of the styles Cloud Asset Inventory writes: the API's JSON (`assetType`,
 * `updateTime`) or the snake_case of `gcloud asset export` to Cloud Storage and BigQuery
 * (`asset_type`, `update_time`, `display_name`).
 */
function field(x: Record<string, any> | undefined, camel: string): any {
  if (!x || typeof x !== 'object') return undefined;
  if (x[camel] !== undefined) return x[camel];
  return x[camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())];
}

/** `resource.data`: an object (API, Cloud Storage export) or a JSON string (BigQuery export). */
function dataOf(resource: Record<string, any> | undefined): Record<string, any> | undefined {
  const d = field(resource, 'data');
  if (d && typeof d === 'object' && !Array.isArray(d)) return d;
  if (typeof d === 'string' && d.trim().startsWith('{')) {
    try {
      return JSON.parse(d);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function normalise(x: Record<string, any>): GcpRecord | undefined {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return undefined;
  const name = x.name;
  const assetType = field(x, 'assetType');
  if (typeof name !== 'string' || !name || typeof assetType !== 'string' || !assetType) return undefined;
  const resource = typeof x.resource === 'object' && x.resource ? (x.resource as Record<string, any>) : undefined;
  const data = dataOf(resource);
  const ancestors: string[] = Array.isArray(x.ancestors) ? x.ancestors.filter((a: unknown): a is string => typeof a === 'string') : [];
  const project =
    (typeof x.project === 'string' ? x.project : undefined) ??
    /\/projects\/([^/]+)/.exec(name)?.[1] ??
    ancestors.find((a) => a.startsWith('projects/'));
  return {
    name,
    assetType,
    project: project?.replace(/^projects\//, ''),
    // `data.name` is often the relative resource name (projects/…/instances/x): then the last segment
    displayName: field(x, 'displayName') ?? field(data, 'displayName') ?? (typeof data?.name === 'string' ? data.name.split('/').pop() : undefined),
    location: x.location ?? field(resource, 'location') ?? data?.location,
    labels: x.labels ?? data?.labels,
    createTime: field(x, 'createTime') ?? field(data, 'createTime'),
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

/** What an export file gave: its records, and why the read is not complete when it is not. */
export interface ExportRead {
  /** Records that parsed (objects or not: `normalise` decides whether each is an asset). */
  records: unknown[];
  /** Records (lines, array elements) that did not parse. */
  damaged: number;
  /** Set when the file ends inside a record or an unclosed array: the byte offset where reading stopped. */
  truncatedAt?: number;
}

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * The top-level elements of a JSON array, each parsed on its own: a damaged element is counted
 * and reported, the others land; an array that never closes (a cut download) reports where it
 * stopped. One pass over the text (strings and nesting tracked by hand, no regex).
 */
function parseArray(text: string, start: number, onProblem: (line: number, msg: string) => void): ExportRead {
  const out: ExportRead = { records: [], damaged: 0 };
  let depth = 0;
  let inString = false;
  let elementStart = -1;
  const flush = (end: number) => {
    const raw = text.slice(elementStart, end).trim();
    elementStart = -1;
    if (!raw) return;
    try {
      out.records.push(JSON.parse(raw));
    } catch (e) {
      out.damaged++;
      onProblem(lineAt(text, end), `damaged array element: ${(e as Error).message}`);
    }
  };
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (elementStart === -1 && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0x2c && !(c === 0x5d && depth === 0)) elementStart = i;
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) {
        // the closing bracket of the array
        if (elementStart !== -1) flush(i);
        const rest = text.slice(i + 1).trim();
        if (rest) {
          out.damaged++;
          onProblem(lineAt(text, i + 1), 'unexpected text after the closing bracket of the array');
        }
        return out;
      }
      depth--;
    } else if (c === 0x2c && depth === 0 && elementStart !== -1) flush(i);
  }
  // never closed: the element in progress (if any) is incomplete
  if (elementStart !== -1) {
    out.damaged++;
    onProblem(lineAt(text, text.length), 'the last array element is cut off');
  }
  out.truncatedAt = Buffer.byteLength(text, 'utf8');
  onProblem(lineAt(text, text.length), `truncated: the JSON array does not close (read stopped at byte ${out.truncatedAt})`);
  return out;
}

/**
 * Parses an export: a JSON array (`gcloud asset list|search-all-resources --format=json`),
 * an API response object (`{assets: [...]}` / `{results: [...]}`) or newline-delimited JSON
 * (`gcloud asset export`). A leading byte-order mark is skipped; each damaged line or element
 * is counted and reported with its line, every other record lands; a file cut inside a record
 * says where it stopped.
 */
export function parseExport(text: string, onProblem: (line: number, msg: string) => void): ExportRead {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let i = 0;
  while (i < text.length && /\s/.test(text[i])) i++;
  if (i === text.length) return { records: [], damaged: 0 };
  if (text[i] === '[') return parseArray(text, i, onProblem);
  const out: ExportRead = { records: [], damaged: 0 };
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(pos, end).trim();
    lineNo++;
    pos = end + 1;
    if (!line) continue;
    try {
      out.records.push(JSON.parse(line));
    } catch (e) {
      out.damaged++;
      if (nl === -1 && !line.endsWith('}')) {
        out.truncatedAt = Buffer.byteLength(text, 'utf8');
        onProblem(lineNo, `truncated: the last line is cut off (read stopped at byte ${out.truncatedAt})`);
      } else onProblem(lineNo, `invalid JSON line: ${(e as Error).message}`);
    }
  }
  // a single API response object: its list
  if (out.records.length === 1 && !out.damaged) {
    const only = out.records[0] as Record<string, unknown> | null;
    const list = only && typeof only === 'object' && !Array.isArray(only) && typeof only.name !== 'string' ? (Array.isArray(only.assets) ? only.assets : Array.isArray(only.results) ? only.results : undefined) : undefined;
    if (list) out.records = list;
  }
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
 * repeated with the rest. The caller treats such a scope as partial: resources of the refused
 * type were not read, so none of them may be marked gone.
 */
async function searchSupported(client: AssetClient, scope: string, types: string[], unsupported: Set<string>, signal: AbortSignal, onDrop: (type: string, message: string) => void): Promise<{ found: SearchResult[]; asked: string[] }> {
  for (;;) {
    const asked = types.filter((t) => !unsupported.has(t.toLowerCase()));
    if (!asked.length) return { found: [], asked };
    try {
      return { found: await client.searchAll(scope, asked, signal), asked };
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
  const typeTaken = (t: string) => typeSet.has(t.toLowerCase());
  const results = new Map<string, { observations: Observation[]; failed?: string; skipped?: string }>();

  // ---------------------------------------------------------------- export files
  // A file is complete only when every record of it was read: a damaged or cut-off record, a
  // record that is not an asset, or a file with no records at all makes the unit failed (partial
  // for gone-marking) while every asset that was read still lands.
  for (const file of o.exportFiles ?? []) {
    const unit = `gcp-export:${file}`;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      results.set(unit, { observations: [], failed: `cannot read: ${(e as Error).message}` });
      continue;
    }
    const read = parseExport(text, (line, msg) => sink.problem(`${file}:${line}`, msg));
    const obs: Observation[] = [];
    let notAssets = 0;
    read.records.forEach((raw) => {
      const r = normalise(raw as Record<string, any>);
      if (!r) {
        notAssets++;
        return;
      }
      if (typeTaken(r.assetType)) obs.push(toObservation(r, r.project ?? 'unknown', o, unit));
    });
    if (notAssets) sink.problem(file, `${notAssets} record(s) without a name and asset type (not Cloud Asset Inventory assets)`);
    sink.stat('exportRecords', read.records.length);
    const why: string[] = [];
    if (read.truncatedAt !== undefined) why.push(`truncated at byte ${read.truncatedAt}`);
    if (read.damaged) why.push(`${read.damaged} damaged record(s)`);
    if (notAssets) why.push(`${notAssets} record(s) that are not assets`);
    if (!read.records.length && !read.damaged) why.push('no records (empty file)');
    else if (read.records.length === notAssets) why.push('no asset read');
    results.set(unit, {
      observations: obs.sort((a, b) => a.locator.localeCompare(b.locator)),
      ...(why.length ? { failed: `partial: ${why.join(', ')}; the ${obs.length} resource(s) read are kept, nothing is marked gone from this file` } : {}),
    });
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
              const { found, asked } = await searchSupported(client, scope, types, unsupported, ctx.signal, (t, msg) => sink.problem('gcp:asset-types', `asset type ${t} left out of the search (the API refuses it: ${msg})`));
              const refused = types.filter((t) => !asked.includes(t));
              const projectId = scope.startsWith('projects/') ? scope.slice('projects/'.length) : undefined;
              const records = found.map((x: SearchResult) => normalise(x as Record<string, any>));
              // a result that is not a resource (null, no name or type) is a damaged record
              const damaged = records.filter((r) => !r).length;
              if (damaged) sink.problem(unit, `${damaged} search result(s) without a name and asset type`);
              const obs = records
                // only the asked-for types, whatever the server sends
                .filter((r): r is GcpRecord => !!r && typeTaken(r.assetType))
                .map((r) => toObservation(r, projectId ?? r.project ?? 'unknown', o, unit));
              const why = [...(refused.length ? [`asset type(s) refused by the API: ${refused.join(', ')}`] : []), ...(damaged ? [`${damaged} damaged search result(s)`] : [])];
              results.set(unit, {
                observations: obs.sort((a, b) => a.locator.localeCompare(b.locator)),
                // a type the API refused, or a damaged result, was not read: the scope is partial for gone-marking
                ...(why.length ? { failed: `partial: ${why.join(', ')}; what was read is kept, nothing is marked gone in this scope` } : {}),
              });
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
