/**
 * Push-down detection: the rules compiled into one query that an engine holding the logs runs
 * (DuckDB in process, Athena / Trino, BigQuery, PostgreSQL, Splunk, Sentinel, Elastic), whose
 * small aggregated answer comes back as observations.
 */
import { UsageError } from '../core/errors.js';

export const SQL_TARGETS = ['duckdb', 'trino', 'athena', 'bigquery', 'postgres'] as const;
export const SIEM_TARGETS = ['spl', 'kql', 'esql'] as const;
export const TARGETS = [...SQL_TARGETS, ...SIEM_TARGETS] as const;
export type SqlTarget = (typeof SQL_TARGETS)[number];
export type SiemTarget = (typeof SIEM_TARGETS)[number];
export type Target = (typeof TARGETS)[number];

export const QUERY_SOURCES = ['egress', 'audit'] as const;
export type QuerySource = (typeof QUERY_SOURCES)[number];

/** Logical fields a source may map to columns (`--map FIELD=COLUMN`). */
export const EGRESS_FIELDS = ['time', 'host', 'url', 'path', 'user', 'clientIp', 'bytesOut', 'bytesIn', 'action'] as const;
export const AUDIT_FIELDS = ['time', 'subject', 'eventSource', 'eventName', 'errorCode'] as const;
export type FieldMap = Partial<Record<(typeof EGRESS_FIELDS)[number] | (typeof AUDIT_FIELDS)[number], string>>;

/** Column names assumed when a field is not mapped (only the fields every source needs). */
export const DEFAULT_MAP: Record<QuerySource, FieldMap> = {
  egress: { time: 'ts', host: 'host' },
  audit: { time: 'event_time', subject: 'principal', eventSource: 'event_source', eventName: 'event_name' },
};

/** How the time column is stored: a timestamp type, epoch seconds / milliseconds, or ISO-8601 text. */
export const TIME_TYPES = ['timestamp', 'epoch-s', 'epoch-ms', 'iso'] as const;
export type TimeType = (typeof TIME_TYPES)[number];

export interface Window {
  /** inclusive lower bound; absent = from the beginning */
  from?: Date;
  /** exclusive upper bound; absent = no upper bound */
  to?: Date;
}

export interface CompileOptions {
  target: Target;
  source: QuerySource;
  /**
   * What the query reads: a DuckDB from-clause (`read_parquet('logs/*.parquet')`), a table
   * (`lake.proxy_logs`, `project.dataset.table`), a Splunk search prefix (`index=proxy
   * sourcetype=squid`), a KQL table (`CommonSecurityLog`) or an ES|QL source (`logs-proxy-*`).
   */
  from: string;
  map?: FieldMap;
  timeType?: TimeType;
  window?: Window;
}

/** One row of an egress query's answer (the same columns from every target). */
export interface EgressRow {
  /** `u:<user>` or `i:<client ip>` */
  subject: string;
  host: string;
  /** the longest rule path prefix the group's paths start with ('' when the host needs no path) */
  pathGroup: string;
  /** one path of the group (the smallest), to resolve the rule that needs it */
  samplePath: string;
  failed: boolean;
  service: string;
  pattern: string;
  events: number;
  bytesOut: number | null;
  bytesIn: number | null;
  firstMs: number | null;
  lastMs: number | null;
  days: number;
}

export interface AuditRowOut {
  subject: string;
  eventSource: string;
  eventName: string;
  failed: boolean;
  service: string;
  events: number;
  firstMs: number | null;
  lastMs: number | null;
}

/** `host=dest,user=login` or repeated `--map host=dest` → a field map; unknown fields are a usage error. */
export function parseFieldMap(specs: string | string[] | undefined, source: QuerySource): FieldMap {
  const out: FieldMap = {};
  const allowed: readonly string[] = source === 'egress' ? EGRESS_FIELDS : AUDIT_FIELDS;
  for (const spec of Array.isArray(specs) ? specs : specs ? [specs] : []) {
    for (const part of spec.split(',')) {
      const t = part.trim();
      if (!t) continue;
      const eq = t.indexOf('=');
      if (eq <= 0 || eq === t.length - 1) throw new UsageError(`--map: expected FIELD=COLUMN, got "${t}"`);
      const field = t.slice(0, eq).trim();
      const column = t.slice(eq + 1).trim();
      if (!allowed.includes(field)) throw new UsageError(`--map: unknown ${source} field "${field}" (expected one of ${allowed.join(', ')})`);
      checkColumn(column);
      (out as Record<string, string>)[field] = column;
    }
  }
  return out;
}

/** A column is a name or a dotted path of names (a struct field): never an expression. */
export function checkColumn(column: string): void {
  if (!/^[A-Za-z_@][\w@-]*(\.[A-Za-z_@][\w@-]*)*$/.test(column)) {
    throw new UsageError(`--map: "${column}" is not a column name (letters, digits, _, @, - and dots for nested fields)`);
  }
}
