/**
 * collect: runs the selected scanners, each with its own sink, and gathers observations and
 * coverage. A scanner that throws is recorded as a failed scanner (its whole scope failed);
 * the other scanners' results still land.
 */
import { formatIssues, ScanError, UsageError } from '../core/errors.js';
import type { Coverage, Logger, Observation, ScannerModule, StateStore } from '../core/types.js';
import type { RuleIndex } from '../rules/compile.js';
import { maskCoverage, maskDeep, maskObservation, maskText } from '../match/mask.js';
import { RecordingSink } from './sink.js';

export interface ScannerRun {
  scanner: ScannerModule;
  options: unknown;
}

export interface CollectResult {
  observations: Observation[];
  coverage: Coverage[];
  /** scanner id → error message, for scanners that could scan nothing. */
  errors: Record<string, string>;
  /** per-scanner state changes to persist with the scan (cursors / offsets). */
  state: Record<string, Record<string, unknown>>;
  scannerVersions: Record<string, string>;
}

export interface CollectOptions {
  rules: RuleIndex;
  now?: () => Date;
  signal?: AbortSignal;
  log?: Logger;
  full?: boolean;
  /** Previously stored state per scanner id. */
  state?: Record<string, Record<string, unknown>>;
  onProgress?: (scanner: string, done: number, total?: number, label?: string) => void;
  onObservation?: (o: Observation) => void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {} };

/** Validates a scanner's options with its schema; errors name the scanner and the field. */
export function validateOptions(scanner: ScannerModule, options: unknown, where = `scanner ${scanner.id}`): unknown {
  const r = scanner.optionsSchema.safeParse(options);
  if (!r.success) throw new UsageError(formatIssues(where, r.error.issues).split('\n').join('; '));
  return r.data;
}

class MemoryState implements StateStore {
  changes: Record<string, unknown> = {};
  constructor(private initial: Record<string, unknown>) {}
  get<T>(key: string): T | undefined {
    return (key in this.changes ? this.changes[key] : this.initial[key]) as T | undefined;
  }
  set(key: string, value: unknown): void {
    this.changes[key] = value;
  }
}

/**
 * `{ ...attrs, increment: true }`, built one property at a time: V8 gives the spread's result a
 * hidden class of its own per object (a million observations, a million maps), these share one.
 */
function incremented(attrs: Observation['attrs']): NonNullable<Observation['attrs']> {
  const out: Record<string, unknown> = {};
  if (attrs) for (const k in attrs) out[k] = attrs[k];
  out.increment = true;
  return out as NonNullable<Observation['attrs']>;
}

export async function collect(runs: ScannerRun[], opts: CollectOptions): Promise<CollectResult> {
  const observations: Observation[] = [];
  const coverage: Coverage[] = [];
  const errors: Record<string, string> = {};
  const state: Record<string, Record<string, unknown>> = {};
  const scannerVersions: Record<string, string> = {};
  const signal = opts.signal ?? new AbortController().signal;
  for (const run of runs) {
    const { scanner } = run;
    scannerVersions[scanner.id] = scanner.version;
    const options = validateOptions(scanner, run.options);
    const sink = new RecordingSink(
      scanner.id,
      (o) => {
        // secrets never stored: whatever a scanner hands over passes the credential detector here
        o = maskObservation(opts.rules, o);
        if (scanner.incremental && !opts.full) o = { ...o, attrs: incremented(o.attrs) };
        observations.push(o);
        opts.onObservation?.(o);
      },
      (d, t, l) => opts.onProgress?.(scanner.id, d, t, l),
    );
    const st = new MemoryState(opts.state?.[scanner.id] ?? {});
    try {
      if (signal.aborted) throw new ScanError('aborted');
      const cov = await scanner.scan(
        { options, rules: opts.rules, signal, now: opts.now ?? (() => new Date()), log: opts.log ?? silentLogger, state: st, full: opts.full ?? false },
        sink,
      );
      coverage.push(maskCoverage(opts.rules, cov ?? sink.coverage()));
      state[scanner.id] = maskDeep(opts.rules, st.changes);
    } catch (e) {
      const msg = maskText(opts.rules, e instanceof Error ? e.message : String(e));
      errors[scanner.id] = msg;
      const cov = maskCoverage(opts.rules, sink.coverage());
      cov.failed.push({ unit: `${scanner.id}:*`, reason: msg });
      coverage.push(cov);
      if (e instanceof UsageError) throw e.message === msg ? e : new UsageError(msg, { cause: e });
    }
  }
  return { observations, coverage, errors, state, scannerVersions };
}
