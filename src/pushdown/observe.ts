/**
 * Aggregated rows → neutral observations, folded exactly as the egress file scanner folds its
 * per-line aggregates: the host's rule is resolved with the same RuleIndex.matchHost (a rule
 * that needs a path keeps the path as the aggregate's key), users are lower-cased ids with the
 * written form as name, attempts stay apart, and distinctHosts counts the hosts per (subject,
 * matched service). The query only picked the candidate rows; what is AI is decided here by the
 * same code the file scanner uses.
 */
import type { Observation, Subject } from '../core/types.js';
import type { RuleIndex } from '../rules/compile.js';
import type { AuditRowOut, EgressRow } from './types.js';

interface Fold {
  subject: Subject;
  host: string;
  path: string;
  fail: boolean;
  count: number;
  first: number;
  last: number;
  out: number;
  inb: number;
  hasOut: boolean;
  hasIn: boolean;
  days: number;
}

export function egressSubject(raw: string): Subject {
  const v = raw.slice(2);
  if (raw.startsWith('u:')) {
    const id = v.toLowerCase();
    return id === v ? { kind: 'user', id } : { kind: 'user', id, name: v };
  }
  return { kind: 'ip', id: v.toLowerCase() || 'unknown' };
}

export interface ObserveContext {
  scanner: string;
  /** `duckdb#<hash>:<from>/<to>`: engine, query and window */
  locator: string;
  /** extra attrs every observation carries (engine, window) */
  attrs: Record<string, string>;
}

/** Rows of one query → host observations; returns them sorted like the file scanner's. */
export function egressObservations(rules: RuleIndex, rows: EgressRow[], c: ObserveContext): { observations: Observation[]; dropped: number } {
  const folds = new Map<string, Fold>();
  let dropped = 0;
  for (const r of rows) {
    const hit = rules.matchHost(r.host, r.samplePath || undefined);
    if (!hit) {
      dropped += r.events; // a host whose rules need a path these events did not have
      continue;
    }
    const pathKey = (hit.specificity ?? 1) === 0 ? hit.pattern : '';
    const subject = egressSubject(r.subject);
    const key = `${subject.kind}\u0001${subject.id}\u0001${r.host}\u0001${pathKey}${r.failed ? '\u0001!' : ''}`;
    let f = folds.get(key);
    if (!f) {
      f = { subject, host: r.host, path: pathKey ? r.samplePath : '', fail: r.failed, count: 0, first: NaN, last: NaN, out: 0, inb: 0, hasOut: false, hasIn: false, days: 0 };
      folds.set(key, f);
    } else if (subject.name && !f.subject.name) f.subject = subject;
    f.count += r.events;
    if (r.firstMs !== null && !(f.first <= r.firstMs)) f.first = r.firstMs;
    if (r.lastMs !== null && !(f.last >= r.lastMs)) f.last = r.lastMs;
    if (r.bytesOut !== null) {
      f.out += r.bytesOut;
      f.hasOut = true;
    }
    if (r.bytesIn !== null) {
      f.inb += r.bytesIn;
      f.hasIn = true;
    }
    f.days = Math.max(f.days, r.days);
  }
  const svcHosts = new Map<string, Set<string>>();
  const svcKey = (f: Fold) => `${f.subject.kind}\u0001${f.subject.id}\u0001${rules.matchHost(f.host, f.path || undefined)?.service ?? ''}`;
  for (const f of folds.values()) {
    const k = svcKey(f);
    let s = svcHosts.get(k);
    if (!s) svcHosts.set(k, (s = new Set()));
    s.add(f.host);
  }
  const list = [...folds.values()].sort((a, b) =>
    a.subject.kind !== b.subject.kind ? (a.subject.kind < b.subject.kind ? -1 : 1)
    : a.subject.id !== b.subject.id ? (a.subject.id < b.subject.id ? -1 : 1)
    : a.host !== b.host ? (a.host < b.host ? -1 : 1)
    : a.path !== b.path ? (a.path < b.path ? -1 : 1)
    : Number(a.fail) - Number(b.fail),
  );
  const observations = list.map((f) => {
    const attrs: Record<string, string | number | boolean> = { daysActive: f.days, distinctHosts: svcHosts.get(svcKey(f))?.size ?? 1, ...c.attrs };
    if (f.path) attrs.path = f.path;
    if (f.fail) attrs.success = false;
    const o: Observation = {
      kind: 'host', value: f.host, source: 'network', scanner: c.scanner, signal: 'usage', confidence: 'inferred',
      subject: f.subject, locator: c.locator, count: f.count, attrs,
    };
    if (f.first === f.first) o.firstSeen = new Date(f.first).toISOString();
    if (f.last === f.last) o.lastSeen = new Date(f.last).toISOString();
    if (f.hasOut) o.bytesOut = f.out;
    if (f.hasIn) o.bytesIn = f.inb;
    return o;
  });
  return { observations, dropped };
}

/**
 * Audit rows → `audit-event` observations in the CloudTrail shape the audit-export scanner
 * emits (namespace aws, value = event source, attrs.eventName, success = false for an error).
 * `usage` tells data-plane calls (Invoke…, Converse…) from management ones.
 */
export function auditObservations(rows: AuditRowOut[], c: ObserveContext & { usage: RegExp; source: 'cloud' | 'saas' }): Observation[] {
  return rows.map((r) => {
    const attrs: Record<string, string | number | boolean> = { eventName: r.eventName, ...c.attrs };
    if (r.failed) attrs.success = false;
    const o: Observation = {
      kind: 'audit-event', namespace: 'aws', value: r.eventSource, source: c.source, scanner: c.scanner,
      signal: c.usage.test(r.eventName) ? 'usage' : 'presence', confidence: 'declared',
      subject: { kind: 'principal', id: r.subject }, locator: c.locator, count: r.events, attrs,
    };
    if (r.firstMs !== null) o.firstSeen = new Date(r.firstMs).toISOString();
    if (r.lastMs !== null) o.lastSeen = new Date(r.lastMs).toISOString();
    return o;
  });
}
