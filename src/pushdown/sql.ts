/**
 * The portable SQL core, written once, and the few dialect shims it needs (regex functions,
 * string literals, timestamps, the literal rules table). Targets: duckdb, trino, athena (= Trino
 * SQL, engine v3), bigquery (GoogleSQL) and postgres.
 *
 * Shape (egress): events in the window → hosts that any rule could match (one anchored
 * alternation) → aggregated per (subject, host, path group, failed) → the best rule per group
 * joined from the literal rules table by its host and path regexes (row_number over the rules'
 * score, as RuleIndex.matchHost ranks them).
 */
import { UsageError } from '../core/errors.js';
import { auditTable, domainTable } from './rule-table.js';
import type { RuleIndex } from '../rules/compile.js';
import { DEFAULT_MAP, type CompileOptions, type FieldMap, type SqlTarget, type TimeType } from './types.js';

interface Dialect {
  id: SqlTarget;
  /** a string literal */
  str(s: string): string;
  /** a regex literal (BigQuery raw strings) */
  re(s: string): string;
  ident(name: string): string;
  matches(x: string, re: string): string;
  replace(x: string, re: string): string;
  extract(x: string, re: string): string;
  varchar: string;
  bigint: string;
  epochMs(ts: string): string;
  tsLiteral(d: Date): string;
  ts(col: string, t: TimeType): string;
  /** `AS NOT MATERIALIZED` where the engine would otherwise keep a twice-read CTE in memory */
  cteInline: string;
  /** the text before the first of / ? # (string functions, no regex: it runs on every row) */
  cut(x: string): string;
  /** `name (cols) AS (VALUES …)` or its equivalent */
  table(name: string, cols: Array<[string, 'text' | 'int']>, rows: Array<Array<string | number>>): string;
}

const iso = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');
const sqlStr = (s: string) => `'${s.replace(/'/g, "''")}'`;
const dq = (name: string) => name.split('.').map((p) => `"${p.replace(/"/g, '""')}"`).join('.');

function valuesTable(d: Dialect, name: string, cols: Array<[string, 'text' | 'int']>, rows: Array<Array<string | number>>): string {
  const lit = (v: string | number, k: 'text' | 'int') => (k === 'int' ? String(v) : d.str(String(v)));
  const body = rows.length ? rows.map((r) => `(${r.map((v, i) => lit(v, cols[i][1])).join(', ')})`).join(',\n    ') : `(${cols.map(([, k]) => (k === 'int' ? '0' : "''")).join(', ')})`;
  // an empty rule set still needs a typed, empty table
  const where = rows.length ? '' : ' WHERE 1 = 0';
  return `${name} (${cols.map(([c]) => c).join(', ')}) AS (\n  SELECT * FROM (VALUES\n    ${body}) AS v (${cols.map(([c]) => c).join(', ')})${where}\n)`;
}

const splitCut = (x: string) => `split_part(split_part(split_part(${x}, '/', 1), '?', 1), '#', 1)`;

/** The authority of a URL as logged (`https://u@Host:443/p?q`, `host:443`) with string functions only. */
function authorityOf(d: Dialect, u: string): string {
  // a scheme is there when the first '/' is the one right after '://'
  const rest = `CASE WHEN strpos(${u}, '://') > 0 AND strpos(${u}, '/') = strpos(${u}, '://') + 1 THEN substr(${u}, strpos(${u}, '://') + 3) ELSE ${u} END`;
  return d.cut(rest);
}

