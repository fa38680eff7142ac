/**
 * egress-query: detection pushed down to where the logs already are. The rules are compiled into
 * one aggregating query that an engine runs (DuckDB in process over Parquet / CSV / JSON,
 * Athena, Splunk …); its rows — per (subject, host) with counts, bytes, first / last seen —
 * come back as the same neutral `host` observations the egress file scanner emits (and audit
 * queries as `audit-event` observations). Each query run is a coverage unit; a watermark per
 * query makes scheduled runs ask only for the time not yet covered.
 */
import { z } from 'zod';
import type { ScannerModule } from '../../src/core/types.js';
import { UsageError } from '../../src/core/errors.js';
import { QUERY_SOURCES, TIME_TYPES, parseFieldMap, type QuerySource } from '../../src/pushdown/types.js';
import { ENGINES, type Engine } from './client.js';

const querySchema = z
  .object({
    engine: z.enum(ENGINES),
    /** a DuckDB from-clause, a table name, a Splunk search prefix … (see docs/pushdown.md) */
    from: z.string().min(1),
    source: z.enum(QUERY_SOURCES).default('egress'),
    /** logical field → column (`time`, `host`, `url`, `path`, `user`, `clientIp`, `bytesOut`, `bytesIn`, `action`; audit: `subject`, `eventSource`, `eventName`, `errorCode`) */
    map: z.record(z.string().min(1)).optional(),
    timeType: z.enum(TIME_TYPES).optional(),
  })
  .strict();

