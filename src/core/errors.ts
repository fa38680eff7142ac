/**
 * A few named error classes. The CLI prints a known error in one line and exits 2.
 */
export class ShadowscanError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command line or option values. */
export class UsageError extends ShadowscanError {}

/** Invalid configuration file (shadowscan.yaml). */
export class ConfigError extends ShadowscanError {}

/** Invalid rule file: names the file, the path inside it and what was expected. */
export class RulesError extends ShadowscanError {}

/** Invalid sanctioned-catalog file. */
export class CatalogError extends ShadowscanError {}

/** Nothing at all could be scanned by a scanner (bad credentials, bad config). */
export class ScanError extends ShadowscanError {}

/** Register / database problem. */
export class RegisterError extends ShadowscanError {}

export function isKnownError(e: unknown): e is ShadowscanError {
  return e instanceof ShadowscanError;
}

interface IssueLike {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  received?: unknown;
  expected?: unknown;
  keys?: ReadonlyArray<string>;
  unionErrors?: ReadonlyArray<{ issues: ReadonlyArray<IssueLike> }>;
}

/** One issue in words a user can act on: what is missing or wrong, and what was expected. */
function describeIssue(i: IssueLike): string {
  const missing = (x: IssueLike) => x.code === 'invalid_type' && x.received === 'undefined';
  if (missing(i)) return `missing: expected ${String(i.expected ?? 'a value')}`;
  if (i.code === 'invalid_type' && i.received === 'null' && !i.path.length) return 'the file is empty: expected a YAML mapping';
  if (i.code === 'invalid_type') return `expected ${String(i.expected)}, got ${String(i.received)}`;
  if (i.code === 'invalid_union' && i.unionErrors?.length && i.unionErrors.every((u) => u.issues.some(missing))) {
    const kinds = [...new Set(i.unionErrors.flatMap((u) => u.issues.filter(missing).map((x) => String(x.expected))))];
    return `missing: expected ${kinds.includes('date') ? 'a date YYYY-MM-DD' : kinds.join(' or ')}`;
  }
  if (i.code === 'unrecognized_keys' && i.keys?.length) return `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')} (a typo, or a field this version does not know)`;
  return i.message;
}

/** Formats zod issues as `file: path.to.field: message` lines. */
export function formatIssues(file: string, issues: ReadonlyArray<IssueLike>): string {
  return issues.map((i) => `${file}: ${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${describeIssue(i)}`).join('\n');
}
