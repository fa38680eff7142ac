/**
 * The rules as data an engine can carry: one row per domain rule (and per path of a path rule)
 * with an anchored regular expression for the host and one for the path, plus the score the
 * file scanner's `RuleIndex.matchHost` ranks hits by. The regexes use only the syntax RE2,
 * Java / Joni (Trino), PCRE (Splunk), .NET (KQL), PostgreSQL ARE and Lucene (ES|QL, without
 * the anchors) share: literals, `\.`, `[^.]`, `[a-z0-9-]`, groups, alternation, `?` `*` `+`.
 *
 * Semantics (identical to src/rules/compile.ts):
 * - host rule `api.example.com`: that host only;
 * - suffix rule `example.com`: that host or any host ending in `.example.com` (label boundary,
 *   so `notexample.com` and `example.com.evil.net` never match);
 * - template `{resource}.example.com`: same number of labels, a whole-label placeholder is one
 *   non-empty label, a placeholder inside a label is one or more of `[a-z0-9-]`;
 * - a rule with paths needs a path with one of them as prefix (`/x/` = starts with, `/x` = the
 *   segment itself or followed by `/` or `?`; `{name}` = one non-empty segment), lower-cased;
 * - the best hit: exact < template < suffix, a path rule before a host-only one, a longer
 *   pattern first; a tie goes to the rule listed first (`RuleIndex.domainRules()` order).
 */
import { createHash } from 'node:crypto';
import type { RuleIndex } from '../rules/compile.js';

export interface DomainRow {
  /** position in RuleIndex.domainRules(): the tie-break */
  ordinal: number;
  service: string;
  kind: 'host' | 'suffix' | 'template';
  pattern: string;
  /** '' when the rule needs no path */
  pathPrefix: string;
  /** anchored, over the normalised (lower-case, no port, no trailing dot) host */
  hostRe: string;
  /** anchored, over the lower-cased path; '' when the rule needs no path */
  pathRe: string;
  /** lower ranks first (RuleIndex.matchHost's score) */
  score: number;
}

export interface DomainTable {
  rows: DomainRow[];
  /** one anchored alternation of every host regex: the candidate filter */
  candidateRe: string;
  /** hosts whose rules may need a path (the path is then kept for grouping) */
  pathHostRe: string;
  /** distinct path prefixes, longest first, with their regex: the path groups */
  pathGroups: Array<{ prefix: string; re: string }>;
}

export interface AuditRow {
  service: string;
  /** lower-case event source (CloudTrail `eventSource`) */
  eventSource: string;
}

const RE_SPECIAL = /[.*+?^${}()|[\]\\/]/g;
function esc(s: string): string {
  return s.replace(RE_SPECIAL, '\\$&');
}

/** One template label: `{x}` → `[^.]+`, `{region}-ai` → `[a-z0-9-]+-ai`, literals escaped. */
function templateLabelRe(label: string): string {
  if (/^\{[^}]*\}$/.test(label)) return '[^.]+';
  if (!label.includes('{')) return esc(label);
  return label.split(/\{[^}]*\}/).map(esc).join('[a-z0-9-]+');
}

/** The host part of a rule as an unanchored regex body (anchors added by the caller). */
export function hostRegexBody(kind: DomainRow['kind'], pattern: string): string {
  if (kind === 'host') return esc(pattern);
  if (kind === 'suffix') return `([^.]+\\.)*${esc(pattern)}`;
  return pattern.split('.').map(templateLabelRe).join('\\.');
}

/** A path prefix as an unanchored-at-end regex body over the lower-cased path (see pathHasPrefix). */
export function pathRegexBody(prefix: string): string {
  const x = prefix.toLowerCase();
  const trailing = x.endsWith('/');
  const segs = (trailing ? x.slice(0, -1) : x).split('/');
  const body = segs.map((s) => (/^\{[^}]*\}$/.test(s) ? '[^/]+' : s.split(/\{[^}]*\}/).map(esc).join('[^/]+'))).join('/');
  return trailing ? `${body}/` : `${body}([/?].*)?$`;
}

export function domainTable(rules: RuleIndex): DomainTable {
  const rows: DomainRow[] = [];
  const exact = new Set<string>();
  const suffixes = new Set<string>();
  const templates = new Set<string>();
  const pathHostBodies = new Set<string>();
  const prefixes = new Set<string>();
  rules.domainRules().forEach((d, ordinal) => {
    const base = d.kind === 'host' ? 1 : d.kind === 'template' ? 2 : 3;
    const body = hostRegexBody(d.kind, d.pattern);
    if (d.kind === 'host') exact.add(esc(d.pattern));
    else if (d.kind === 'suffix') suffixes.add(esc(d.pattern));
    else templates.add(body);
    const score = base * 1000 - (d.paths?.length ? 500 : 0) - d.pattern.length;
    if (!d.paths?.length) {
      rows.push({ ordinal, service: d.service, kind: d.kind, pattern: d.pattern, pathPrefix: '', hostRe: `^${body}$`, pathRe: '', score });
      return;
    }
    pathHostBodies.add(body);
    for (const p of d.paths) {
      prefixes.add(p.toLowerCase());
      rows.push({ ordinal, service: d.service, kind: d.kind, pattern: d.pattern, pathPrefix: p, hostRe: `^${body}$`, pathRe: `^${pathRegexBody(p)}`, score });
    }
  });
  const sorted = (set: Set<string>) => [...set].sort();
  // the suffixes share one `([^.]+\.)*` prefix: a far smaller automaton than one per rule (RE2 keeps it a DFA)
  const alts = [...(suffixes.size ? [`([^.]+\\.)*(${sorted(suffixes).join('|')})`] : []), ...sorted(exact), ...sorted(templates)];
  const candidateRe = alts.length ? `^(${alts.join('|')})$` : '';
  const pathHostRe = pathHostBodies.size ? `^(${sorted(pathHostBodies).join('|')})$` : '';
  const pathGroups = [...prefixes].sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).map((prefix) => ({ prefix, re: `^${pathRegexBody(prefix)}` }));
  return { rows, candidateRe, pathHostRe, pathGroups };
}

/** CloudTrail event sources per service (the rules' `cloud.aws.eventSources`). */
export function auditTable(rules: RuleIndex): AuditRow[] {
  // the service RuleIndex.matchAuditEvent answers for each source (a later claim replaces an earlier one there)
  const bySource = new Map<string, string>();
  for (const s of rules.services) for (const e of s.match.cloud.aws.eventSources) bySource.set(e.toLowerCase(), s.id);
  return [...bySource].map(([eventSource, service]) => ({ service, eventSource })).sort((a, b) => (a.eventSource < b.eventSource ? -1 : 1));
}

/** A short stable hash of a query text (the coverage unit's query id). */
export function queryHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
