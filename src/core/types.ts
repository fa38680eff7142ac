/**
 * Core contracts shared by every stage of the pipeline:
 * collect (scanners → observations) → match (rules → findings) → resolve (items)
 * → reconcile (catalog → status) → register (SQLite) → report.
 *
 * Scanners know sources, not AI: they emit neutral observations. Rules know AI, not sources.
 */
import type { z } from 'zod';
import type { RuleIndex } from '../rules/compile.js';

/** Where an observation came from. */
export type SourceKind = 'repo' | 'network' | 'saas' | 'cloud';

/** presence: exists / is declared; usage: it was actually called or visited; credential: a key exists. */
export type Signal = 'presence' | 'usage' | 'credential';

/** declared: stated explicitly (manifest, resource, grant); inferred: derived (import, host, name heuristics). */
export type Confidence = 'declared' | 'inferred';

/**
 * Who or where the AI use occurs. `kind` is open: repo, user, ip, host, account, subscription,
 * project, principal, tenant, org …; `id` is the normalised identity used in fingerprints.
 */
export interface Subject {
  kind: string;
  id: string;
  /** Human-readable label, when it differs from id. */
  name?: string;
}

/**
 * Observation kinds. Each carries `value` (the primary key matched against the rules) and,
 * for some kinds, a namespace:
 * - host            value = host name (normalised lower-case, no port / trailing dot); attrs.path optional
 * - url             value = absolute URL
 * - package         value = package name; namespace = ecosystem (npm, pypi, maven, go, nuget, cargo, rubygems)
 * - import          value = imported module; namespace = language (python, javascript, go, java, csharp)
 * - env-var         value = variable name
 * - credential      value = redacted display (prefix…last4); attrs: service, pattern, fingerprint (found via RuleIndex.scanSecrets)
 * - cloud-resource  value = resource type (aws: `service:resource-type` ARN token; azure: `Microsoft.X/y`; gcp: asset type);
 *                   namespace = aws | azure | gcp; attrs.kind for Azure kinds
 * - audit-event     value = event source (e.g. CloudTrail eventSource, GCP serviceName); namespace = provider; attrs.eventName
 * - saas-app        value = app display name (may be ''); attrs: clientId, appId, vendor namespace (google, entra, okta, github, slack …)
 * - container-image value = image reference as written
 * - iac-resource    value = resource type; namespace = tool (terraform, bicep, cloudformation)
 * - agent-config    value = repo-relative path (forward slashes)
 * - model-artifact  value = model format id (from rules/model-formats.yaml); attrs.path, attrs.bytes
 * - literal         value = a string literal in source code that the rules ask for (a header or
 *                   parameter name of an API's request contract, RuleIndex.contractLiterals)
 */
export type ObservationKind =
  | 'host'
  | 'url'
  | 'package'
  | 'import'
  | 'env-var'
  | 'credential'
  | 'cloud-resource'
  | 'audit-event'
  | 'saas-app'
  | 'container-image'
  | 'iac-resource'
  | 'agent-config'
  | 'model-artifact'
  | 'literal';

export type AttrValue = string | number | boolean | null | string[];

/** A neutral fact a scanner saw. It names no AI service; the matcher decides what it means. */
export interface Observation {
  kind: ObservationKind;
  value: string;
  namespace?: string;
  source: SourceKind;
  scanner: string;
  signal: Signal;
  confidence: Confidence;
  subject: Subject;
  /** `path:line`, `file:line`, an ARN, an event id … Never contains a secret. */
  locator: string;
  /** Short context, secrets already redacted. */
  snippet?: string;
  /** ISO-8601 times when the source carries them (logs, audit, cloud created time). */
  firstSeen?: string;
  lastSeen?: string;
  /** Number of events folded into this observation (logs); default 1. */
  count?: number;
  bytesOut?: number;
  bytesIn?: number;
  /** Extra neutral facts: path, scopes, region, model id, owner tags, success=false … */
  attrs?: Record<string, AttrValue>;
  /**
   * A concrete artifact (a model file, a cloud resource): it becomes its own inventory item,
   * linked to the matched service. `key` must be stable (ARN, resource id, repo+path).
   */
  artifact?: { type: string; key: string; name?: string; attrs?: Record<string, AttrValue> };
}

