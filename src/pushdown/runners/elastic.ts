/**
 * Elastic through the official `@elastic/elasticsearch` client: the compiled ES|QL goes to
 * `POST /_query` (`client.esql.query`), whose answer is `{ columns: [{ name, type }], values:
 * [[…]] }`; `is_partial` (shard failures) fails the unit rather than under-count. Node from the
 * options or ELASTIC_URL (or ELASTIC_CLOUD_ID); credentials from ELASTIC_API_KEY or
 * ELASTIC_USERNAME / ELASTIC_PASSWORD. The client retries 502 / 503 / 504 and connection errors.
 */
import { Client, errors } from '@elastic/elasticsearch';
import { EngineError, type QueryRunner, type RunResult } from './types.js';
import type { RawRow } from '../rows.js';

export interface ElasticOptions {
  url?: string;
  maxRetries?: number;
  /** request timeout, ms (default 10 min: an ES|QL aggregation over weeks of proxy logs takes time) */
  timeoutMs?: number;
}

export class ElasticRunner implements QueryRunner {
  readonly engine = 'elastic';
  private client?: Client;
  constructor(private o: ElasticOptions = {}) {}

  private connect(): Client {
    if (this.client) return this.client;
    const node = this.o.url ?? process.env.ELASTIC_URL;
    const cloudId = process.env.ELASTIC_CLOUD_ID;
    if (!node && !cloudId) throw new EngineError(this.engine, 'no cluster: set ELASTIC_URL (https://host:9200) or ELASTIC_CLOUD_ID, or the elastic.url option');
    const apiKey = process.env.ELASTIC_API_KEY;
    const username = process.env.ELASTIC_USERNAME;
    const password = process.env.ELASTIC_PASSWORD;
    if (!apiKey && !(username && password)) throw new EngineError(this.engine, 'no credentials: set ELASTIC_API_KEY, or ELASTIC_USERNAME and ELASTIC_PASSWORD');
    this.client = new Client({
      ...(node ? { node } : { cloud: { id: cloudId! } }),
      auth: apiKey ? { apiKey } : { username: username!, password: password! },
      maxRetries: this.o.maxRetries ?? 3,
      requestTimeout: this.o.timeoutMs ?? 600_000,
    });
    return this.client;
  }

  async run(query: string, signal: AbortSignal): Promise<RunResult> {
    const client = this.connect();
    try {
      const r = await client.esql.query({ query }, { signal });
      if (r.is_partial) throw new EngineError(this.engine, 'partial results (shard failures): not counted, the window will be asked again');
      const names = r.columns.map((c) => c.name);
      const rows: RawRow[] = r.values.map((v) => Object.fromEntries(names.map((n, i) => [n, v[i] as RawRow[string]])));
      return { rows, stats: { engineMs: typeof r.took === 'number' ? r.took : undefined } };
    } catch (e) {
      if (e instanceof EngineError) throw e;
      if (e instanceof errors.ResponseError) {
        const b = e.body as { error?: { type?: string; reason?: string } } | undefined;
        throw new EngineError(this.engine, `HTTP ${e.statusCode}: ${b?.error?.type ?? ''}${b?.error?.reason ? `: ${b.error.reason}` : ''}`, { cause: e });
      }
      throw new EngineError(this.engine, (e as Error).message, { cause: e });
    }
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}
