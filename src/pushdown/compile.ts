/**
 * `shadowscan rules compile`: the rules → one query for a target engine (and, for the SIEMs,
 * the rules table as a CSV lookup). The whole command as a library function; src/pushdown/cli.ts
 * registers it under `rules`.
 */
import { UsageError } from '../core/errors.js';
import type { RuleIndex } from '../rules/compile.js';
import { compileSiem, rulesLookupCsv } from './siem.js';
import { compileSql } from './sql.js';
import { queryHash } from './rule-table.js';
import { parseSince } from './window.js';
import { QUERY_SOURCES, SQL_TARGETS, TARGETS, TIME_TYPES, parseFieldMap, type CompileOptions, type QuerySource, type SiemTarget, type SqlTarget, type Target, type TimeType } from './types.js';

export interface CompiledQuery {
  target: Target;
  source: QuerySource;
  query: string;
  /** sha-256 prefix of the query text */
  hash: string;
  /** files to install beside the query, when the user prefers a lookup to the inline rules */
  lookups: Array<{ name: string; content: string }>;
}

export function compileQuery(rules: RuleIndex, o: CompileOptions): CompiledQuery {
  if (!(TARGETS as readonly string[]).includes(o.target)) throw new UsageError(`unknown target "${o.target}" (expected one of ${TARGETS.join(', ')})`);
  const isSql = (SQL_TARGETS as readonly string[]).includes(o.target);
  // the time field each SIEM's schemas use, unless mapped
  const map = { ...(o.target === 'kql' ? { time: 'TimeGenerated' } : o.target === 'esql' ? { time: '@timestamp' } : {}), ...o.map };
  const query = isSql ? compileSql(rules, { ...o, map, target: o.target as SqlTarget }) : compileSiem(rules, { ...o, map, target: o.target as SiemTarget });
  const lookups = isSql ? [] : [{ name: 'shadowscan-ai-domains.csv', content: rulesLookupCsv(rules) }];
  return { target: o.target, source: o.source, query, hash: queryHash(query), lookups };
}

/** What a user typically reads, per target, when --from is not given. */
export const DEFAULT_FROM: Record<Target, string> = {
  duckdb: "read_parquet('logs/*.parquet')",
  trino: 'proxy_logs',
  athena: 'proxy_logs',
  bigquery: '`project.dataset.proxy_logs`',
  postgres: 'proxy_logs',
  spl: 'index=proxy',
  kql: 'CommonSecurityLog',
  esql: 'logs-*',
};

export interface RulesCompileArgs {
  target: string;
  source?: string;
  from?: string;
  /** FIELD=COLUMN, repeatable or comma-separated */
  map?: string[];
  timeType?: string;
  since?: string;
  until?: string;
  now?: Date;
}

/** The `rules compile` command as a function: arguments (strings, as typed) → the compiled query. */
export function rulesCompile(rules: RuleIndex, a: RulesCompileArgs): CompiledQuery {
  const target = a.target.toLowerCase() as Target;
  if (!(TARGETS as readonly string[]).includes(target)) throw new UsageError(`--target: expected one of ${TARGETS.join(', ')}, got "${a.target}"`);
  const source = (a.source ?? 'egress').toLowerCase() as QuerySource;
  if (!(QUERY_SOURCES as readonly string[]).includes(source)) throw new UsageError(`--source: expected one of ${QUERY_SOURCES.join(', ')}, got "${a.source}"`);
  if (a.timeType && !(TIME_TYPES as readonly string[]).includes(a.timeType)) throw new UsageError(`--time-type: expected one of ${TIME_TYPES.join(', ')}, got "${a.timeType}"`);
  const now = a.now ?? new Date();
  const window = { from: a.since ? parseSince(a.since, now) : undefined, to: a.until ? parseSince(a.until, now) : undefined };
  if (window.from && window.to && window.from >= window.to) throw new UsageError('--since must be before --until');
  const map = parseFieldMap(a.map, source);
  return compileQuery(rules, { target, source, from: a.from ?? DEFAULT_FROM[target], map, timeType: a.timeType as TimeType | undefined, window });
}
