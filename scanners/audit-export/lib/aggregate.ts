/**
 * Folds audit events into observations: one per (kind, app / event source, subject, signal,
 * success) within a scan, with count and first / last seen. Failed attempts stay apart
 * (attrs.success = false). At flush, SaaS apps no rule knows but that look like AI are marked
 * `attrs.candidate = 'unknown-ai-app'` with the words that made them look so.
 */
import type { AttrValue, Observation, Sink, SourceKind } from '../../../src/core/types.js';
import { normalizeAppName, type RuleIndex } from '../../../src/rules/compile.js';
import { CANDIDATE, type CandidateHeuristic } from './candidates.js';
import { readScopes } from './scopes.js';
import type { AuditEvent } from './types.js';

interface Group {
  ev: AuditEvent;
  locator: string;
  count: number;
  first?: string;
  last?: string;
  scopes?: Set<string>;
  /** Sums of the numeric SUMMED attrs (token counts). */
  sums?: Record<string, number>;
}

/** Numeric attrs that add up over a group's events (Bedrock token counts) instead of keeping the first event's value. */
const SUMMED = ['inputTokens', 'outputTokens'] as const;

function sumsOf(a: AuditEvent['attrs']): Record<string, number> | undefined {
  let out: Record<string, number> | undefined;
  for (const k of SUMMED) {
    const v = a[k];
    if (typeof v === 'number' && Number.isFinite(v)) (out ??= {})[k] = v;
  }
  return out;
}

function addSums(g: Group, s: Record<string, number> | undefined): void {
  if (!s) return;
  g.sums ??= {};
  for (const [k, v] of Object.entries(s)) g.sums[k] = (g.sums[k] ?? 0) + v;
}

export class Aggregator {
  private groups = new Map<string, Group>();
  /** Number of events folded in. */
  events = 0;

  constructor(
    private scanner: string,
    private rules: RuleIndex,
    private heuristic?: CandidateHeuristic,
    /** The scanner's source kind; every observation carries it (the collect contract). */
    private source: SourceKind = 'saas',
    /** Keep every app (an app inventory), not only those that can become findings. */
    private allApps = false,
  ) {}

  private resolved = new Map<string, string>();

  /** An app known by several names folds under the first name a rule knows (an M365 `Workload AppHost` → the workload's product name). */
  private resolve(ev: AuditEvent): AuditEvent {
    if (ev.kind !== 'saas-app' || !ev.altNames?.length) return ev;
    const key = [ev.value, ...ev.altNames].join('\u0000');
    let name = this.resolved.get(key);
    if (name === undefined) {
      name = [ev.value, ...ev.altNames].find((n) => n && this.rules.matchSaasApp({ name: n })) ?? '';
      if (this.resolved.size > 100_000) this.resolved.clear();
      this.resolved.set(key, name);
    }
    return name && name !== ev.value ? { ...ev, value: name, altNames: undefined } : ev;
  }

  /** Events of apps that no rule knows and that do not look like AI: counted, not kept. */
  dropped = 0;
  /** Removal events (revoke, uninstall, remove …): counted, never observations. */
  removed = 0;
  private relevantCache = new Map<string, boolean>();

  /**
   * Whether a SaaS app can become a finding: a rule knows one of its names or ids, or its name
   * looks like AI (a candidate). Ordinary apps are most of an identity log; holding a group per
   * (ordinary app, user) until the end of the scan is what made memory grow with log size.
   */
  private relevant(ev: AuditEvent): boolean {
    const a = ev.attrs;
    // the cache key, names then ids (empty ones left out), built without arrays: this runs for
    // every event of every ordinary app
    let key = ev.value;
    if (ev.altNames) for (const n of ev.altNames) if (n) key = key ? key + '\u0000' + n : n;
    key += '\u0001';
    let sep = false;
    for (const x of [a.clientId, a.appId]) {
      if (typeof x !== 'string' || !x) continue;
      key += sep ? '\u0000' + x : x;
      sep = true;
    }
    let known = this.relevantCache.get(key);
    let names: string[] | undefined;
    if (known === undefined) {
      const ids = [a.clientId, a.appId].filter((x): x is string => typeof x === 'string' && !!x);
      names = [ev.value, ...(ev.altNames ?? [])].filter((n) => !!n);
      known =
        names.some((n) => !!this.rules.matchSaasApp({ name: n, ids })) ||
        (ids.length > 0 && !!this.rules.matchSaasApp({ ids })) ||
        (!!this.heuristic && names.some((n) => this.heuristic!.evidence(n).length > 0));
      if (this.relevantCache.size > 200_000) this.relevantCache.clear();
      this.relevantCache.set(key, known);
    }
    if (known) return true;
    // AI-looking OAuth scopes make a candidate too (checked per event: scopes vary)
    const scopes = Array.isArray(a.scopes) ? a.scopes : undefined;
    if (!this.heuristic || !scopes?.length) return false;
    names ??= [ev.value, ...(ev.altNames ?? [])].filter((n) => !!n);
    return this.heuristic.evidence(names[0] ?? '', scopes).length > 0;
  }

