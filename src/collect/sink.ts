import type { Coverage, Observation, Sink } from '../core/types.js';

export const PROBLEM_SAMPLE = 50;

/**
 * The standard sink: collects observations (through a callback, so the runner can stream
 * them into the matcher) and records coverage.
 */
export class RecordingSink implements Sink {
  private cov: Coverage;
  private unitSet = new Set<string>();
  constructor(
    scanner: string,
    private onObservation: (o: Observation) => void,
    private onProgress?: (done: number, total?: number, label?: string) => void,
  ) {
    this.cov = { scanner, scanned: 0, skipped: [], failed: [], units: [], problemCount: 0, problems: [], stats: {} };
  }
  observe(o: Observation): void {
    this.onObservation(o);
  }
  unitScanned(unit: string): void {
    this.cov.scanned++;
    if (!this.unitSet.has(unit)) {
      this.unitSet.add(unit);
      this.cov.units.push(unit);
    }
  }
  covered(unit: string): void {
    if (!this.unitSet.has(unit)) {
      this.unitSet.add(unit);
      this.cov.units.push(unit);
    }
  }
  unitSkipped(unit: string, reason: string): void {
    this.cov.skipped.push({ unit, reason });
  }
  unitFailed(unit: string, reason: string): void {
    this.cov.failed.push({ unit, reason });
  }
  problem(locator: string, message: string): void {
    this.cov.problemCount++;
    if (this.cov.problems.length < PROBLEM_SAMPLE) this.cov.problems.push({ locator, message });
  }
  stat(name: string, delta: number): void {
    this.cov.stats[name] = (this.cov.stats[name] ?? 0) + delta;
  }
  progress(done: number, total?: number, label?: string): void {
    this.onProgress?.(done, total, label);
  }
  coverage(): Coverage {
    return this.cov;
  }
}
