/**
 * shadowscan.yaml: one file naming sources (per scanner id, that scanner's options), the
 * catalog, the database, rule folders and outputs.
 */
import { z } from 'zod';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, formatIssues } from './core/errors.js';
import { parseYamlFile } from './rules/load.js';

export const FAIL_ON = ['new', 'unsanctioned', 'declined-in-use'] as const;

export const configSchema = z
  .object({
    version: z.literal(1).default(1),
    db: z.string().min(1).optional(),
    catalog: z.string().min(1).optional(),
    rules: z.array(z.string().min(1)).default([]),
    format: z.enum(['table', 'json', 'csv', 'sarif', 'markdown']).optional(),
    output: z.string().min(1).optional(),
    failOn: z.array(z.enum(FAIL_ON)).optional(),
    /** scanner id → that scanner's options (validated by the scanner's own schema). */
    sources: z.record(z.string(), z.unknown()).default({}),
  })
  .passthrough();

export type Config = z.output<typeof configSchema>;

/** Loads and validates; relative paths resolve against the config file's folder. */
export function loadConfig(file: string): Config {
  const raw = parseYamlFile(file, ConfigError);
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(formatIssues(file, parsed.error.issues));
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) || p === '-' ? p : resolve(base, p));
  const c = parsed.data;
  return { ...c, db: c.db && c.db !== ':memory:' ? abs(c.db) : c.db, catalog: c.catalog ? abs(c.catalog) : undefined, rules: c.rules.map(abs), output: c.output ? abs(c.output) : undefined, sources: resolveSourcePaths(c.sources, abs) };
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