  add(raw: AuditEvent, locator: string): void {
    this.events++;
    if (raw.removal) {
      this.removed++;
      return;
    }
    const ev = this.resolve(raw);
    if (ev.kind === 'saas-app' && !this.allApps && !this.relevant(ev)) {
      this.dropped++;
      return;
    }
    const a = ev.attrs;
    const key = [
      ev.kind,
      ev.namespace ?? '',
      ev.kind === 'saas-app' ? normalizeAppName(ev.value) : ev.value.toLowerCase(),
      a.vendor ?? '',
      a.clientId ?? '',
      a.appId ?? '',
      ev.kind === 'audit-event' ? `${a.eventName ?? ''}|${a.modelId ?? ''}|${a.account ?? ''}|${a.region ?? ''}` : '',
      ev.key ?? '',
      ev.subject.kind,
      ev.subject.id.toLowerCase(),
      ev.signal,
      ev.success ? '1' : '0',
    ].join('\u0000');
    const g = this.groups.get(key);
    const scopes = Array.isArray(a.scopes) ? a.scopes : undefined;
    if (!g) {
      this.groups.set(key, { ev, locator, count: 1, first: ev.time, last: ev.time, scopes: scopes ? new Set(scopes) : undefined, sums: sumsOf(a) });
      return;
    }
    g.count++;
    addSums(g, sumsOf(a));
    if (ev.time) {
      if (!g.first || ev.time < g.first) {
        g.first = ev.time;
      }
      if (!g.last || ev.time > g.last) g.last = ev.time;
    }
    if (scopes) {
      g.scopes ??= new Set();
      for (const s of scopes) g.scopes.add(s);
    }
  }

  /**
   * Folds another aggregator's groups into this one (a live-pull unit is read into a staging
   * aggregator and merged only when the unit completed, so a unit that fails mid-way adds
   * nothing and the next run re-reads it from the unchanged cursor: no double count).
   */
  absorb(other: Aggregator): void {
    this.events += other.events;
    this.dropped += other.dropped;
    this.removed += other.removed;
    for (const [key, o] of other.groups) {
      const g = this.groups.get(key);
      if (!g) {
        this.groups.set(key, o);
        continue;
      }
      g.count += o.count;
      addSums(g, o.sums);
      if (o.first && (!g.first || o.first < g.first)) g.first = o.first;
      if (o.last && (!g.last || o.last > g.last)) g.last = o.last;
      if (o.scopes) {
        g.scopes ??= new Set();
        for (const s of o.scopes) g.scopes.add(s);
      }
    }
    other.groups.clear();
  }

  get size(): number {
    return this.groups.size;
  }

  /** Builds the observations (sorted, deterministic). */
  observations(): Observation[] {
    const keyed: Array<[string, Observation]> = [];
    for (const g of this.groups.values()) {
      const o = this.toObservation(g);
      keyed.push([`${o.kind}\u0000${o.value}\u0000${o.subject.id}\u0000${o.signal}\u0000${String(o.attrs?.success)}\u0000${o.locator}`, o]);
    }
    keyed.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    return keyed.map((k) => k[1]);
  }

  /** Emits every observation to the sink and clears the groups. */
  flush(sink: Sink): number {
    const obs = this.observations();
    for (const o of obs) sink.observe(o);
    this.groups.clear();
    return obs.length;
  }

  private toObservation(g: Group): Observation {
    const ev = g.ev;
    const attrs: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(ev.attrs)) if (v !== undefined && v !== null && v !== '') attrs[k] = v;
    attrs.success = ev.success;
    for (const k of SUMMED) delete attrs[k];
    if (g.sums) Object.assign(attrs, g.sums);
    let value = ev.value;
    if (ev.kind === 'saas-app') {
      const scopes = g.scopes ? [...g.scopes].sort() : undefined;
      if (scopes?.length) {
        attrs.scopes = scopes;
        const r = readScopes(scopes);
        if (r) attrs.scopeRisk = r.risk;
        if (r?.reaches.length) attrs.scopeReach = r.reaches;
      } else delete attrs.scopes;
      const ids = [attrs.clientId, attrs.appId].filter((x): x is string => typeof x === 'string' && !!x);
      const names = [ev.value, ...(ev.altNames ?? [])].filter((n) => !!n);
      const matched = names.find((n) => this.rules.matchSaasApp({ name: n, ids }));
      if (matched) value = matched;
      else if (!this.rules.matchSaasApp({ ids }) && this.heuristic) {
        for (const n of names.length ? names : ['']) {
          const why = this.heuristic.evidence(n, scopes ?? []);
          if (why.length) {
            value = n;
            attrs.candidate = CANDIDATE;
            attrs.candidateEvidence = [...new Set(why)];
            break;
          }
        }
      }
    }
    const o: Observation = {
      kind: ev.kind,
      value,
      source: this.source,
      scanner: this.scanner,
      signal: ev.signal,
      confidence: 'declared',
      subject: ev.subject,
      locator: g.locator,
      count: g.count,
      attrs,
    };
    if (ev.namespace) o.namespace = ev.namespace;
    if (g.first) o.firstSeen = g.first;
    if (g.last) o.lastSeen = g.last;
    return o;
  }
}
