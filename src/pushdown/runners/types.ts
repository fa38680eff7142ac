import type { RawRow } from '../rows.js';
import type { Window } from '../types.js';

/** What an engine reports about one query run (whatever it reports; absent = not told). */
export interface RunStats {
  /** rows the engine read to answer (its own statistic) */
  rowsScanned?: number;
  /** bytes the engine read (Athena DataScannedInBytes, BigQuery totalBytesProcessed) */
  bytesScanned?: number;
  /** the engine's own execution time */
  engineMs?: number;
  /** the engine's id for the run (Athena QueryExecutionId, Splunk sid, BigQuery job id) */
  queryId?: string;
}

export interface RunResult {
  rows: RawRow[];
  stats: RunStats;
}

/** One engine: runs a compiled query and returns its rows as plain records keyed by column name. */
export interface QueryRunner {
  readonly engine: string;
  /** `window` is in the query already; engines whose API takes a time range too get it here */
  run(query: string, signal: AbortSignal, window?: Window): Promise<RunResult>;
  close?(): Promise<void>;
}

/** A query the engine refused or failed: becomes a failed coverage unit, never a thrown scan. */
export class EngineError extends Error {
  constructor(
    readonly engine: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${engine}: ${message}`, options);
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new EngineError('abort', 'aborted'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new EngineError('abort', 'aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
