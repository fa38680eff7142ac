/**
 * The engines this scanner can send its query to, each through its official client (see
 * src/pushdown/runners/). Everything an engine needs besides the query comes from the options or
 * the engine's usual credential chain; nothing secret is stored.
 */
import type { QueryRunner } from '../../src/pushdown/runners/types.js';
import type { Target } from '../../src/pushdown/types.js';
import type { EgressQueryOptions } from './index.js';

export const ENGINES = ['duckdb', 'athena', 'bigquery', 'splunk', 'sentinel', 'elastic'] as const;
export type Engine = (typeof ENGINES)[number];

/** The query language each engine speaks. */
export const ENGINE_TARGET: Record<Engine, Target> = { duckdb: 'duckdb', athena: 'athena', bigquery: 'bigquery', splunk: 'spl', sentinel: 'kql', elastic: 'esql' };

/** Each engine's client library loads only when a query for that engine runs (they cost start-up time). */
export async function createRunner(engine: Engine, o: EgressQueryOptions): Promise<QueryRunner> {
  switch (engine) {
    case 'duckdb':
      return new (await import('../../src/pushdown/runners/duckdb.js')).DuckdbRunner(o.duckdb);
    case 'athena':
      return new (await import('../../src/pushdown/runners/athena.js')).AthenaRunner(o.athena);
    case 'bigquery':
      return new (await import('../../src/pushdown/runners/bigquery.js')).BigqueryRunner(o.bigquery);
    case 'splunk':
      return new (await import('../../src/pushdown/runners/splunk.js')).SplunkRunner({ url: o.splunk?.url, app: o.splunk?.app });
    case 'sentinel':
      return new (await import('../../src/pushdown/runners/sentinel.js')).SentinelRunner({ workspaceId: o.sentinel?.workspaceId, endpoint: o.sentinel?.endpoint });
    case 'elastic':
      return new (await import('../../src/pushdown/runners/elastic.js')).ElasticRunner({ url: o.elastic?.url });
  }
}
