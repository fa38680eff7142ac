/**
 * The egress query for SIEMs: Splunk SPL, Microsoft Sentinel / Log Analytics KQL and Elastic
 * ES|QL. The same steps as the SQL core — normalise the host, keep the hosts a rule could match
 * (one anchored alternation), group per (subject, host, path group, failed) — with the rules
 * carried in the query as one ordered `case()`, best rule first (RuleIndex.matchHost's order),
 * so the search needs no lookup installed. The rules table is also written as a CSV lookup for
 * teams that prefer `| lookup` (see docs/pushdown.md).
 */
import { UsageError } from '../core/errors.js';
import type { RuleIndex } from '../rules/compile.js';
import { domainTable, type DomainRow, type DomainTable } from './rule-table.js';
import { BLOCKED_RE, HOST_TAIL_RE } from './sql.js';
import { DEFAULT_MAP, type CompileOptions, type FieldMap, type SiemTarget } from './types.js';

/** Best rule first: the order RuleIndex.matchHost ranks hits (score, then rule order). */
function ordered(t: DomainTable): DomainRow[] {
  return [...t.rows].sort((a, b) => a.score - b.score || a.ordinal - b.ordinal);
}

/** SPL / ES|QL / KQL double-quoted string: a regex is written as is (Splunk documents `\d`, `\.` inside quotes); quotes escaped. */
const q = (s: string) => `"${s.replace(/"/g, '\\"')}"`;
/** ES|QL triple-quoted strings take a regex as written. */
const tq = (s: string) => `"""${s}"""`;
/** KQL verbatim strings. */
const vq = (s: string) => `@"${s.replace(/"/g, '""')}"`;

/** A regex anchored at both ends as Lucene (ES|QL RLIKE) wants it: implicitly whole-string. */
function lucene(re: string): string {
  let s = re.startsWith('^') ? re.slice(1) : `.*${re}`;
  if (s.endsWith('$')) s = s.slice(0, -1);
  else s = `${s}.*`;
  return s;
}

function need(map: FieldMap): void {
  if (!map.host && !map.url) throw new UsageError('push-down: map host (or url) to a field');
}

function iso(d: Date): string {
  return d.toISOString();
}

