/**
 * DuckDB knows the columns of what it reads: fields not mapped by the user are found by the
 * usual column names (case-insensitive), and the time column's storage is read from its type
 * (an integer column is epoch seconds or milliseconds by its largest value).
 */
import { UsageError } from '../core/errors.js';
import type { DuckdbRunner } from './runners/duckdb.js';
import { AUDIT_FIELDS, EGRESS_FIELDS, type FieldMap, type QuerySource, type TimeType } from './types.js';

export const COLUMN_NAMES: Record<string, string[]> = {
  time: ['ts', 'time', 'timestamp', '@timestamp', '_time', 'datetime', 'date_time', 'event_time', 'eventtime'],
  host: ['host', 'hostname', 'dest_host', 'server_name', 'sni', 'domain', 'query_name', 'qname'],
  url: ['url', 'uri', 'request_url'],
  path: ['path', 'url_path', 'uri_path'],
  user: ['user', 'username', 'user_name', 'login'],
  clientIp: ['client_ip', 'clientip', 'src_ip', 'source_ip', 'src', 'ip'],
  bytesOut: ['bytes_out', 'bytes_sent', 'sent_bytes', 'request_bytes', 'orig_bytes'],
  bytesIn: ['bytes_in', 'bytes_received', 'received_bytes', 'response_bytes', 'resp_bytes'],
  action: ['action', 'decision', 'result_code', 'disposition'],
  subject: ['principal', 'principal_arn', 'user_arn', 'subject'],
  eventSource: ['event_source', 'eventsource'],
  eventName: ['event_name', 'eventname'],
  errorCode: ['error_code', 'errorcode'],
};

export async function autoMap(runner: DuckdbRunner, from: string, source: QuerySource, given: FieldMap, timeType?: TimeType): Promise<{ map: FieldMap; timeType: TimeType }> {
  const cols = await runner.describe(from);
  const byLower = new Map(cols.map((c) => [c.name.toLowerCase(), c]));
  const map: FieldMap = { ...given };
  const fields: readonly string[] = source === 'egress' ? EGRESS_FIELDS : AUDIT_FIELDS;
  for (const f of fields) {
    if ((map as Record<string, string>)[f]) continue;
    const hit = COLUMN_NAMES[f]?.map((n) => byLower.get(n)).find(Boolean);
    if (hit) (map as Record<string, string>)[f] = hit.name;
  }
  // a host column is cheaper to read than a URL column (the lake parsed it already): the URL then only gives the path
  if (source === 'egress' && map.host && map.url && map.path) delete map.url;
  const need = source === 'egress' ? [['time'], ['host', 'url']] : [['time'], ['subject'], ['eventSource'], ['eventName']];
  for (const alts of need) {
    if (!alts.some((f) => (map as Record<string, string>)[f])) {
      throw new UsageError(`${from}: no column for ${alts.join(' or ')} (columns: ${cols.map((c) => c.name).join(', ')}); map one with --${source}-query-map ${alts[0]}=COLUMN`);
    }
  }
  if (timeType) return { map, timeType };
  const tcol = cols.find((c) => c.name === map.time?.split('.')[0]);
  const type = (tcol?.type ?? 'TIMESTAMP').toUpperCase();
  if (type.startsWith('TIMESTAMP') || type === 'DATE') return { map, timeType: 'timestamp' };
  if (type === 'VARCHAR') return { map, timeType: 'iso' };
  if (/INT/.test(type) && map.time && !map.time.includes('.')) {
    const r = await runner.run(`SELECT max(abs(CAST("${map.time.replace(/"/g, '""')}" AS DOUBLE))) AS m FROM ${from} AS src`, new AbortController().signal);
    const m = Number(r.rows[0]?.m ?? 0);
    return { map, timeType: m > 1e11 ? 'epoch-ms' : 'epoch-s' };
  }
  return { map, timeType: 'epoch-s' };
}