const DIALECTS: Record<SqlTarget, Dialect> = {
  duckdb: {
    id: 'duckdb', str: sqlStr, re: sqlStr, ident: dq, cteInline: ' NOT MATERIALIZED', cut: splitCut,
    matches: (x, re) => `regexp_matches(${x}, ${re})`,
    replace: (x, re) => `regexp_replace(${x}, ${re}, '')`,
    extract: (x, re) => `regexp_extract(${x}, ${re}, 1)`,
    varchar: 'VARCHAR', bigint: 'BIGINT',
    epochMs: (ts) => `epoch_ms(${ts})`,
    tsLiteral: (d) => `TIMESTAMP '${iso(d)}'`,
    ts: (c, t) => (t === 'timestamp' ? `CAST(${c} AS TIMESTAMP)` : t === 'iso' ? `CAST(CAST(${c} AS TIMESTAMPTZ) AS TIMESTAMP)` : t === 'epoch-s' ? `make_timestamp(CAST(round(${c} * 1000000) AS BIGINT))` : `make_timestamp(CAST(${c} AS BIGINT) * 1000)`),
    table(name, cols, rows) { return valuesTable(this, name, cols, rows); },
  },
  trino: {
    id: 'trino', str: sqlStr, re: sqlStr, ident: dq, cteInline: '', cut: splitCut,
    matches: (x, re) => `regexp_like(${x}, ${re})`,
    replace: (x, re) => `regexp_replace(${x}, ${re}, '')`,
    extract: (x, re) => `coalesce(regexp_extract(${x}, ${re}, 1), '')`,
    varchar: 'VARCHAR', bigint: 'BIGINT',
    epochMs: (ts) => `CAST(round(to_unixtime(${ts}) * 1000) AS BIGINT)`,
    tsLiteral: (d) => `TIMESTAMP '${iso(d)}'`,
    ts: (c, t) => (t === 'timestamp' ? c : t === 'iso' ? `CAST(from_iso8601_timestamp(${c}) AS TIMESTAMP(3))` : t === 'epoch-s' ? `CAST(from_unixtime(${c}) AS TIMESTAMP(3))` : `CAST(from_unixtime(CAST(${c} AS DOUBLE) / 1000) AS TIMESTAMP(3))`),
    table(name, cols, rows) { return valuesTable(this, name, cols, rows); },
  },
  athena: undefined as unknown as Dialect,
  bigquery: {
    id: 'bigquery',
    cteInline: '',
    cut: (x) => `REGEXP_EXTRACT(${x}, r'^[^/?#]*')`,
    str: (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
    re: (s) => `r'${s}'`,
    ident: (name) => `\`${name.replace(/`/g, '')}\``,
    matches: (x, re) => `REGEXP_CONTAINS(${x}, ${re})`,
    replace: (x, re) => `REGEXP_REPLACE(${x}, ${re}, '')`,
    extract: (x, re) => `coalesce(REGEXP_EXTRACT(${x}, ${re}), '')`,
    varchar: 'STRING', bigint: 'INT64',
    epochMs: (ts) => `UNIX_MILLIS(${ts})`,
    tsLiteral: (d) => `TIMESTAMP '${iso(d)} UTC'`,
    ts: (c, t) => (t === 'timestamp' ? c : t === 'iso' ? `TIMESTAMP(${c})` : t === 'epoch-s' ? `TIMESTAMP_MICROS(CAST(ROUND(${c} * 1000000) AS INT64))` : `TIMESTAMP_MILLIS(CAST(${c} AS INT64))`),
    table(name, cols, rows) {
      const type = (k: 'text' | 'int') => (k === 'int' ? 'INT64' : 'STRING');
      const struct = `STRUCT<${cols.map(([c, k]) => `${c} ${type(k)}`).join(', ')}>`;
      const lit = (v: string | number, k: 'text' | 'int') => (k === 'int' ? String(v) : this.str(String(v)));
      const body = rows.map((r) => `(${r.map((v, i) => lit(v, cols[i][1])).join(', ')})`).join(',\n    ');
      return `${name} AS (\n  SELECT * FROM UNNEST(ARRAY<${struct}>[\n    ${body}])\n)`;
    },
  },
  postgres: {
    id: 'postgres', str: sqlStr, re: sqlStr, ident: dq, cteInline: ' NOT MATERIALIZED', cut: splitCut,
    matches: (x, re) => `(${x} ~ ${re})`,
    replace: (x, re) => `regexp_replace(${x}, ${re}, '')`,
    extract: (x, re) => `coalesce(substring(${x}, ${re}), '')`,
    varchar: 'VARCHAR', bigint: 'BIGINT',
    epochMs: (ts) => `CAST(round(extract(epoch from ${ts}) * 1000) AS BIGINT)`,
    tsLiteral: (d) => `TIMESTAMP '${iso(d)}'`,
    // timezone('UTC', timestamptz) = `… AT TIME ZONE 'UTC'`: a timestamp without zone, in UTC
    ts: (c, t) => (t === 'timestamp' ? c : t === 'iso' ? `timezone('UTC', CAST(${c} AS TIMESTAMPTZ))` : t === 'epoch-s' ? `timezone('UTC', to_timestamp(${c}))` : `timezone('UTC', to_timestamp(CAST(${c} AS DOUBLE PRECISION) / 1000))`),
    table(name, cols, rows) { return valuesTable(this, name, cols, rows); },
  },
};
DIALECTS.athena = { ...DIALECTS.trino, id: 'athena' };