export function compileSpl(rules: RuleIndex, o: CompileOptions): string {
  if (o.source !== 'egress') throw new UsageError('spl: only --source egress is compiled for Splunk (audit: use the SQL targets)');
  const map: FieldMap = { ...DEFAULT_MAP.egress, ...o.map };
  if (o.map?.url && !o.map.host) delete map.host;
  need(map);
  const t = domainTable(rules);
  const f = (n: string) => (/^[A-Za-z_][\w.]*$/.test(n) ? n : `'${n.replace(/'/g, "\\'")}'`);
  const lines: string[] = [];
  const win: string[] = [];
  if (o.window?.from) win.push(`earliest=${Math.floor(o.window.from.getTime() / 1000)}`);
  if (o.window?.to) win.push(`latest=${Math.floor(o.window.to.getTime() / 1000)}`);
  lines.push(`search ${o.from}${win.length ? ' ' + win.join(' ') : ''}`);
  if (map.host) lines.push(`| eval ss_host=replace(lower(trim(tostring(${f(map.host)}))), ${q(HOST_TAIL_RE)}, "")`);
  else {
    lines.push(`| rex field=${f(map.url!)} "^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?:[^/?#@]*@)?(?<ss_authority>[^/?#]*)(?<ss_urlpath>[^?#]*)"`);
    lines.push(`| eval ss_host=replace(lower(ss_authority), ${q(HOST_TAIL_RE)}, "")`);
  }
  lines.push(`| where match(ss_host, ${q(t.candidateRe || '^$.')})`);
  const user = map.user ? f(map.user) : undefined;
  const ip = map.clientIp ? `coalesce(tostring(${f(map.clientIp)}), "")` : '""';
  lines.push(user ? `| eval subject=if(isnull(${user}) OR ${user}="" OR ${user}="-", "i:".${ip}, "u:".${user})` : `| eval subject="i:".${ip}`);
  const path = map.path ? `lower(coalesce(tostring(${f(map.path)}), ""))` : map.url ? 'lower(coalesce(ss_urlpath, ""))' : '""';
  lines.push(`| eval ss_path=${path}`);
  lines.push(`| eval path_group=case(${t.pathGroups.map((g) => `match(ss_host, ${q(t.pathHostRe)}) AND match(ss_path, ${q(g.re)}), ${q(g.prefix)}`).concat(['true(), ""']).join(', ')})`);
  lines.push(`| eval failed=${map.action ? `if(match(lower(coalesce(tostring(${f(map.action)}), "")), ${q(BLOCKED_RE)}), 1, 0)` : '0'}`);
  lines.push(`| eval ss_hit=case(${ordered(t).map((r) => `match(ss_host, ${q(r.hostRe)})${r.pathRe ? ` AND match(ss_path, ${q(r.pathRe)})` : ''}, ${q(`${r.service} ${r.pattern}`)}`).join(', ')})`);
  lines.push('| where isnotnull(ss_hit)');
  lines.push('| eval ss_day=strftime(_time, "%Y-%m-%d")');
  const sum = (fld: string | undefined, as: string) => (fld ? ` sum(${f(fld)}) as ${as} count(${f(fld)}) as n_${as}` : '');
  lines.push(`| stats count as events${sum(map.bytesOut, 'bytes_out')}${sum(map.bytesIn, 'bytes_in')} min(_time) as first_s max(_time) as last_s dc(ss_day) as days min(ss_path) as sample_path by subject ss_host path_group failed ss_hit`);
  lines.push('| eval service=mvindex(split(ss_hit, " "), 0), pattern=mvindex(split(ss_hit, " "), 1), first_ms=round(first_s * 1000), last_ms=round(last_s * 1000)');
  if (map.bytesOut) lines.push('| eval bytes_out=if(n_bytes_out > 0, bytes_out, null())');
  if (map.bytesIn) lines.push('| eval bytes_in=if(n_bytes_in > 0, bytes_in, null())');
  lines.push('| rename ss_host as host');
  lines.push(`| table subject host path_group sample_path failed service pattern events${map.bytesOut ? ' bytes_out' : ''}${map.bytesIn ? ' bytes_in' : ''} first_ms last_ms days`);
  return lines.join('\n');
}

