/**
 * The judge: pure. Active findings × catalog × rules × now → items, statuses, risk changes and
 * gone marks, with the audit events that record them. No I/O: the store reads what the judge
 * needs (the active findings, the items and risk entries as they were), persists its result, and
 * reports render from that same result — the judgement is computed once per scan.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { Coverage, Finding, ItemStatus, Subject } from '../core/types.js';
import { Reconciler, type Verdict } from '../reconcile/reconcile.js';
import type { EvidenceBasis } from '../resolve/basis.js';
import { resolveGroups, type Item, type ItemGroup, type ItemGrouper } from '../resolve/resolve.js';
import type { RuleIndex } from '../rules/compile.js';
import { assess } from '../risk/assess.js';
import type { AuditEvent } from './audit.js';
import { QUEUE_STATUSES, type GoneCandidate, type PriorItem, type RiskEntry, type StoredFigures } from './store.js';

/** A finding's figures after this run: an incremental scanner's new events are added to what was stored. */
export function mergeFigures(prev: StoredFigures | undefined, f: Finding, full: boolean): Finding {
  // An incremental scanner (log offsets, API cursors) reports only events it had not read before
  // and marks them `increment`; otherwise the scanner reports the whole truth and it replaces.
  if (!prev || f.attrs?.increment !== true || full) return f;
  return {
    ...f,
    count: (prev.count ?? 0) + (f.count ?? 1),
    bytesOut: f.bytesOut !== undefined || prev.bytesOut !== undefined ? (prev.bytesOut ?? 0) + (f.bytesOut ?? 0) : undefined,
    bytesIn: f.bytesIn !== undefined || prev.bytesIn !== undefined ? (prev.bytesIn ?? 0) + (f.bytesIn ?? 0) : undefined,
    firstSeen: minStr(prev.seenFirst, f.firstSeen),
    lastSeen: maxStr(prev.seenLast, f.lastSeen),
  };
}

/** The run's status from its coverage and scanner errors. */
export function runStatus(coverage: Coverage[], errors: Record<string, string>): 'complete' | 'partial' | 'failed' {
  const failed = Object.keys(errors).length;
  if (failed === coverage.length && coverage.length > 0) return 'failed';
  return failed > 0 || coverage.some((c) => c.failed.length > 0) ? 'partial' : 'complete';
}

/**
 * Presence and credential findings not seen in this run whose unit this run covered completely
 * (a failed unit, or a scanner that failed, never marks anything gone).
 */
export function decideGone(candidates: GoneCandidate[], seen: Set<string>, coverage: Coverage[], errors: Record<string, string>): Array<GoneCandidate & { why: string }> {
  const covered = new Map<string, Set<string>>();
  const failed = new Map<string, Set<string>>();
  for (const c of coverage) {
    if (c.scanner in errors) continue;
    covered.set(c.scanner, new Set(c.units));
    failed.set(c.scanner, new Set(c.failed.map((u) => u.unit)));
  }
  const out: Array<GoneCandidate & { why: string }> = [];
  for (const r of candidates) {
    if (seen.has(r.id)) continue;
    const units = covered.get(r.scanner);
    if (!units) continue;
    // Scanners name units like the finding's locator path, by subject, or `subject:path`.
    const keys = [r.unit, r.subjectId, `${r.subjectId}:${r.unit}`];
    if (keys.some((k) => failed.get(r.scanner)!.has(k))) continue;
    if (keys.some((k) => units.has(k))) out.push({ ...r, why: r.unit });
  }
  return out;
}