export const optionsSchema = z
  .object({
    queries: z.array(querySchema).min(1, 'expected at least one query'),
    /** lower bound of the first run's window: ISO date-time or a duration back from now (`30d`); default: everything */
    since: z.string().min(1).optional(),
    /** upper bound = now − lag (`15m`), for logs that land late in the lake; default 0 */
    lag: z.string().min(1).optional(),
    duckdb: z.object({ threads: z.number().int().min(1).max(256).optional(), memoryLimit: z.string().optional() }).strict().optional(),
    athena: z
      .object({
        region: z.string().optional(),
        workgroup: z.string().optional(),
        outputLocation: z.string().regex(/^s3:\/\//, 'expected s3://bucket/prefix/').optional(),
        database: z.string().optional(),
        catalog: z.string().optional(),
        pollMs: z.number().int().min(1).optional(),
        maxAttempts: z.number().int().min(1).max(20).optional(),
      })
      .strict()
      .optional(),
    bigquery: z
      .object({
        /** the project that runs (and pays for) the query (else BIGQUERY_PROJECT / GOOGLE_CLOUD_PROJECT) */
        projectId: z.string().min(1).optional(),
        location: z.string().min(1).optional(),
        endpoint: z.string().url().optional(),
        /** refuse a query that would bill more than this many bytes */
        maximumBytesBilled: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    splunk: z
      .object({
        /** management URL, e.g. https://splunk.example.com:8089 (else SPLUNK_URL) */
        url: z.string().url().optional(),
        /** earliest/latest are set from the window; extra search-time arguments are not allowed */
        app: z.string().optional(),
      })
      .strict()
      .optional(),
    sentinel: z
      .object({
        /** the Log Analytics workspace id (else SENTINEL_WORKSPACE_ID) */
        workspaceId: z.string().min(1).optional(),
        /** API endpoint for sovereign clouds, e.g. https://api.loganalytics.azure.cn/v1 (else AZURE_LOG_ANALYTICS_ENDPOINT) */
        endpoint: z.string().url().optional(),
      })
      .strict()
      .optional(),
    elastic: z
      .object({
        /** cluster URL, e.g. https://es.example.com:9200 (else ELASTIC_URL / ELASTIC_CLOUD_ID) */
        url: z.string().url().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type EgressQueryOptions = z.infer<typeof optionsSchema>;
export type QuerySpec = EgressQueryOptions['queries'][number];

/** `duckdb:read_parquet('x/*.parquet')` → engine + what it reads. */
export function parseQuerySpec(spec: string, source: QuerySource): { engine: Engine; from: string; source: QuerySource } {
  const i = spec.indexOf(':');
  const engine = (i > 0 ? spec.slice(0, i) : '').trim().toLowerCase();
  const from = i > 0 ? spec.slice(i + 1).trim() : '';
  if (!(ENGINES as readonly string[]).includes(engine)) throw new UsageError(`--${source}-query: expected ENGINE:SOURCE with ENGINE one of ${ENGINES.join(', ')}, got "${spec}"`);
  if (!from) throw new UsageError(`--${source}-query: nothing to read after "${engine}:" (e.g. ${engine}:${engine === 'duckdb' ? "read_parquet('logs/*.parquet')" : 'db.proxy_logs'})`);
  return { engine: engine as Engine, from, source };
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v ? [String(v)] : []);

export const egressQueryScanner: ScannerModule<EgressQueryOptions> = {
  id: 'egress-query',
  title: 'Egress and audit logs where they live (DuckDB, Athena, BigQuery, Splunk, Sentinel, Elastic push-down queries)',
  source: 'network',
  tags: ['network', 'logs', 'query', 'push-down', 'duckdb', 'athena', 'bigquery', 'splunk', 'sentinel', 'elastic', 'siem'],
  version: '0.1.0',
  /** each run asks only for the time after its watermark: observations are deltas */
  incremental: true,
  optionsSchema,
  cli: [
    { flags: '--egress-query <spec>', description: "run the compiled egress rules where the logs are: duckdb:\"read_parquet('logs/*.parquet')\", athena:db.table, bigquery:'`project.dataset.table`', splunk:'index=proxy', sentinel:CommonSecurityLog, elastic:'logs-proxy-*'", repeatable: true },
    { flags: '--audit-query <spec>', description: 'the same for CloudTrail-shaped audit logs (duckdb:…, athena:db.cloudtrail)', repeatable: true },
    { flags: '--egress-query-map <spec>', description: 'FIELD=COLUMN pairs for the queried logs, e.g. time=ts,host=dest_host,user=login,clientIp=src,bytesOut=sent,bytesIn=recv', repeatable: true },
    { flags: '--audit-query-map <spec>', description: 'FIELD=COLUMN pairs for --audit-query: time, subject, eventSource, eventName, errorCode', repeatable: true },
    { flags: '--egress-query-time <type>', description: `how the time column is stored: ${TIME_TYPES.join(', ')} (default timestamp; DuckDB detects it)` },
    { flags: '--egress-query-since <when>', description: 'first run reads from WHEN (ISO date-time, or 30d / 12h back from now); later runs start at their watermark' },
    { flags: '--egress-query-lag <duration>', description: 'leave the last DURATION out of each window (logs that land late), e.g. 15m' },
    { flags: '--athena-workgroup <name>', description: 'Athena work group for --egress-query athena:…' },
    { flags: '--athena-output <s3-uri>', description: 'Athena query result location (s3://bucket/prefix/)' },
    { flags: '--athena-database <name>', description: 'Athena database (when the table name has none)' },
    { flags: '--bigquery-project <id>', description: 'project that runs the --egress-query bigquery:… job (else BIGQUERY_PROJECT / GOOGLE_CLOUD_PROJECT)' },
    { flags: '--sentinel-workspace <id>', description: 'Log Analytics workspace id for --egress-query sentinel:TABLE (else SENTINEL_WORKSPACE_ID)' },
  ],
  optionsFromCli(v) {
    const specs = [...list(v.egressQuery).map((s) => parseQuerySpec(s, 'egress')), ...list(v.auditQuery).map((s) => parseQuerySpec(s, 'audit'))];
    if (!specs.length) return undefined;
    const queries = specs.map((q) => {
      const map = parseFieldMap(list(q.source === 'audit' ? v.auditQueryMap : v.egressQueryMap), q.source);
      const out: Record<string, unknown> = { ...q };
      if (Object.keys(map).length) out.map = map;
      if (v.egressQueryTime) out.timeType = String(v.egressQueryTime);
      return out;
    });
    const o: Record<string, unknown> = { queries };
    if (v.egressQuerySince) o.since = String(v.egressQuerySince);
    if (v.egressQueryLag) o.lag = String(v.egressQueryLag);
    const athena: Record<string, string> = {};
    if (v.athenaWorkgroup) athena.workgroup = String(v.athenaWorkgroup);
    if (v.athenaOutput) athena.outputLocation = String(v.athenaOutput);
    if (v.athenaDatabase) athena.database = String(v.athenaDatabase);
    if (Object.keys(athena).length) o.athena = athena;
    if (v.bigqueryProject) o.bigquery = { projectId: String(v.bigqueryProject) };
    if (v.sentinelWorkspace) o.sentinel = { workspaceId: String(v.sentinelWorkspace) };
    return o as EgressQueryOptions;
  },
  // the engines' clients (DuckDB, Athena, BigQuery, …) load only when this scanner runs
  scan: async (ctx, sink) => (await import('./scan.js')).scanQueries(ctx, sink),
};

export default egressQueryScanner;
