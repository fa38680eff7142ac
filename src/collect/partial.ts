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