export interface JudgeInput {
  /** Every active finding of the register after this run's findings were merged in and gone marks applied. */
  active: Finding[];
  /**
   * `active` already grouped by item (the commit adds each finding as it writes it): must hold
   * exactly the findings of `active`. Grouped here when not given.
   */
  grouped?: ItemGrouper;
  /**
   * The reconciler that decided the verdicts written with this run's findings (same catalog and
   * time): its decisions are reused, not made again. Made here when not given.
   */
  reconciler?: Reconciler;
  /** The catalog of record: the catalog file merged with the register's decisions. */
  catalog: Catalog;
  rules: RuleIndex;
  now: Date;
  /** Items as the register held them before this run. */
  priorItems: Map<string, PriorItem>;
  /** Risk entries by item id, as the register held them before this run. */
  priorRisks: Map<string, RiskEntry>;
  /** How many risk entries exist (new ones are numbered after them). */
  riskCount: number;
  /** Items this run saw evidence of. */
  touched: Set<string>;
  /** The audit actor, e.g. `system:scan:<run id>`. */
  actor: string;
  /**
   * Scanners that ran (without failing) in this run. When given, an item none of whose active
   * findings comes from one of them keeps its stored status (and its findings theirs): a scan
   * reconciles only what its own sources cover.
   */
  ranScanners?: Set<string>;
}

export interface JudgedItem {
  item: Item;
  verdict: Verdict;
  /** Usage-grade evidence, or mentions only (a candidate). */
  basis: EvidenceBasis;
  touched: boolean;
  isNew: boolean;
  firstDetectedAt: string;
}

export interface RiskChange {
  kind: 'created' | 'reopened';
  entry: RiskEntry;
  from?: string;
}

export interface Judgement {
  /**
   * The verdict of an active finding; undefined for a finding of an item kept as it was stored
   * (its sources were not scanned: its stored verdict stands).
   */
  verdictOf(f: Finding): Verdict | undefined;
  /** Verdict per active finding id (built when first read: a scan's report asks verdictOf instead). */
  readonly verdicts: ReadonlyMap<string, Verdict>;
  items: JudgedItem[];
  /** Active items per status. */
  statuses: Record<string, number>;
  riskChanges: RiskChange[];
  /** Items that were active and have no active finding left. */
  gone: string[];
  /** Audit events, in the order they happened. */
  audit: AuditEvent[];
}