/** Squid / browser action values that mean the request was stopped (scanners/egress/bytes.ts isBlockedAction). */
export const BLOCKED_RE = '(^|[^a-z])(block|deny|denied|drop|reset|reject|refuse)';
/** `host:port`, a trailing dot: stripped from the lower-cased host (src/core/host.ts normalizeHost). */
export const HOST_TAIL_RE = '\\.*(:[0-9]*)?$';
/** the authority of a URL (`scheme://user@host:port/…` or `host:port`) */
export const URL_AUTHORITY_RE = '^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?([^/?#]*)';
/** the path of a URL, query and fragment dropped */
export const URL_PATH_RE = '^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?[^/?#]*([^?#]*)';

export function sqlDialect(t: SqlTarget): Dialect {
  return DIALECTS[t];
}

function col(d: Dialect, map: FieldMap, field: keyof FieldMap): string | undefined {
  const c = map[field];
  return c ? d.ident(c) : undefined;
}

function windowWhere(d: Dialect, tsExpr: string, o: CompileOptions): string {
  const w: string[] = [];
  if (o.window?.from) w.push(`${tsExpr} >= ${d.tsLiteral(o.window.from)}`);
  if (o.window?.to) w.push(`${tsExpr} < ${d.tsLiteral(o.window.to)}`);
  return w.length ? `\n  WHERE ${w.join(' AND ')}` : '';
}