export function compileKql(rules: RuleIndex, o: CompileOptions): string {
  if (o.source !== 'egress') throw new UsageError('kql: only --source egress is compiled for Sentinel (audit: use the SQL targets)');
  const map: FieldMap = { ...DEFAULT_MAP.egress, ...o.map };
  if (o.map?.url && !o.map.host) delete map.host;
  need(map);
  const t = domainTable(rules);
  const c = (n: string) => (/^[A-Za-z_]\w*$/.test(n) ? n : `['${n.replace(/'/g, "\\'")}']`);
  const time = c(map.time ?? 'TimeGenerated');
  const lines: string[] = [`// shadowscan egress push-down (kql): AI-service use per (subject, host)`, o.from];
  if (o.window?.from) lines.push(`| where ${time} >= datetime(${iso(o.window.from)})`);
  if (o.window?.to) lines.push(`| where ${time} < datetime(${iso(o.window.to)})`);
  if (map.host) lines.push(`| extend ss_host = replace_regex(tolower(trim(@"\\s+", tostring(${c(map.host)}))), ${vq(HOST_TAIL_RE)}, "")`);
  else {
    lines.push(`| extend ss_authority = extract(${vq('^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?:[^/?#@]*@)?([^/?#]*)')}, 1, tostring(${c(map.url!)})), ss_urlpath = extract(${vq('^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?[^/?#]*([^?#]*)')}, 1, tostring(${c(map.url!)}))`);
    lines.push(`| extend ss_host = replace_regex(tolower(ss_authority), ${vq(HOST_TAIL_RE)}, "")`);
  }
  lines.push(`| where ss_host matches regex ${vq(t.candidateRe || '^$.')}`);
  const ip = map.clientIp ? `tostring(${c(map.clientIp)})` : '""';
  lines.push(map.user ? `| extend subject = iff(isempty(tostring(${c(map.user)})) or tostring(${c(map.user)}) == "-", strcat("i:", ${ip}), strcat("u:", tostring(${c(map.user)})))` : `| extend subject = strcat("i:", ${ip})`);
  lines.push(`| extend ss_path = ${map.path ? `tolower(tostring(${c(map.path)}))` : map.url ? 'tolower(ss_urlpath)' : '""'}`);
  lines.push(`| extend path_group = case(${t.pathGroups.map((g) => `ss_host matches regex ${vq(t.pathHostRe)} and ss_path matches regex ${vq(g.re)}, ${q(g.prefix)}`).concat(['""']).join(', ')})`);
  lines.push(`| extend failed = ${map.action ? `iff(tolower(tostring(${c(map.action)})) matches regex ${vq(BLOCKED_RE)}, 1, 0)` : '0'}`);
  lines.push(`| extend ss_hit = case(${ordered(t).map((r) => `ss_host matches regex ${vq(r.hostRe)}${r.pathRe ? ` and ss_path matches regex ${vq(r.pathRe)}` : ''}, ${q(`${r.service} ${r.pattern}`)}`).concat(['""']).join(', ')})`);
  lines.push('| where isnotempty(ss_hit)');
  const sum = (fld: string | undefined, as: string) => (fld ? `, ${as} = sum(tolong(${c(fld)})), n_${as} = countif(isnotnull(tolong(${c(fld)})))` : '');
  lines.push(`| summarize events = count()${sum(map.bytesOut, 'bytes_out')}${sum(map.bytesIn, 'bytes_in')}, first_seen = min(${time}), last_seen = max(${time}), days = dcount(startofday(${time})), sample_path = take_any(ss_path) by subject, host = ss_host, path_group, failed, ss_hit`);
  lines.push('| extend service = tostring(split(ss_hit, " ")[0]), pattern = tostring(split(ss_hit, " ")[1]), first_ms = datetime_diff("millisecond", first_seen, datetime(1970-01-01)), last_ms = datetime_diff("millisecond", last_seen, datetime(1970-01-01))');
  if (map.bytesOut) lines.push('| extend bytes_out = iff(n_bytes_out > 0, bytes_out, long(null))');
  if (map.bytesIn) lines.push('| extend bytes_in = iff(n_bytes_in > 0, bytes_in, long(null))');
  lines.push(`| project subject, host, path_group, sample_path, failed, service, pattern, events${map.bytesOut ? ', bytes_out' : ''}${map.bytesIn ? ', bytes_in' : ''}, first_ms, last_ms, days`);
  return lines.join('\n');
}