export function judge(input: JudgeInput): Judgement {
  const at = input.now.toISOString();
  const { actor } = input;
  // a finding's verdict is the reconciler's (one shared object per service whose verdict cannot
  // depend on the subject): nothing is held per finding id
  const reconciler = input.reconciler ?? new Reconciler(input.catalog, input.now);
  let kept: Set<string> | undefined;
  const verdictOf = (f: Finding): Verdict | undefined => (kept?.has(f.id) ? undefined : reconciler.finding(f));
  let verdicts: Map<string, Verdict> | undefined;
  const out: Judgement = {
    verdictOf,
    get verdicts() {
      if (!verdicts) {
        verdicts = new Map();
        for (const f of input.active) {
          const v = verdictOf(f);
          if (v) verdicts.set(f.id, v);
        }
      }
      return verdicts;
    },
    items: [],
    statuses: {},
    riskChanges: [],
    gone: [],
    audit: [],
  };
  let riskN = input.riskCount;
  const live = new Set<string>();
  // findings of items kept as they were: their stored verdicts stand (no verdict in the judgement)
  const keep: string[] = [];
  // one pass groups the findings by item; each item's findings are then read in its finding-id order
  for (const { item: it, findings: fs, basis, bySource } of input.grouped ? input.grouped.result() : resolveGroups(input.active)) {
    live.add(it.id);
    // a service item whose verdict cannot depend on the subject: every finding has that one verdict
    // (the same object), and the item's is decided from it alone — no pass over its findings
    const constant = it.kind === 'service' ? reconciler.constantVerdict(it.service) : undefined;
    let vs: Verdict[];
    if (constant) vs = [constant];
    else {
      vs = new Array(fs.length);
      for (let i = 0; i < fs.length; i++) vs[i] = reconciler.finding(fs[i]);
    }
    let v = reconciler.itemOf(it, vs);
    // mentioned only: a candidate, out of the intake queue, until usage-grade evidence appears
    if (basis.basis === 'candidate' && v.status !== 'sanctioned') v = { status: 'candidate', reason: `candidate — ${basis.reason}` };
    const prev = input.priorItems.get(it.id);
    const touched = input.touched.has(it.id) || !prev;
    // an item of sources this run did not scan keeps what it was judged last time
    if (input.ranScanners && prev && prev.state === 'active' && !touched && !fs.some((f) => input.ranScanners!.has(f.scanner))) {
      for (const f of fs) keep.push(f.id);
      const was: Verdict = { status: prev.status as ItemStatus, reason: prev.statusReason ?? v.reason, entry: prev.catalogEntry };
      out.items.push({ item: it, verdict: was, basis, touched: false, isNew: false, firstDetectedAt: prev.firstDetectedAt });
      out.statuses[was.status] = (out.statuses[was.status] ?? 0) + 1;
      continue;
    }
    out.items.push({ item: it, verdict: v, basis, touched, isNew: !prev, firstDetectedAt: prev?.firstDetectedAt ?? at });
    out.statuses[v.status] = (out.statuses[v.status] ?? 0) + 1;
    if (!prev) out.audit.push({ at, actor, action: 'item.detected', entityType: 'item', entityId: it.id, after: { service: it.service, status: v.status }, rationale: v.reason });
    else if (prev.status !== v.status || prev.state !== 'active') {
      out.audit.push({ at, actor, action: 'item.status-changed', entityType: 'item', entityId: it.id, before: { status: prev.status, state: prev.state }, after: { status: v.status, state: 'active' }, rationale: v.reason });
      if (prev.status === 'candidate' && basis.basis === 'usage') {
        out.audit.push({ at, actor, action: 'item.promoted', entityType: 'item', entityId: it.id, before: { basis: 'candidate' }, after: { basis: 'usage', status: v.status }, rationale: `usage-grade evidence appeared: ${basis.reason}` });
      }
    }
    const change = riskChange(it, bySource, v, fs, input.priorRisks.get(it.id), input.touched.has(it.id), input, () => `AIR-${String(++riskN).padStart(4, '0')}`);
    if (change) {
      out.riskChanges.push(change.change);
      out.audit.push(change.audit);
    }
  }
  for (const [id, p] of input.priorItems) {
    if (p.state !== 'active' || live.has(id)) continue;
    out.gone.push(id);
    out.audit.push({ at, actor, action: 'item.gone', entityType: 'item', entityId: id, before: { state: 'active' }, after: { state: 'gone' }, rationale: 'every finding of this item is gone after complete coverage' });
  }
  if (keep.length) kept = new Set(keep);
  return out;
}

const TITLE: Partial<Record<ItemStatus, string>> = {
  'declined-but-in-use': 'Declined',
  'approval-expired': 'Expired approval',
  'out-of-scope': 'Out-of-scope use of',
};

/** `kind:name` (or `kind:id`) of a subject, one string per distinct label: a user is listed in every item it is seen in. */
const labels = new Map<string, Map<string, string>>();
function subjectLabel(s: Subject): string {
  const key = s.name ?? s.id;
  let byKey = labels.get(s.kind);
  if (!byKey) labels.set(s.kind, (byKey = new Map()));
  let label = byKey.get(key);
  if (label === undefined) {
    if (byKey.size >= 100_000) byKey.clear();
    byKey.set(key, (label = `${s.kind}:${key}`));
  }
  return label;
}

