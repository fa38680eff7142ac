/**
 * DuckDB in process (`@duckdb/node-api`): the embedded default. Reads Parquet, CSV and JSON
 * (local paths and globs; object stores through DuckDB's httpfs extension where the user's
 * DuckDB can load it). Times are UTC (the session time zone is set so).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { EngineError, type QueryRunner, type RunResult } from './types.js';
import type { RawRow } from '../rows.js';

export interface DuckdbOptions {
  /** worker threads DuckDB may use (default: DuckDB's, i.e. every core) */
  threads?: number;
  /** memory limit, e.g. '1GB' */
  memoryLimit?: string;
}

export class DuckdbRunner implements QueryRunner {
  readonly engine = 'duckdb';
  private conn?: Promise<DuckDBConnection>;
  private instance?: DuckDBInstance;

  constructor(private opts: DuckdbOptions = {}) {}

  private connect(): Promise<DuckDBConnection> {
    this.conn ??= (async () => {
      this.instance = await DuckDBInstance.create(':memory:');
      const c = await this.instance.connect();
      await c.run(`SET TimeZone = 'UTC'`);
      if (this.opts.threads) await c.run(`SET threads = ${Math.max(1, Math.floor(this.opts.threads))}`);
      if (this.opts.memoryLimit && /^\d+(\.\d+)?\s*[KMGT]i?B$/i.test(this.opts.memoryLimit)) await c.run(`SET memory_limit = '${this.opts.memoryLimit}'`);
      return c;
    })();
    return this.conn;
  }

  /** Column names and types of a from-clause (for mapping fields by name). */
  async describe(from: string): Promise<Array<{ name: string; type: string }>> {
    const c = await this.connect();
    try {
      const r = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${from} AS src`);
      return r.getRowObjectsJS().map((o) => ({ name: String(o.column_name), type: String(o.column_type) }));
    } catch (e) {
      throw new EngineError(this.engine, (e as Error).message, { cause: e });
    }
  }

  async run(query: string, signal: AbortSignal): Promise<RunResult> {
    const c = await this.connect();
    const onAbort = () => c.interrupt();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const r = await c.runAndReadAll(query);
      const rows = r.getRowObjectsJS() as RawRow[];
      return { rows, stats: {} };
    } catch (e) {
      throw new EngineError(this.engine, (e as Error).message, { cause: e });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    if (!this.conn) return;
    const c = await this.conn.catch(() => undefined);
    c?.closeSync();
    this.instance?.closeSync();
    this.conn = undefined;
  }
}
