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

/** Formats zod issues as `file: path.to.field: message` lines. */
export function formatIssues(
  file: string,
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): string {
  return issues
    .map((i) => `${file}: ${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('\n');
}
