/**
 * A partial unit: a file or object that ends early (a truncated .gz, a JSON document cut inside
 * its record array) keeps the records read before the cut. It is not fully covered — it is listed
 * under `failed` with a reason starting `partial:` and the byte offset, so the run is "partial" and
 * nothing of it may be marked gone — but it did scan something: `stats['units.partial']` counts
 * it, and a run whose only failures are partial units did not "scan nothing".
 */
import type { Coverage, Sink } from '../core/types.js';

export const PARTIAL_PREFIX = 'partial: ';

export function unitPartial(sink: Sink, unit: string, reason: string): void {
  sink.stat('units.partial', 1);
  sink.unitFailed(unit, `${PARTIAL_PREFIX}${reason}`);
}

/** Units of this coverage that were read in part (their records kept). */
export function partialUnits(cov: Coverage): number {
  return cov.stats['units.partial'] ?? 0;
}

/**
 * True when the scanners read nothing at all: some unit failed, and no unit was scanned, skipped
 * or read in part. (A scan that read part of a truncated file scanned something: exit "partial",
 * not "nothing could be scanned".)
 */
export function scannedNothing(coverage: Coverage[]): boolean {
  const failed = coverage.reduce((n, c) => n + c.failed.length, 0);
  return failed > 0 && coverage.every((c) => c.scanned === 0 && c.skipped.length === 0 && partialUnits(c) === 0);
}

/**
 * The CLI's exit codes, one table for `scan`, `schedule run --once` and `demo` (README, "Exit
 * codes"). A run ends in exactly one of them; when several apply the most severe wins:
 * internal error 3, then failed / usage 2, then `--fail-on` 1, then partial coverage 4.
 */
export const EXIT = {
  /** complete coverage (and `--fail-on` did not match) */
  ok: 0,
  /** `--fail-on` matched; `audit verify` / `rules test` found a problem */
  gate: 1,
  /** usage or configuration error, or a scan that could scan nothing at all */
  failed: 2,
  /** a bug: stack trace on stderr */
  internal: 3,
  /** the run committed what it read, but some unit failed or was read in part */
  partial: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const SEVERITY: Record<number, number> = { [EXIT.ok]: 0, [EXIT.partial]: 1, [EXIT.gate]: 2, [EXIT.failed]: 3, [EXIT.internal]: 4 };

/** The more severe of two exit codes (see EXIT). */
export function worseExit(a: number, b: number): number {
  return (SEVERITY[b] ?? 4) > (SEVERITY[a] ?? 4) ? b : a;
}

/** Exit code of one run's outcome: failed or nothing scanned 2, partial 4, complete 0. */
export function runExitCode(status: string, coverage: Coverage[]): ExitCode {
  if (status === 'failed' || scannedNothing(coverage)) return EXIT.failed;
  if (status === 'partial') return EXIT.partial;
  return EXIT.ok;
}
