/**
 * BigQuery through the official `@google-cloud/bigquery` client: the compiled GoogleSQL is a
 * query job (`jobs.insert`), its results read with `jobs.getQueryResults` — polled while
 * `jobComplete` is false and paged by `pageToken` by the client — and the job's
 * `statistics.totalBytesProcessed` kept as bytes scanned. Credentials: Application Default
 * Credentials, or a bearer token in GOOGLE_OAUTH_ACCESS_TOKEN (as the gcp scanner); the project
 * from the options, BIGQUERY_PROJECT or GOOGLE_CLOUD_PROJECT; the endpoint from the options or
 * SHADOWSCAN_BIGQUERY_ENDPOINT (loopback tests; the client's own BIGQUERY_EMULATOR_HOST works too).
 */
import { BigQuery, type Job } from '@google-cloud/bigquery';
import { createRequire } from 'node:module';
import { EngineError, type QueryRunner, type RunResult } from './types.js';
import type { RawRow } from '../rows.js';

export interface BigqueryOptions {
  projectId?: string;
  location?: string;
  endpoint?: string;
  /** refuse a query that would bill more than this many bytes (BigQuery's maximumBytesBilled) */
  maximumBytesBilled?: number;
}

export class BigqueryRunner implements QueryRunner {
  readonly engine = 'bigquery';
  private client?: BigQuery;
  constructor(private o: BigqueryOptions = {}) {}

  private connect(): BigQuery {
    if (this.client) return this.client;
    const projectId = this.o.projectId ?? process.env.BIGQUERY_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT;
    if (!projectId) throw new EngineError(this.engine, 'no project: set BIGQUERY_PROJECT (or GOOGLE_CLOUD_PROJECT) or the bigquery.projectId option — the project that runs (and pays for) the query');
    const token = process.env.GOOGLE_OAUTH_ACCESS_TOKEN;
    let authClient: unknown;
    if (token) {
      // the google-auth-library the BigQuery client itself uses (its major version differs from the top-level one)
      const gal = createRequire(createRequire(import.meta.url).resolve('@google-cloud/common'))('google-auth-library') as { OAuth2Client: new () => { setCredentials(c: { access_token: string }): void } };
      const c = new gal.OAuth2Client();
      c.setCredentials({ access_token: token });
      authClient = c;
    }
    const apiEndpoint = this.o.endpoint ?? process.env.SHADOWSCAN_BIGQUERY_ENDPOINT;
    this.client = new BigQuery({ projectId, ...(this.o.location ? { location: this.o.location } : {}), ...(apiEndpoint ? { apiEndpoint } : {}), ...(authClient ? { authClient: authClient as never } : {}) });
    return this.client;
  }

  async run(query: string, signal: AbortSignal): Promise<RunResult> {
    const bq = this.connect();
    let job: Job | undefined;
    const onAbort = () => void job?.cancel().catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      [job] = await bq.createQueryJob({ query, useLegacySql: false, ...(this.o.maximumBytesBilled ? { maximumBytesBilled: String(this.o.maximumBytesBilled) } : {}) });
      const [rows] = await job.getQueryResults();
      const [meta] = await job.getMetadata();
      const st = meta?.statistics as { totalBytesProcessed?: string; startTime?: string; endTime?: string } | undefined;
      return {
        rows: rows as RawRow[],
        stats: {
          queryId: job.id,
          bytesScanned: st?.totalBytesProcessed !== undefined ? Number(st.totalBytesProcessed) : undefined,
          engineMs: st?.startTime && st?.endTime ? Number(st.endTime) - Number(st.startTime) : undefined,
        },
      };
    } catch (e) {
      if (e instanceof EngineError) throw e;
      const err = e as Error & { code?: number; errors?: Array<{ reason?: string; message?: string }> };
      const reason = err.errors?.[0]?.reason;
      throw new EngineError(this.engine, `${err.code ? `HTTP ${err.code}: ` : ''}${reason ? `${reason}: ` : ''}${err.message}`, { cause: e });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