/** The egress query for a SQL target. */
export function compileEgressSql(rules: RuleIndex, o: CompileOptions & { target: SqlTarget }): string {
  const d = DIALECTS[o.target];
  const map: FieldMap = { ...DEFAULT_MAP.egress, ...o.map };
  if (o.map?.url && !o.map.host) delete map.host;
  const t = domainTable(rules);
  const V = d.varchar;
  const timeCol = col(d, map, 'time')!;
  const tsExpr = d.ts(timeCol, o.timeType ?? 'timestamp');
  const url = col(d, map, 'url');
  const hostCol = col(d, map, 'host');
  // per row only what is cheap: the raw authority (one extraction for URLs), raw columns
  const auth = hostCol ? `CAST(${hostCol} AS ${V})` : authorityOf(d, `CAST(${url} AS ${V})`);
  const pathRaw = col(d, map, 'path') ? `CAST(${col(d, map, 'path')} AS ${V})` : url ? `CAST(${url} AS ${V})` : "''";
  const pathOf = (x: string) => (col(d, map, 'path') ? `coalesce(${x}, '')` : url ? d.extract(x, d.re(URL_PATH_RE)) : "''");
  const user = col(d, map, 'user');
  const ip = col(d, map, 'clientIp');
  const num = (f: 'bytesOut' | 'bytesIn') => {
    const c = col(d, map, f);
    return c ? `CAST(${c} AS ${d.bigint})` : `CAST(NULL AS ${d.bigint})`;
  };
  const action = col(d, map, 'action');
  // per distinct authority: lower-case, no user info, no port, no trailing dot (normalizeHost)
  const host = d.replace(d.replace(`lower(trim(auth))`, d.re('^.*@')), d.re(HOST_TAIL_RE));
  const subject = user
    ? `CASE WHEN e.u IS NULL OR e.u IN ('', '-') THEN 'i:' || coalesce(e.ip, '') ELSE 'u:' || e.u END`
    : `'i:' || coalesce(e.ip, '')`;
  const failed = action ? `CASE WHEN ${d.matches(`lower(coalesce(e.action, ''))`, d.re(BLOCKED_RE))} THEN 1 ELSE 0 END` : '0';
  const pathGroup = t.pathGroups.length
    ? `CASE WHEN path = '' THEN '' ${t.pathGroups.map((g) => `WHEN ${d.matches('lower(path)', d.re(g.re))} THEN ${d.str(g.prefix)}`).join(' ')} ELSE '' END`
    : "''";
  const rulesTable = d.table(
    'rules',
    [['ordinal', 'int'], ['service', 'text'], ['kind', 'text'], ['pattern', 'text'], ['path_prefix', 'text'], ['host_re', 'text'], ['path_re', 'text'], ['score', 'int']],
    t.rows.map((r) => [r.ordinal, r.service, r.kind, r.pattern, r.pathPrefix, r.hostRe, r.pathRe, r.score]),
  );
  const candidate = t.candidateRe ? d.matches('host', d.re(t.candidateRe)) : '1 = 0';
  const needsPath = t.pathHostRe ? `CASE WHEN ${d.matches('host', d.re(t.pathHostRe))} THEN 1 ELSE 0 END` : '0';
  // exact and suffix rules by string comparison, templates by their regex (label boundaries kept)
  const ruleMatch = `(r.kind = 'host' AND h.host = r.pattern)
    OR (r.kind = 'suffix' AND (h.host = r.pattern OR (length(h.host) > length(r.pattern) AND substr(h.host, length(h.host) - length(r.pattern)) = '.' || r.pattern)))
    OR (CASE WHEN r.kind = 'template' THEN ${d.matches('h.host', 'r.host_re')} ELSE 1 = 0 END)`;
  return `-- shadowscan egress push-down (${o.target}): AI-service use per (subject, host), rules as a literal table
WITH ${rulesTable},
events AS${d.cteInline} (
  SELECT ${user ? `CAST(${user} AS ${V})` : "''"} AS u, ${ip ? `CAST(${ip} AS ${V})` : "''"} AS ip, ${auth} AS auth, ${pathRaw} AS p, ${tsExpr} AS ts,
    ${num('bytesOut')} AS bytes_out, ${num('bytesIn')} AS bytes_in, ${action ? `CAST(${action} AS ${V})` : "''"} AS action
  FROM ${o.from} AS src${windowWhere(d, tsExpr, o)}
),
hosts AS (
  SELECT auth, ${host} AS host FROM (SELECT DISTINCT auth FROM events WHERE auth IS NOT NULL) a
),
candidate_hosts AS (
  SELECT auth, host, ${needsPath} AS needs_path FROM hosts WHERE ${candidate}
),
candidates AS (
  SELECT ${subject} AS subject, c.host, CASE WHEN c.needs_path = 1 THEN ${pathOf('e.p')} ELSE '' END AS path,
    e.ts, e.bytes_out, e.bytes_in, ${failed} AS failed
  FROM events e JOIN candidate_hosts c ON e.auth = c.auth
),
groups AS (
  SELECT subject, host, path_group, failed, min(path) AS sample_path, count(*) AS events,
    sum(bytes_out) AS bytes_out, sum(bytes_in) AS bytes_in, count(bytes_out) AS n_out, count(bytes_in) AS n_in,
    min(ts) AS first_ts, max(ts) AS last_ts, count(DISTINCT day) AS days
  FROM (SELECT subject, host, path, ts, CAST(ts AS DATE) AS day, bytes_out, bytes_in, failed, ${pathGroup} AS path_group FROM candidates) x
  GROUP BY subject, host, path_group, failed
),
host_rules AS (
  SELECT h.host, r.ordinal, r.service, r.pattern, r.path_prefix, r.path_re, r.score
  FROM (SELECT DISTINCT host FROM groups) h
  JOIN rules r ON ${ruleMatch}
),
hits AS (
  SELECT g.*, r.service, r.pattern, r.path_prefix,
    row_number() OVER (PARTITION BY g.subject, g.host, g.path_group, g.failed ORDER BY r.score, r.ordinal) AS rn
  FROM groups g
  JOIN host_rules r ON g.host = r.host AND (CASE WHEN r.path_re = '' THEN 1 = 1 ELSE ${d.matches('lower(g.sample_path)', 'r.path_re')} END)
)
SELECT subject, host, path_group, sample_path, failed, service, pattern, events,
  CASE WHEN n_out > 0 THEN bytes_out END AS bytes_out, CASE WHEN n_in > 0 THEN bytes_in END AS bytes_in,
  ${d.epochMs('first_ts')} AS first_ms, ${d.epochMs('last_ts')} AS last_ms, days
FROM hits
WHERE rn = 1
ORDER BY subject, host, path_group, failed`;
}

