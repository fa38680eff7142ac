/**
 * The engines this scanner can send its query to, each through its official client (see
 * src/pushdown/runners/). Everything an engine needs besides the query comes from the options or
 * the engine's usual credential chain; nothing secret is stored.
 */
import { DuckdbRunner } from '../../src/pushdown/runners/duckdb.js';
import { AthenaRunner } from '../../src/pushdown/runners/athena.js';
import { SplunkRunner } from '../../src/pushdown/runners/splunk.js';
import { ElasticRunner } from '../../src/pushdown/runners/elastic.js';
import { SentinelRunner } from '../../src/pushdown/runners/sentinel.js';
import { BigqueryRunner } from '../../src/pushdown/runners/bigquery.js';
import type { QueryRunner } from '../../src/pushdown/runners/types.js';
import type { Target } from '../../src/pushdown/types.js';
import type { EgressQueryOptions } from './index.js';

export const ENGINES = ['duckdb', 'athena', 'bigquery', 'splunk', 'sentinel', 'elastic'] as const;
export type Engine = (typeof ENGINES)[number];

/** The query language each engine speaks. */
export const ENGINE_TARGET: Record<Engine, Target> = { duckdb: 'duckdb', athena: 'athena', bigquery: 'bigquery', splunk: 'spl', sentinel: 'kql', elastic: 'esql' };

export function createRunner(engine: Engine, o: EgressQueryOptions): QueryRunner {
  switch (engine) {
    case 'duckdb':
      return new DuckdbRunner(o.duckdb);
    case 'athena':
      return new AthenaRunner(o.athena);
    case 'bigquery':
      return new BigqueryRunner(o.bigquery);
    case 'splunk':
      return new SplunkRunner({ url: o.splunk?.url, app: o.splunk?.app });
    case 'sentinel':
      return new SentinelRunner({ workspaceId: o.sentinel?.workspaceId, endpoint: o.sentinel?.endpoint });
    case 'elastic':
      return new ElasticRunner({ url: o.elastic?.url });
  }
}
