/**
 * shadowscan.yaml: one file naming sources (per scanner id, that scanner's options, plus a
 * `github` organisation source), a cron schedule per source, the catalog, the database, rule
 * folders, outputs and notification targets.
 *
 * Compatible with the first format: `sources.<scannerId>` is still that scanner's options;
 * a `schedule:` key inside it is taken out before the scanner sees the options. Strings may
 * use `${ENV_NAME}` (resolved at load time; a missing variable is an error naming its path).
 * The published JSON Schema (docs/shadowscan.schema.json) is generated from these zod schemas
 * by `configJsonSchema()`.
 */
import { z } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { Cron } from 'croner';
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError, UsageError, formatIssues } from './core/errors.js';
import { unknownKeyIssues } from './core/did-you-mean.js';
import { parseYamlFile } from './rules/load.js';
import { scanners } from '../scanners/index.js';
import type { ScannerModule } from './core/types.js';
import { isPostgresUrl } from './register/register.js';

export const FAIL_ON = ['new', 'unsanctioned', 'declined-in-use'] as const;

/** Formats an `outputs[]` entry may name: the scan reporters, the exports and the change digest. */
export const OUTPUT_FORMATS = ['table', 'json', 'csv', 'sarif', 'markdown', 'cyclonedx', 'ocsf', 'sigma', 'soa', 'soa-csv', 'register-csv', 'diff-markdown', 'diff-json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const NOTIFY_EVENTS = ['new-unsanctioned', 'declined-in-use', 'expiring-approvals', 'governance-escalated', 'governance-review-due', 'governance-review-lapsed'] as const;
/** The governance clock's events (`governance sweep`): posted to the targets whose `on` lists them. */
export const GOVERNANCE_EVENTS = ['governance-escalated', 'governance-review-due', 'governance-review-lapsed'] as const satisfies readonly NotifyEvent[];
export type GovernanceEvent = (typeof GOVERNANCE_EVENTS)[number];
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** A source that is not a scanner: clones / pulls an organisation's repositories, then runs the repo scanner over them. */
export const GITHUB_SOURCE = 'github';

function cronProblem(expr: string): string | undefined {
  try {
    new Cron(expr, { paused: true });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export const cronSchema = z
  .string()
  .min(1)
  .superRefine((v, ctx) => {
    const p = cronProblem(v);
    if (p) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a cron expression ("m h dom mon dow", e.g. "0 3 * * *"): ${p}` });
  })
  .describe('Cron expression (5 or 6 fields, croner syntax), evaluated in `timezone` or the local time zone.');

const scheduleFields = {
  schedule: cronSchema.optional(),
};

export const githubSourceSchema = z
  .object({
    ...scheduleFields,
    org: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'expected a GitHub organisation login').describe('Organisation whose repositories are cloned and scanned.'),
    token: z.string().min(1).optional().describe('Token with read access to the repositories, usually "${GITHUB_TOKEN}". Sent only to apiUrl and to git over HTTPS.'),
    apiUrl: z.string().url().default('https://api.github.com').describe('REST API base URL (GitHub Enterprise Server: https://HOST/api/v3).'),
    cacheDir: z.string().min(1).default('.shadowscan/github').describe('Where clones are kept between runs (relative to the config file).'),
    repos: z.array(z.string().min(1)).optional().describe('Only these repository names (globs).'),
    excludeRepos: z.array(z.string().min(1)).default([]).describe('Skip these repository names (globs).'),
    includeArchived: z.boolean().default(false),
    includeForks: z.boolean().default(false),
    /** Options passed to the repo scanner (everything but `paths`). */
    scan: z.record(z.string(), z.unknown()).default({}).describe('Repo scanner options (exclude, maxFileBytes …) for the cloned repositories.'),
  })
  .strict();
export type GithubSource = z.output<typeof githubSourceSchema>;

export const outputSchema = z
  .object({
    format: z.enum(OUTPUT_FORMATS),
    path: z.string().min(1).describe('File to write (relative to the config file); "-" for stdout.'),
  })
  .strict();

export const webhookTargetSchema = z
  .object({
    name: z.string().min(1).optional(),
    type: z.literal('webhook').default('webhook'),
    /** json: generic JSON document; slack: Slack incoming-webhook blocks; teams: Teams / Power Automate Adaptive Card message. */
    format: z.enum(['json', 'slack', 'teams']).default('json'),
    url: z.string().url().describe('Webhook URL; usually "${SLACK_WEBHOOK_URL}" so the secret stays out of the file.'),
    headers: z.record(z.string(), z.string()).default({}),
    /** What the target hears about (default: new unsanctioned items, declined items in use and the governance clock's events). */
    on: z.array(z.enum(NOTIFY_EVENTS)).min(1).default(['new-unsanctioned', 'declined-in-use', ...GOVERNANCE_EVENTS]),
    /** Only changes from these sources (default: all). */
    sources: z.array(z.string().min(1)).optional(),
    retries: z.number().int().min(0).max(10).default(4),
    timeoutMs: z.number().int().positive().default(10_000),
  })
  .strict();
export type WebhookTarget = z.output<typeof webhookTargetSchema>;

export const notificationsSchema = z
  .object({
    targets: z.array(webhookTargetSchema).default([]),
    /** Notify on a source's first (baseline) run too. Default false: the first run only records the baseline. */
    onBaseline: z.boolean().default(false),
  })
  .strict();

export const diffSettingsSchema = z
  .object({
    /** Report catalog approvals that expire within this many days. */
    expiringWithinDays: z.number().int().min(0).default(30),
  })
  .strict();

export const governanceScheduleSchema = z
  .object({
    sweep: cronSchema
      .default('0 * * * *')
      .describe('When `shadowscan schedule run` runs the governance sweep: escalation of overdue entries, due and lapsed reviews, their notifications (once each). Every scan commit also sweeps.'),
  })
  .strict();

const configShape = z
  .object({
    version: z.literal(1).default(1),
    db: z.string().min(1).optional(),
    catalog: z.string().min(1).optional(),
    rules: z.array(z.string().min(1)).default([]),
    format: z.enum(['table', 'json', 'csv', 'sarif', 'markdown']).optional(),
    output: z.string().min(1).optional(),
    failOn: z.array(z.enum(FAIL_ON)).optional(),
    /** scanner id → that scanner's options (validated by the scanner's own schema), plus `github`. */
    sources: z.record(z.string(), z.unknown()).default({}),
    outputs: z.array(outputSchema).default([]),
    notifications: notificationsSchema.default({}),
    diff: diffSettingsSchema.default({}),
    /** The governance clock's schedule (issue 15). */
    governance: governanceScheduleSchema.default({}),
    /** IANA time zone for schedules (default: the process's). */
    timezone: z.string().min(1).optional(),
  });

/**
 * The top level is closed: a typo (`catalgo:`) is an error with a suggestion, not a setting
 * silently ignored. Keys starting with `x-` are free for YAML anchors and comments-as-data.
 */
export const configSchema = configShape.strict();



export interface SourceSpec {
  /** The key under `sources` (a scanner id, or `github`). */
  name: string;
  /** The scanner that runs for it. */
  scanner: string;
  schedule?: string;
}

export type Config = Omit<z.output<typeof configShape>, 'sources'> & {
  /** scanner id → that scanner's options (schedule removed, paths resolved); `github` is not here. */
  sources: Record<string, unknown>;
  /** Every configured source with its schedule, in file order. */
  sourceSpecs: SourceSpec[];
  github?: GithubSource;
  /** The file the config was loaded from (absolute). */
  file?: string;
};

/** `$${` (a literal `${`), `${NAME}`, or a `${` that is neither (an error). */
const ENV_REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{/g;

/**
 * Replaces `${NAME}` in every string value; `$${` stands for a literal `${`. A `${` without a
 * closing brace or with an invalid name is an error, never kept literally. Problems name the
 * path of the value.
 */
export function substituteEnv(v: unknown, env: NodeJS.ProcessEnv, path: PropertyKey[] = [], problems: Array<{ path: PropertyKey[]; message: string }> = []): unknown {
  if (typeof v === 'string')
    return v.replace(ENV_REF, (m: string, name: string | undefined, offset: number) => {
      if (m === '$${') return '${';
      if (name === undefined) {
        const rest = v.slice(offset + 2, offset + 40);
        problems.push({ path, message: `"\${" without a closing "}" or with an invalid variable name ("\${${rest.split('}')[0]}…"): write \${NAME} (letters, digits, _), or $\${ for a literal "\${"` });
        return m;
      }
      const val = env[name];
      if (val === undefined) {
        problems.push({ path, message: `environment variable ${name} is not set (referenced as \${${name}})` });
        return '';
      }
      return val;
    });
  if (Array.isArray(v)) return v.map((x, i) => substituteEnv(x, env, [...path, i], problems));
  if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substituteEnv(x, env, [...path, k], problems)]));
  return v;
}

/** Loads and validates; relative paths resolve against the config file's folder. */
export function loadConfig(file: string, opts: { env?: NodeJS.ProcessEnv; scanners?: ScannerModule[] } = {}): Config {
  const raw = parseYamlFile(file, ConfigError);
  return parseConfig(raw ?? {}, file, opts);
}

/** Validates an already-parsed config document (as loadConfig does). */
/** Top-level keys of earlier versions: an error that says what to do instead (not "unknown key"). */
const REMOVED_KEYS: Record<string, string> = {
  lockDir: 'no longer used: every scan takes a lease on its source in the register itself (docs/scheduling.md, "Running it"); remove this key',
};

export function parseConfig(raw: unknown, file: string, opts: { env?: NodeJS.ProcessEnv; scanners?: ScannerModule[] } = {}): Config {
  const known = opts.scanners ?? scanners;
  const removed = raw && typeof raw === 'object' ? Object.keys(raw).filter((k) => Object.hasOwn(REMOVED_KEYS, k)) : [];
  if (removed.length) throw new ConfigError(formatIssues(file, removed.map((k) => ({ path: [k], message: REMOVED_KEYS[k] }))));
  const topLevel = unknownKeyIssues(raw, Object.keys(configShape.shape), (k) => k.startsWith('x-'));
  if (topLevel.length) throw new ConfigError(formatIssues(file, topLevel));
  const envProblems: Array<{ path: PropertyKey[]; message: string }> = [];
  const substituted = substituteEnv(raw, opts.env ?? process.env, [], envProblems);
  if (envProblems.length) throw new ConfigError(formatIssues(file, envProblems));
  const { rest } = splitExtensions(substituted);
  const parsed = configSchema.safeParse(rest);
  if (!parsed.success) throw new ConfigError(formatIssues(file, parsed.error.issues));
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) || p === '-' ? p : resolve(base, p));
  const c = parsed.data;

  const issues: Array<{ path: PropertyKey[]; message: string }> = [];
  const sources: Record<string, unknown> = {};
  const sourceSpecs: SourceSpec[] = [];
  let github: GithubSource | undefined;
  for (const [name, rawOpts] of Object.entries(c.sources)) {
    const at = (p: ReadonlyArray<PropertyKey>) => ['sources', name, ...p];
    if (name === GITHUB_SOURCE) {
      const g = githubSourceSchema.safeParse(rawOpts ?? {});
      if (!g.success) {
        for (const i of g.error.issues) issues.push({ path: at(i.path), message: i.message });
        continue;
      }
      github = { ...g.data, cacheDir: abs(g.data.cacheDir) };
      sourceSpecs.push({ name, scanner: 'repo', schedule: github.schedule });
      continue;
    }
    const scanner = known.find((s) => s.id === name);
    if (!scanner) {
      issues.push({ path: at([]), message: `unknown source "${name}" (expected a scanner id — ${known.map((s) => s.id).join(', ')} — or ${GITHUB_SOURCE})` });
      continue;
    }
    let schedule: string | undefined;
    let o = rawOpts;
    if (o && typeof o === 'object' && !Array.isArray(o) && 'schedule' in o) {
      const { schedule: s, ...rest } = o as Record<string, unknown>;
      const sp = cronSchema.safeParse(s);
      if (!sp.success) for (const i of sp.error.issues) issues.push({ path: at(['schedule', ...i.path]), message: i.message });
      else schedule = sp.data;
      o = rest;
    }
    const resolved = resolveSourcePaths({ [name]: o }, abs)[name];
    const v = scanner.optionsSchema.safeParse(resolved);
    if (!v.success) for (const i of v.error.issues) issues.push({ path: at(i.path), message: i.message });
    sources[name] = resolved;
    sourceSpecs.push({ name, scanner: name, schedule });
  }
  c.notifications.targets.forEach((t, i) => {
    for (const s of t.sources ?? []) if (!sourceSpecs.some((x) => x.name === s) && !(s in c.sources)) issues.push({ path: ['notifications', 'targets', i, 'sources'], message: `unknown source "${s}" (configured: ${Object.keys(c.sources).join(', ') || 'none'})` });
  });
  if (c.timezone) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: c.timezone });
    } catch {
      issues.push({ path: ['timezone'], message: `unknown IANA time zone "${c.timezone}"` });
    }
  }
  if (issues.length) throw new ConfigError(formatIssues(file, issues));

  return {
    ...c,
    file: resolve(file),
    // a file path is relative to the config file; a postgres:// URL is kept as it is
    db: c.db && c.db !== ':memory:' && !isPostgresUrl(c.db) ? abs(c.db) : c.db,
    catalog: c.catalog ? abs(c.catalog) : undefined,
    rules: c.rules.map(abs),
    output: c.output ? abs(c.output) : undefined,
    outputs: c.outputs.map((o) => ({ ...o, path: abs(o.path) })),
    sources,
    sourceSpecs,
    github,
  };
}

/** `x-*` top-level keys (YAML anchors' home) are not settings: set apart before validation. */
function splitExtensions(v: unknown): { extensions: Record<string, unknown>; rest: unknown } {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { extensions: {}, rest: v };
  const extensions: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) (k.startsWith('x-') ? extensions : rest)[k] = x;
  return { extensions, rest };
}

/** Resolves `paths` / `path` / `*File` options of sources relative to the config file. */
function resolveSourcePaths(sources: Record<string, unknown>, abs: (p: string) => string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, opts] of Object.entries(sources)) {
    if (!opts || typeof opts !== 'object' || Array.isArray(opts)) {
      out[id] = opts;
      continue;
    }
    const o: Record<string, unknown> = { ...(opts as Record<string, unknown>) };
    for (const [k, v] of Object.entries(o)) {
      if (k === 'paths' && Array.isArray(v)) o[k] = v.map((p) => (typeof p === 'string' ? abs(p) : p));
      else if ((k === 'path' || /File$/.test(k)) && typeof v === 'string') o[k] = abs(v);
    }
    out[id] = o;
  }
  return out;
}

function withSchedule(schema: z.ZodTypeAny): z.ZodTypeAny {
  if (schema instanceof z.ZodObject) return schema.extend(scheduleFields);
  return z.intersection(schema, z.object(scheduleFields));
}

/** The JSON Schema of shadowscan.yaml (draft-07), with every registered scanner's options. */
export function configJsonSchema(known: ScannerModule[] = scanners): Record<string, unknown> {
  const sourceShape: Record<string, z.ZodTypeAny> = { [GITHUB_SOURCE]: githubSourceSchema.optional() };
  for (const s of [...known].sort((a, b) => a.id.localeCompare(b.id))) sourceShape[s.id] = withSchedule(s.optionsSchema).optional().describe(`${s.title} (scanner "${s.id}")`);
  const full = configShape.extend({ sources: z.object(sourceShape).strict().default({}) }).strict();
  const js = allowEnvRefs(zodToJsonSchema(full, { $refStrategy: 'none', target: 'jsonSchema7' })) as Record<string, unknown>;
  // The top level stays open for other features' keys (e.g. `serve`); say so explicitly.
  js.additionalProperties = true;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/shadowscan/shadowscan/docs/shadowscan.schema.json',
    title: 'shadowscan.yaml',
    description: 'Configuration for `shadowscan scan --config` and `shadowscan schedule run`. Generated from src/config.ts — do not edit.',
    ...Object.fromEntries(Object.entries(js).filter(([k]) => k !== '$schema')),
  };
}

/** Any string may be written as `${ENV}` (substituted before validation): formatted strings accept that too. */
function allowEnvRefs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(allowEnvRefs);
  if (!v || typeof v !== 'object') return v;
  const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, allowEnvRefs(x)])) as Record<string, unknown>;
  if (o.type === 'string' && typeof o.format === 'string') {
    const { format, ...rest } = o;
    return { ...rest, anyOf: [{ format }, { pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}' }] };
  }
  return o;
}

/**
 * Output paths checked before anything is scanned (so a mistake never costs a scan, and never
 * overwrites what must not be overwritten): an output may not be the register database (or its
 * -wal / -shm / -journal files), the config file, the catalog, an existing folder, a path whose
 * folder does not exist, or the same file as another output. Paths compare after resolving
 * symlinks of what exists. Throws one UsageError line naming the output and why.
 */
export function checkOutputPaths(outputs: ReadonlyArray<string | undefined>, protect: { db?: string; config?: string; catalog?: string; cwd?: string } = {}): void {
  const cwd = protect.cwd ?? process.cwd();
  const real = (p: string): string => {
    const abs = resolve(cwd, p);
    try {
      return realpathSync(abs);
    } catch {
      // not there yet: resolve its folder, keep the name
      try {
        return join(realpathSync(dirname(abs)), basename(abs));
      } catch {
        return abs;
      }
    }
  };
  const guarded = new Map<string, string>();
  if (protect.db && protect.db !== ':memory:') {
    const db = real(protect.db);
    guarded.set(db, 'the register database');
    for (const sfx of ['-wal', '-shm', '-journal']) guarded.set(db + sfx, 'a file of the register database');
  }
  if (protect.config) guarded.set(real(protect.config), 'the config file');
  if (protect.catalog) guarded.set(real(protect.catalog), 'the catalog');
  const seen = new Map<string, string>();
  for (const o of outputs) {
    if (!o || o === '-') continue;
    const r = real(o);
    const what = guarded.get(r);
    if (what) throw new UsageError(`output ${o}: is ${what}; writing the report there would overwrite it — choose another path`);
    let st;
    try {
      st = statSync(r);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) throw new UsageError(`output ${o}: is a folder; expected a file path`);
    if (!st) {
      let dir;
      try {
        dir = statSync(dirname(r));
      } catch {
        dir = undefined;
      }
      if (!dir?.isDirectory()) throw new UsageError(`output ${o}: folder ${dirname(r)} does not exist`);
    }
    const prev = seen.get(r);
    if (prev !== undefined) throw new UsageError(`output ${o}: is the same file as output ${prev}`);
    seen.set(r, o);
  }
}

/**
 * The scanner runs the command line asks for, merged with the config file: for a scanner that
 * reports its explicit flags (`cliOverrides`), the flags override only the options they name
 * and every other option of that source in the config file (accounts, retries, concurrency …)
 * is kept. A scanner without `cliOverrides` keeps the older rule: its flags replace the
 * source's options. A merged value that does not validate is a one-line UsageError.
 */
export function cliScannerRuns(values: Record<string, unknown>, cfg?: Pick<Config, 'file' | 'sources'>, known: ScannerModule[] = scanners): Array<{ scanner: ScannerModule; options: unknown }> {
  const runs: Array<{ scanner: ScannerModule; options: unknown }> = [];
  for (const s of known) {
    if (s.cliOverrides) {
      const flags = s.cliOverrides(values);
      if (flags === undefined) continue;
      const fromCfg = cfg?.sources[s.id];
      const merged = { ...(fromCfg && typeof fromCfg === 'object' && !Array.isArray(fromCfg) ? (fromCfg as Record<string, unknown>) : {}), ...flags };
      const v = s.optionsSchema.safeParse(merged);
      if (!v.success) {
        const where = cfg && fromCfg !== undefined ? `${s.id} options (${cfg.file} sources.${s.id} + command-line flags)` : `${s.id} options (command-line flags)`;
        throw new UsageError(formatIssues(where, v.error.issues).split('\n').join('; '));
      }
      runs.push({ scanner: s, options: v.data });
      continue;
    }
    const o = s.optionsFromCli?.(values);
    if (o !== undefined) runs.push({ scanner: s, options: o });
  }
  return runs;
}