/** The audit query (CloudTrail-shaped: principal, event source, event name, error code). */
export function compileAuditSql(rules: RuleIndex, o: CompileOptions & { target: SqlTarget }): string {
  const d = DIALECTS[o.target];
  const map: FieldMap = { ...DEFAULT_MAP.audit, ...o.map };
  const V = d.varchar;
  const tsExpr = d.ts(col(d, map, 'time')!, o.timeType ?? 'timestamp');
  const err = col(d, map, 'errorCode');
  const failed = err ? `CASE WHEN coalesce(CAST(${err} AS ${V}), '') = '' THEN 0 ELSE 1 END` : '0';
  const table = auditTable(rules);
  const rulesTable = d.table('rules', [['service', 'text'], ['event_source', 'text']], table.map((r) => [r.service, r.eventSource]));
  return `-- shadowscan audit push-down (${o.target}): AI-service API calls per (principal, event source, event name)
WITH ${rulesTable},
events AS (
  SELECT CAST(${col(d, map, 'subject')} AS ${V}) AS subject, lower(CAST(${col(d, map, 'eventSource')} AS ${V})) AS event_source,
    CAST(${col(d, map, 'eventName')} AS ${V}) AS event_name, ${failed} AS failed, ${tsExpr} AS ts
  FROM ${o.from} AS src${windowWhere(d, tsExpr, o)}
)
SELECT e.subject, e.event_source, e.event_name, e.failed, r.service, count(*) AS events,
  ${d.epochMs('min(e.ts)')} AS first_ms, ${d.epochMs('max(e.ts)')} AS last_ms
FROM events e
JOIN rules r ON e.event_source = r.event_source
WHERE e.subject IS NOT NULL AND e.subject <> '' AND e.event_name IS NOT NULL
GROUP BY e.subject, e.event_source, e.event_name, e.failed, r.service
ORDER BY e.subject, e.event_source, e.event_name, e.failed`;
}

export function compileSql(rules: RuleIndex, o: CompileOptions & { target: SqlTarget }): string {
  if (!o.from.trim()) throw new UsageError('push-down: the source to read (a table or from-clause) is empty');
  return o.source === 'audit' ? compileAuditSql(rules, o) : compileEgressSql(rules, o);
}