export function compileEsql(rules: RuleIndex, o: CompileOptions): string {
  if (o.source !== 'egress') throw new UsageError('esql: only --source egress is compiled for Elastic (audit: use the SQL targets)');
  const map: FieldMap = { ...DEFAULT_MAP.egress, ...o.map };
  if (o.map?.url && !o.map.host) delete map.host;
  need(map);
  const t = domainTable(rules);
  const c = (n: string) => (/^[A-Za-z_@][\w.@]*$/.test(n) ? n : `\`${n.replace(/`/g, '``')}\``);
  const time = c(map.time ?? '@timestamp');
  const lines: string[] = [`FROM ${o.from}`];
  const w: string[] = [];
  if (o.window?.from) w.push(`${time} >= TO_DATETIME("${iso(o.window.from)}")`);
  if (o.window?.to) w.push(`${time} < TO_DATETIME("${iso(o.window.to)}")`);
  if (w.length) lines.push(`| WHERE ${w.join(' AND ')}`);
  if (map.host) lines.push(`| EVAL ss_host = REPLACE(TO_LOWER(TRIM(TO_STRING(${c(map.host)}))), ${tq(HOST_TAIL_RE)}, "")`);
  else {
    lines.push(`| DISSECT ${c(map.url!)} "%{ss_scheme}://%{ss_rest}"`);
    lines.push(`| EVAL ss_authority = REPLACE(COALESCE(ss_rest, ${c(map.url!)}), ${tq('[/?#].*$')}, ""), ss_urlpath = COALESCE(REPLACE(REPLACE(COALESCE(ss_rest, ${c(map.url!)}), ${tq('^[^/?#]*')}, ""), ${tq('[?#].*$')}, ""), "")`);
    lines.push(`| EVAL ss_host = REPLACE(REPLACE(TO_LOWER(ss_authority), ${tq('^.*@')}, ""), ${tq(HOST_TAIL_RE)}, "")`);
  }
  lines.push(`| WHERE ss_host RLIKE ${tq(lucene(t.candidateRe || '^$.'))}`);
  const ip = map.clientIp ? `COALESCE(TO_STRING(${c(map.clientIp)}), "")` : '""';
  lines.push(map.user ? `| EVAL subject = CASE(${c(map.user)} IS NULL OR TO_STRING(${c(map.user)}) IN ("", "-"), CONCAT("i:", ${ip}), CONCAT("u:", TO_STRING(${c(map.user)})))` : `| EVAL subject = CONCAT("i:", ${ip})`);
  lines.push(`| EVAL ss_path = ${map.path ? `TO_LOWER(COALESCE(TO_STRING(${c(map.path)}), ""))` : map.url ? 'TO_LOWER(ss_urlpath)' : '""'}`);
  lines.push(`| EVAL path_group = CASE(${t.pathGroups.map((g) => `ss_host RLIKE ${tq(lucene(t.pathHostRe))} AND ss_path RLIKE ${tq(lucene(g.re))}, ${q(g.prefix)}`).concat(['""']).join(', ')})`);
  lines.push(`| EVAL failed = ${map.action ? `CASE(TO_LOWER(COALESCE(TO_STRING(${c(map.action)}), "")) RLIKE ${tq('(.*[^a-z])?(block|deny|denied|drop|reset|reject|refuse).*')}, 1, 0)` : '0'}`);
  lines.push(`| EVAL ss_hit = CASE(${ordered(t).map((r) => `ss_host RLIKE ${tq(lucene(r.hostRe))}${r.pathRe ? ` AND ss_path RLIKE ${tq(lucene(r.pathRe))}` : ''}, ${q(`${r.service} ${r.pattern}`)}`).concat(['null']).join(', ')})`);
  lines.push('| WHERE ss_hit IS NOT NULL');
  lines.push(`| EVAL ss_day = DATE_TRUNC(1 day, ${time})`);
  const sum = (fld: string | undefined, as: string) => (fld ? `, ${as} = SUM(${c(fld)}), n_${as} = COUNT(${c(fld)})` : '');
  lines.push(`| STATS events = COUNT(*)${sum(map.bytesOut, 'bytes_out')}${sum(map.bytesIn, 'bytes_in')}, first_seen = MIN(${time}), last_seen = MAX(${time}), days = COUNT_DISTINCT(ss_day), sample_path = MIN(ss_path) BY subject, host = ss_host, path_group, failed, ss_hit`);
  lines.push('| EVAL service = MV_FIRST(SPLIT(ss_hit, " ")), pattern = MV_LAST(SPLIT(ss_hit, " ")), first_ms = TO_LONG(first_seen), last_ms = TO_LONG(last_seen)');
  if (map.bytesOut) lines.push('| EVAL bytes_out = CASE(n_bytes_out > 0, bytes_out, null)');
  if (map.bytesIn) lines.push('| EVAL bytes_in = CASE(n_bytes_in > 0, bytes_in, null)');
  lines.push(`| KEEP subject, host, path_group, sample_path, failed, service, pattern, events${map.bytesOut ? ', bytes_out' : ''}${map.bytesIn ? ', bytes_in' : ''}, first_ms, last_ms, days`);
  lines.push('| SORT subject, host, path_group, failed');
  return lines.join('\n');
}

/** The rules table as a CSV lookup (for `| inputlookup` / `externaldata` users). */
export function rulesLookupCsv(rules: RuleIndex): string {
  const t = domainTable(rules);
  const cell = (v: string | number) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return ['rank,service,pattern,path_prefix,host_re,path_re', ...ordered(t).map((r, i) => [i + 1, r.service, r.pattern, r.pathPrefix, r.hostRe, r.pathRe].map(cell).join(','))].join('\n') + '\n';
}

export function compileSiem(rules: RuleIndex, o: CompileOptions & { target: SiemTarget }): string {
  if (!o.from.trim()) throw new UsageError(`${o.target}: the source to search is empty`);
  return o.target === 'spl' ? compileSpl(rules, o) : o.target === 'kql' ? compileKql(rules, o) : compileEsql(rules, o);
}