/** Which rule turned the observation into a finding. */
export interface MatchInfo {
  /** domain | api-base-url | package | import | env-var | credential | cloud-resource | audit-event | saas-app | container-image | iac-resource | agent-config | model-format */
  rule: string;
  /** The rule's value that matched (a domain, a package name, a pattern id …). */
  pattern: string;
}

/** An observation matched to an AI service. */
export interface Finding extends Observation {
  /** Stable fingerprint from normalised identity (never line numbers). */
  id: string;
  service: string;
  serviceName: string;
  vendor: string;
  category: string;
  match: MatchInfo;
}

export interface UnitNote {
  unit: string;
  reason: string;
}

export interface Problem {
  /** file:line, or a unit id. */
  locator: string;
  message: string;
}

/** What a scanner covered. A unit is a file, a repo, an account×region, a log day … */
export interface Coverage {
  scanner: string;
  scanned: number;
  skipped: UnitNote[];
  failed: UnitNote[];
  /** Units fully covered (ids), so the register can decide what may be marked gone. */
  units: string[];
  /** Non-fatal problems (malformed lines …): `problemCount` is exact, `problems` a sample. */
  problemCount: number;
  problems: Problem[];
  /** Scanner-specific counters: lines read, bytes read, events … */
  stats: Record<string, number>;
}

/** Where a scanner reports what it sees. */
export interface Sink {
  observe(o: Observation): void;
  unitScanned(unit: string): void;
  unitSkipped(unit: string, reason: string): void;
  unitFailed(unit: string, reason: string): void;
  /**
   * A whole scope (a repository, an account) was covered completely: evidence of it not seen in
   * this run may be marked gone, even evidence whose own unit (a deleted file) no longer exists.
   */
  covered?(unit: string): void;
  problem(locator: string, message: string): void;
  stat(name: string, delta: number): void;
  /** Optional progress hint for TTY displays (units or bytes done / total). */
  progress(done: number, total?: number, label?: string): void;
  /** The coverage so far; scanners return it at the end of scan(). */
  coverage(): Coverage;
}

/** Persistent per-scanner state (read offsets, API cursors). Committed with the scan transaction. */
export interface StateStore {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface ScanContext<O = unknown> {
  /** Options already validated by the scanner's optionsSchema. */
  options: O;
  rules: RuleIndex;
  signal: AbortSignal;
  now: () => Date;
  log: Logger;
  state: StateStore;
  /** When true, ignore stored offsets/cursors and re-read everything. */
  full: boolean;
}

export interface CliOption {
  /** commander flags, e.g. '--egress <path>' */
  flags: string;
  description: string;
  /** Repeatable flag collecting values into an array. */
  repeatable?: boolean;
}

export interface ScannerModule<O = any> {
  id: string;
  title: string;
  source: SourceKind;
  tags: string[];
  version: string;
  optionsSchema: z.ZodType<O, any, any>;
  /**
   * True when the scanner reads incrementally (log offsets, API cursors) and so reports only
   * events it had not read before: the register adds them to what it had instead of replacing.
   */
  incremental?: boolean;
  /** CLI flags this scanner adds to `shadowscan scan`. */
  cli?: CliOption[];
  /**
   * Builds options from parsed CLI values (keys are commander's camelCase names); returns
   * undefined when the scanner was not asked for.
   */
  optionsFromCli?(values: Record<string, unknown>): O | undefined;
  /**
   * Only the options the command line set explicitly (unvalidated, no defaults), or undefined
   * when the scanner was not asked for. When present, `scan --config` merges these over the
   * config file's options for this source instead of replacing them (src/config.ts
   * cliScannerRuns).
   */
  cliOverrides?(values: Record<string, unknown>): Record<string, unknown> | undefined;
  scan(ctx: ScanContext<O>, sink: Sink): Promise<Coverage>;
}

/** Reconciliation outcome for an item (or occurrence) against the sanctioned catalog. */
export type ItemStatus =
  /** Mentioned only (tests, fixtures, docs, examples, UI text): kept with its reason, not in the intake queue. */
  | 'candidate'
  | 'sanctioned'
  | 'out-of-scope'
  | 'approval-expired'
  | 'declined-but-in-use'
  | 'unsanctioned';