function riskChange(it: Item, bySource: ItemGroup['bySource'], v: Verdict, fs: Finding[], existing: RiskEntry | undefined, seenNow: boolean, input: JudgeInput, nextId: () => string): { change: RiskChange; audit: AuditEvent } | undefined {
  const at = input.now.toISOString();
  const inQueue = QUEUE_STATUSES.includes(v.status);
  if (!existing) {
    if (!inQueue) return undefined;
    const a = assess(it, input.rules.get(it.service), v.status, { hasCredential: it.signals.includes('credential') });
    const entry: RiskEntry = {
      id: nextId(),
      itemId: it.id,
      title: `${TITLE[v.status] ?? 'Unsanctioned'} ${it.kind === 'artifact' ? 'AI system' : 'AI service'}: ${it.name}`,
      status: 'needs-intake',
      tier: a.tier,
      likelihood: a.likelihood,
      likelihoodReason: a.likelihoodReason,
      impact: a.impact,
      impactReason: a.impactReason,
      inherentScore: a.inherentScore,
      band: a.band,
      treatment: a.treatment,
      treatmentReason: a.treatmentReason,
      impactAssessment: a.impactAssessment,
      impactAssessmentReason: a.impactAssessmentReason,
      triage: a.triage,
      tierReason: a.tierReason,
      references: a.references,
      service: it.service,
      vendor: it.vendor,
      category: it.category,
      evidenceSummary: evidenceSummary(it, bySource),
      subjects: it.subjects.map(subjectLabel),
      firstSeen: it.firstSeen,
      lastSeen: it.lastSeen,
      reviewDate: new Date(input.now.getTime() + 30 * 86400_000).toISOString().slice(0, 10),
      createdAt: at,
      updatedAt: at,
    };
    return {
      change: { kind: 'created', entry },
      audit: { at, actor: input.actor, action: 'risk.created', entityType: 'risk', entityId: entry.id, after: { status: 'needs-intake', tier: a.tier, score: a.inherentScore, treatment: a.treatment, likelihood: a.likelihood, impact: a.impact, impactAssessment: a.impactAssessment, reviewDate: entry.reviewDate }, rationale: v.reason },
    };
  }
  // Reopen: an approved entry whose item is back in the queue (expired approval, out of scope).
  let to: string | undefined;
  if (inQueue && ['approved', 'closed'].includes(existing.status)) to = 'needs-intake';
  // A declined service is raised again only when this run actually saw it (usage history never goes away).
  if (v.status === 'declined-but-in-use' && existing.status === 'declined' && seenNow) to = 'declined-but-in-use';
  let reason = v.reason;
  if (existing.status === 'suppressed' && existing.suppressedUntil && existing.suppressedUntil < at.slice(0, 10) && inQueue) to = 'needs-intake';
  if (existing.status === 'false-positive' && inQueue) {
    const fp = (existing as RiskEntry & { falsePositive?: { at: string; until?: string; evidence?: string[] } }).falsePositive;
    if (fp?.until && fp.until < at.slice(0, 10)) {
      to = 'needs-intake';
      reason = `the false-positive mark expired on ${fp.until}; ${v.reason}`;
    } else if (fp?.evidence) {
      // new kinds of evidence since the mark: the mark judged other evidence than this
      const known = new Set(fp.evidence);
      const fresh = fs.filter((f) => !known.has(`${f.source}/${f.signal}/${f.kind}`));
      if (fresh.length) {
        to = 'needs-intake';
        const kinds = [...new Set(fresh.map((f) => `${f.source}/${f.signal}/${f.kind}`))].sort();
        reason = `new kind of evidence since the false-positive mark of ${fp.at.slice(0, 10)}: ${kinds.join(', ')} (e.g. ${fresh[0].locator})`;
      }
    }
  }
  if (!to || to === existing.status) return undefined;
  const entry: RiskEntry = { ...existing, status: to, updatedAt: at };
  return {
    change: { kind: 'reopened', entry, from: existing.status },
    audit: { at, actor: input.actor, action: 'risk.reopened', entityType: 'risk', entityId: existing.id, before: { status: existing.status }, after: { status: to }, rationale: reason },
  };
}

function evidenceSummary(it: Item, bySource: ItemGroup['bySource']): string {
  const parts = bySource.map(({ source: s, count: n }) => `${n} ${s} finding${n === 1 ? '' : 's'}`);
  const subj = it.subjects.slice(0, 5).map((s) => s.name ?? s.id);
  const more = it.subjects.length > 5 ? ` and ${it.subjects.length - 5} more` : '';
  const bytes = it.bytesOut ? `; ${formatBytes(it.bytesOut)} sent` : '';
  return `${parts.join(', ')} across ${it.subjects.length} subject${it.subjects.length === 1 ? '' : 's'} (${subj.join(', ')}${more})${bytes}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < u.length - 1);
  return `${v.toFixed(1)} ${u[i]}`;
}

function minStr(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}
function maxStr(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}
