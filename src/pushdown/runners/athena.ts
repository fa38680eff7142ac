/**
 * Amazon Athena through the official `@aws-sdk/client-athena`: StartQueryExecution (work
 * group, output location, database / catalog), GetQueryExecution polled with back-off until a
 * final state, then GetQueryResults page by page (the first row of a SELECT's first page is the
 * header). Credentials come from the SDK's default chain; the endpoint from the SDK's own
 * settings (AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_ATHENA), so tests point it at a loopback server.
 * Throttling is retried by the SDK's adaptive retry; a failed or cancelled query is an
 * EngineError (a failed coverage unit). An aborted scan stops the query (StopQueryExecution).
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type GetQueryResultsCommandOutput,
} from '@aws-sdk/client-athena';
import { EngineError, sleep, type QueryRunner, type RunResult } from './types.js';
import type { RawRow } from '../rows.js';

export interface AthenaOptions {
  region?: string;
  workgroup?: string;
  /** s3://bucket/prefix/ for results (needed unless the work group enforces one) */
  outputLocation?: string;
  database?: string;
  catalog?: string;
  /** first poll delay, ms (doubles up to pollMaxMs) */
  pollMs?: number;
  pollMaxMs?: number;
  /** give up after this many ms (default 30 min) */
  timeoutMs?: number;
  maxAttempts?: number;
}

export class AthenaRunner implements QueryRunner {
  readonly engine = 'athena';
  private client: AthenaClient;

  constructor(private o: AthenaOptions = {}) {
    const maxAttempts = o.maxAttempts ?? 6;
    this.client = new AthenaClient({
      ...(o.region ? { region: o.region } : {}),
      // standard retry: exponential back-off with jitter on throttling and 5xx (the adaptive
      // mode's client-side rate limiter would slow every later page of a paged result)
      maxAttempts,
    });
  }

  async run(query: string, signal: AbortSignal): Promise<RunResult> {
    let id: string | undefined;
    try {
      const start = await this.client.send(
        new StartQueryExecutionCommand({
          QueryString: query,
          WorkGroup: this.o.workgroup,
          ...(this.o.outputLocation ? { ResultConfiguration: { OutputLocation: this.o.outputLocation } } : {}),
          ...(this.o.database || this.o.catalog ? { QueryExecutionContext: { Database: this.o.database, Catalog: this.o.catalog } } : {}),
        }),
        { abortSignal: signal },
      );
      id = start.QueryExecutionId;
      if (!id) throw new EngineError(this.engine, 'StartQueryExecution answered without a QueryExecutionId');
      const deadline = Date.now() + (this.o.timeoutMs ?? 30 * 60_000);
      let delay = this.o.pollMs ?? 500;
      let stats: RunResult['stats'] = { queryId: id };
      for (;;) {
        const ex = await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }), { abortSignal: signal });
        const st = ex.QueryExecution?.Status;
        const state = st?.State;
        if (state === 'SUCCEEDED') {
          const s = ex.QueryExecution?.Statistics;
          stats = { queryId: id, bytesScanned: s?.DataScannedInBytes, engineMs: s?.EngineExecutionTimeInMillis };
          break;
        }
        if (state === 'FAILED' || state === 'CANCELLED') {
          const err = st?.AthenaError;
          throw new EngineError(this.engine, `query ${id} ${state.toLowerCase()}: ${st?.StateChangeReason ?? err?.ErrorMessage ?? 'no reason given'}${err?.ErrorType !== undefined ? ` (error type ${err.ErrorType}${err.Retryable ? ', retryable' : ''})` : ''}`);
        }
        if (Date.now() > deadline) throw new EngineError(this.engine, `query ${id} still ${state ?? 'unknown'} after ${Math.round((this.o.timeoutMs ?? 1_800_000) / 1000)} s`);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, this.o.pollMaxMs ?? 5000);
      }
      const rows: RawRow[] = [];
      let token: string | undefined;
      let columns: string[] | undefined;
      let first = true;
      do {
        const page: GetQueryResultsCommandOutput = await this.client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }), { abortSignal: signal });
        columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => c.Name ?? c.Label ?? '');
        if (!columns?.length) throw new EngineError(this.engine, `query ${id}: results without column metadata`);
        const data = page.ResultSet?.Rows ?? [];
        for (let i = 0; i < data.length; i++) {
          const cells = data[i].Data ?? [];
          // a SELECT's first page starts with the header row
          if (first && i === 0 && cells.every((c, k) => c.VarCharValue === columns![k])) continue;
          const r: RawRow = {};
          columns.forEach((c, k) => (r[c] = cells[k]?.VarCharValue ?? null));
          rows.push(r);
        }
        first = false;
        token = page.NextToken;
      } while (token);
      return { rows, stats };
    } catch (e) {
      if (signal.aborted && id) await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
      if (e instanceof EngineError) throw e;
      const err = e as Error & { name?: string; $metadata?: { httpStatusCode?: number } };
      throw new EngineError(this.engine, `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}`, { cause: e });
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
