/**
 * Intake and triage actions over the register. Each action runs in ONE transaction: it checks
 * the state machine, writes the risk entry (and the catalog decision, and the re-reconciled
 * item), and appends hash-chained audit records {actor, time, before, after, rationale}.
 */
import { approvedSchema, declinedSchema, scopeSchema, type ApprovedEntry, type Catalog, type DeclinedEntry, type Scope } from '../catalog/catalog.js';
import type { Finding } from '../core/types.js';
import { Reconciler, type Verdict } from '../reconcile/reconcile.js';
import type { RegisterOps, RegisterStore, RiskEntry } from '../register/register.js';
import { resolve as resolveItems } from '../resolve/resolve.js';
import { band, tierFromTriage, type Treatment, type TriageAnswers } from '../risk/assess.js';
import { annexA, euAiAct, isoClause, type Reference } from '../risk/standards.js';
import { currentCatalog } from '../catalog/record.js';
import { appendEntry } from '../register/ledger.js';
import { riskDecision } from '../register/projections.js';
import type { DecisionRow } from '../register/store.js';
import { effectiveCatalog, mergeDecisions } from './catalog.js';
import { IntakeError, nextStatus, type IntakeAction } from './machine.js';
import { checkApprover, readPolicy, type Policy } from './policy.js';
import { calendarDateProblem } from '../core/validate.js';
import { refreshDerived } from '../governance/derived.js';

export const TREATMENTS: Treatment[] = ['modify', 'avoid', 'transfer', 'accept'];
export const SENSITIVE_DOMAINS = ['healthcare', 'finance', 'employment', 'public-service', 'education', 'law-enforcement'] as const;
export type SensitiveDomain = (typeof SENSITIVE_DOMAINS)[number];

export interface IntakeContext {
  register: RegisterStore;
  /** The catalog file the scans use (merged with the register's decisions). */
  baseCatalog?: Catalog;
  /** Rule ids, to reject approvals of unknown services. */
  knownServices?: Set<string>;
  now?: () => Date;
  /** When on, whoever requested intake for an entry cannot approve or decline it. */
  separationOfDuties?: boolean;
}

/** The risk entry as intake keeps it (extra fields live in the entry's JSON). */
export interface IntakeRisk extends RiskEntry {
  triagedBy?: string;
  triagedAt?: string;
  impactAssessmentTriggers?: string[];
  intakeRequestedBy?: string;
  intakeRequestedAt?: string;
  suppressedBy?: string;
  /**
   * `evidence`: the kinds of evidence (`source/signal/kind`) the item had when it was marked. A
   * scan that later finds a new kind (code imports after a look-alike domain was marked) reopens
   * the entry; so does the expiry passing.
   */
  falsePositive?: { by: string; at: string; reason: string; until?: string; evidence?: string[] };
}

export interface ActionResult {
  risk: IntakeRisk;
  action: IntakeAction;
  from: string;
  to: string;
  item?: { id: string; before: string; after: string; reason: string };
  decisionId?: string;
  warnings: string[];
}

export interface TriageInput {
  answers: TriageAnswers;
  owner?: string;
  likelihood?: number;
  likelihoodReason?: string;
  impact?: number;
  impactReason?: string;
  treatment?: Treatment;
  treatmentReason?: string;
  /** Ask for an AI system impact assessment (ISO/IEC 42001 6.1.4 / A.5). */
  requestImpactAssessment?: boolean;
  /** Impact-assessment triggers seen at triage. */
  triggers?: { materialDecisions?: boolean; domain?: SensitiveDomain | ''; rightsConcerns?: boolean };
  reviewDate?: string;
  rationale?: string;
}

export interface ApproveInput {
  scope?: Scope;
  conditions?: { maxDataClassification?: 'public' | 'internal' | 'confidential' | 'restricted'; notes?: string };
  /** Review / expiry date (YYYY-MM-DD); required. */
  expires: string;
  owner?: { business: string; technical?: string };
  riskTier?: 1 | 2 | 3;
  humanOversight?: 'human-in-the-loop' | 'human-on-the-loop' | 'human-in-command' | 'none';
  lineage?: { provider?: string; model?: string; version?: string };
  rationale: string;
  /** Residual risk above the tier's appetite, accepted with this approval (role the settings name, rationale). */
  acceptance?: { role: string; rationale: string };
}

export interface DeclineInput {
  treatment: Treatment;
  rationale: string;
  /** Put the service's domains on the block lists (default true). */
  block?: boolean;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

async function loadRisk(tx: RegisterOps, idOrItem: string): Promise<IntakeRisk> {
  const e = (await tx.getRisk(idOrItem)) as IntakeRisk | undefined;
  if (!e) {
    const item = (await tx.itemsByIds([idOrItem])).get(idOrItem);
    throw new IntakeError(item ? `${idOrItem}: the item is ${item.status} and has no risk entry to act on` : `no risk entry or item "${idOrItem}"`, 404);
  }
  return e;
}

function need(v: string | undefined, what: string): string {
  const s = (v ?? '').trim();
  if (!s) throw new IntakeError(`${what} is required`);
  return s;
}

function checkDate(v: string | undefined, what: string, now: Date, opts: { future?: boolean } = {}): string {
  const s = need(v, what);
  if (!DATE.test(s) || calendarDateProblem(s)) throw new IntakeError(`${what}: "${s}" is not a real date (${calendarDateProblem(s)})`);
  if (opts.future && s < now.toISOString().slice(0, 10)) throw new IntakeError(`${what}: ${s} is in the past`);
  return s;
}

function score(n: number | undefined, what: string): number | undefined {
  if (n === undefined || n === null || (typeof n === 'number' && Number.isNaN(n))) return undefined;
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new IntakeError(`${what}: expected an integer 1–5, got ${n}`);
  return n;
}

function addRefs(refs: Reference[], extra: Reference[]): Reference[] {
  const key = (r: Reference) => `${r.framework}|${r.id}`;
  const seen = new Set(refs.map(key));
  const out = [...refs];
  for (const r of extra) if (!seen.has(key(r))) (seen.add(key(r)), out.push(r));
  return out;
}

/** Snapshot of the fields an auditor compares before / after. */
function snap(e: IntakeRisk): Record<string, unknown> {
  // record: the decision state the risk_entries projection keeps (src/register/projections.ts)
  return { status: e.status, tier: e.tier, likelihood: e.likelihood, impact: e.impact, score: e.inherentScore, treatment: e.treatment, owner: e.owner ?? null, impactAssessment: e.impactAssessment, reviewDate: e.reviewDate ?? null, suppressedUntil: e.suppressedUntil ?? null, record: riskDecision(e as unknown as Record<string, unknown>) };
}

/**
 * Re-reconciles one item against a catalog, in the caller's transaction: its active findings'
 * verdicts, then the item's. Returns the change (or undefined when nothing changed).
 */
export async function reconcileItem(tx: RegisterOps, itemId: string, catalog: Catalog, now: Date, actor: string, at: string): Promise<ActionResult['item'] | undefined> {
  const findings = await tx.activeFindingsOfItem(itemId);
  const prev = (await tx.itemsByIds([itemId])).get(itemId);
  if (!prev || findings.length === 0) return undefined;
  const rec = new Reconciler(catalog, now);
  const verdicts = new Map<string, Verdict>();
  for (const f of findings) verdicts.set(f.id, rec.finding(f));
  await tx.setFindingVerdicts([...verdicts].map(([id, v]) => ({ id, status: v.status, reason: v.reason })));
  const it = resolveItems(findings).find((i) => i.id === itemId);
  if (!it) return undefined;
  const v = rec.item(it, verdicts);
  await tx.setItemStatus(itemId, v.status, v.reason, v.entry);
  if (prev.status !== v.status) {
    await tx.appendAudit({ at, actor, action: 'item.status-changed', entityType: 'item', entityId: itemId, before: { status: prev.status }, after: { status: v.status }, rationale: `re-reconciled after an intake decision: ${v.reason}` });
    // the entry's stored stages and threats follow its item's status (issue 15)
    const risk = await tx.getRisk(itemId);
    if (risk) await refreshDerived(tx, risk, at);
  }
  return { id: itemId, before: prev.status, after: v.status, reason: v.reason };
}

/** Decisions an approval or decline of `e` supersedes: the entry's own, and any decline of its service. */
function superseded(d: DecisionRow, e: IntakeRisk): boolean {
  return d.riskEntryId === e.id || (d.service === e.service && d.decision === 'declined');
}

async function nextDecisionId(tx: RegisterOps): Promise<string> {
  return `DEC-${String((await tx.countDecisions()) + 1).padStart(4, '0')}`;
}

type Body = (tx: RegisterOps, e: IntakeRisk, to: string, at: string, now: Date, policy: Policy) => Promise<Omit<ActionResult, 'risk' | 'action' | 'from' | 'to'> & { rationale: string; audit?: Record<string, unknown> }>;

async function run(ctx: IntakeContext, action: IntakeAction, idOrItem: string, actor: string, body: Body): Promise<ActionResult> {
  if (!actor?.trim()) throw new IntakeError('an actor is required');
  const now = ctx.now?.() ?? new Date();
  const at = now.toISOString();
  return ctx.register.transaction(async (tx) => {
    const e = await loadRisk(tx, idOrItem);
    const from = e.status;
    const to = nextStatus(action, from, e.id);
    const before = snap(e);
    // the policy of record (the register's settings projection), read in this transaction
    const policy = await readPolicy(tx);
    const res = await body(tx, e, to, at, now, policy);
    e.status = to;
    e.updatedAt = at;
    await tx.updateRisk(e);
    await tx.appendAudit({ at, actor, action: `risk.${action}`, entityType: 'risk', entityId: e.id, before, after: { ...snap(e), ...(res.audit ?? {}) }, rationale: res.rationale });
    return { risk: e, action, from, to, item: res.item, decisionId: res.decisionId, warnings: res.warnings };
  });
}

/** Triage: tier from the three questions, owner, likelihood / impact overrides with reasons, treatment, impact assessment. */
export async function triage(ctx: IntakeContext, id: string, input: TriageInput, actor: string): Promise<ActionResult> {
  const a = input.answers;
  if (!a || !['low', 'medium', 'high'].includes(a.consequence)) throw new IntakeError('answers.consequence: expected low, medium or high');
  if (!['internal', 'external', 'public'].includes(a.affected)) throw new IntakeError('answers.affected: expected internal, external or public');
  if (typeof a.significantDecisions !== 'boolean') throw new IntakeError('answers.significantDecisions: expected true or false');
  const L = score(input.likelihood, 'likelihood');
  const I = score(input.impact, 'impact');
  if (input.treatment && !TREATMENTS.includes(input.treatment)) throw new IntakeError(`treatment: expected one of ${TREATMENTS.join(', ')}`);
  const dom = input.triggers?.domain;
  if (dom && !SENSITIVE_DOMAINS.includes(dom)) throw new IntakeError(`triggers.domain: expected one of ${SENSITIVE_DOMAINS.join(', ')}`);
  return run(ctx, 'triage', id, actor, async (_tx, e, _to, at, now, policy) => {
    needRationale(policy, input.rationale, 'triage');
    const warnings: string[] = [];
    const changes: string[] = [];
    if (L !== undefined && L !== e.likelihood) {
      e.likelihoodReason = need(input.likelihoodReason, `likelihood ${e.likelihood} → ${L}: a reason`);
      changes.push(`likelihood ${e.likelihood}→${L}`);
      e.likelihood = L;
    } else if (input.likelihoodReason?.trim()) e.likelihoodReason = input.likelihoodReason.trim();
    if (I !== undefined && I !== e.impact) {
      e.impactReason = need(input.impactReason, `impact ${e.impact} → ${I}: a reason`);
      changes.push(`impact ${e.impact}→${I}`);
      e.impact = I;
    } else if (input.impactReason?.trim()) e.impactReason = input.impactReason.trim();
    e.inherentScore = e.likelihood * e.impact;
    e.band = band(e.inherentScore);
    const t = tierFromTriage(a);
    if (t.tier !== e.tier) changes.push(`tier ${e.tier}→${t.tier}`);
    e.triage = { consequence: a.consequence, affected: a.affected, significantDecisions: a.significantDecisions };
    e.tier = t.tier;
    e.tierReason = t.reason;
    if (input.treatment && input.treatment !== e.treatment) {
      e.treatmentReason = need(input.treatmentReason, `treatment ${e.treatment} → ${input.treatment}: a reason`);
      changes.push(`treatment ${e.treatment}→${input.treatment}`);
      e.treatment = input.treatment;
    } else if (input.treatmentReason?.trim()) e.treatmentReason = input.treatmentReason.trim();
    if (input.owner !== undefined) {
      const o = input.owner.trim();
      if (o && o !== e.owner) changes.push(`owner ${e.owner ?? '(none)'}→${o}`);
      e.owner = o || undefined;
    }
    if (input.reviewDate) e.reviewDate = checkDate(input.reviewDate, 'reviewDate', now);
    // ---- AI system impact assessment (ISO/IEC 42001 6.1.4, A.5): triggers
    const triggers: string[] = [];
    if (a.significantDecisions || input.triggers?.materialDecisions) triggers.push('decisions that materially affect people');
    if (dom) triggers.push(`${dom} use`);
    if (input.triggers?.rightsConcerns) triggers.push('fundamental-rights concerns');
    e.impactAssessmentTriggers = triggers;
    const iaRefs = [isoClause('6.1.4'), isoClause('8.4'), annexA('A.5.2'), annexA('A.5.3'), annexA('A.5.4')];
    if (input.requestImpactAssessment) {
      e.impactAssessment = 'requested';
      e.impactAssessmentReason = triggers.length ? `requested at triage; triggers: ${triggers.join(', ')}` : 'requested at triage (no trigger recorded)';
      e.references = addRefs(e.references, iaRefs);
    } else if (triggers.length) {
      e.impactAssessment = 'required';
      e.impactAssessmentReason = `triggers apply (${triggers.join(', ')}) but no impact assessment was requested`;
      e.references = addRefs(e.references, iaRefs);
      warnings.push(`impact assessment required: ${triggers.join(', ')} — request one (ISO/IEC 42001 6.1.4, A.5.2)`);
    } else {
      e.impactAssessment = 'not-required';
      e.impactAssessmentReason = 'no trigger at triage: no decisions that materially affect people, no sensitive domain, no rights concern';
    }
    if (triggers.length && (a.significantDecisions || ['employment', 'finance', 'public-service', 'education', 'law-enforcement', 'healthcare'].includes(dom ?? ''))) e.references = addRefs(e.references, [euAiAct('Art. 26')]);
    if (dom === 'public-service' || dom === 'finance' || input.triggers?.rightsConcerns) e.references = addRefs(e.references, [euAiAct('Art. 27')]);
    e.triagedBy = actor;
    e.triagedAt = at;
    const rationale = input.rationale?.trim() || `triaged: tier ${e.tier} (${e.tierReason}); score ${e.inherentScore} ${e.band}; treatment ${e.treatment}${changes.length ? `; changed ${changes.join(', ')}` : ''}`;
    return { rationale, warnings, audit: { triage: e.triage, impactAssessmentTriggers: triggers } };
  });
}

export async function requestIntake(ctx: IntakeContext, id: string, input: { rationale?: string }, actor: string): Promise<ActionResult> {
  return run(ctx, 'request-intake', id, actor, async (_tx, e, _to, at, _now, policy) => {
    needRationale(policy, input.rationale, 'request intake');
    e.intakeRequestedBy = actor;
    e.intakeRequestedAt = at;
    return { rationale: input.rationale?.trim() || 'intake requested for a decision (approve or decline)', warnings: [] };
  });
}

function needRationale(policy: Policy, rationale: string | undefined, what: string): void {
  if (policy.requireRationale && !rationale?.trim()) throw new IntakeError(`${what}: a rationale is required (policy require-rationale is on)`);
}

/** Separation of duties: on when the register's policy says so (or this process was started with the flag). */
function checkSoD(ctx: IntakeContext, policy: Policy, e: IntakeRisk, actor: string, verb: string): void {
  if ((policy.separationOfDuties || ctx.separationOfDuties) && e.intakeRequestedBy && e.intakeRequestedBy === actor) {
    throw new IntakeError(`${e.id}: separation of duties — ${actor} requested this intake and cannot ${verb} it`, 403);
  }
}

/** Approve: writes a catalog decision holding an approved entry; the item is re-reconciled at once. */
export async function approve(ctx: IntakeContext, id: string, input: ApproveInput, actor: string): Promise<ActionResult> {
  const rationale = need(input.rationale, 'rationale');
  const scope = scopeSchema.parse(cleanScope(input.scope ?? {}));
  return run(ctx, 'approve', id, actor, async (tx, e, _to, at, now, policy) => {
    checkSoD(ctx, policy, e, actor, 'approve');
    await checkApprover(tx, policy, e.tier, actor, e.id, 'approve');
    // issue 15's gates hold on every approval path (loaded here: governance builds on intake)
    const gov = await import('../governance/governance.js');
    const settings = await gov.approvalGates(tx, e, now, input.acceptance, actor);
    // the expiry runs at most to the tier's review date (none given: that date)
    const asked = input.expires?.trim() ? checkDate(input.expires.trim(), 'review / expiry date', now, { future: true }) : undefined;
    const { expires, reviewMonths, warning: capped } = gov.approvalExpiry(settings, e, now, asked);
    if (ctx.knownServices && !ctx.knownServices.has(e.service)) throw new IntakeError(`${e.id}: unknown service "${e.service}" (not in the rules)`);
    const business = (input.owner?.business ?? e.owner ?? '').trim();
    if (!business) throw new IntakeError(`${e.id}: an owner is required to approve (set one at triage or give owner.business)`);
    const item = (await tx.itemsByIds([e.itemId])).get(e.itemId);
    if (item?.kind === 'artifact' && item.artifactKey && !scope.resources?.length) scope.resources = [item.artifactKey];
    // Previous decisions of this entry are superseded; so is an active decline of the service.
    const current = mergeDecisions(ctx.baseCatalog ?? (await currentCatalog(tx))?.catalog, (await tx.listDecisions({ activeOnly: true })).filter((d) => !superseded(d, e)));
    const used = new Set(current.approved.map((a) => a.id ?? a.service));
    const entryId = !used.has(e.service) ? e.service : `${e.service}-${e.id.toLowerCase()}`;
    const entry: ApprovedEntry = approvedSchema.parse({
      id: entryId === e.service ? undefined : entryId,
      service: e.service,
      ...(input.lineage && Object.values(input.lineage).some(Boolean) ? { lineage: input.lineage } : {}),
      owner: { business, ...(input.owner?.technical?.trim() ? { technical: input.owner.technical.trim() } : {}) },
      ...(Object.keys(scope).length ? { scope } : {}),
      ...(input.conditions && (input.conditions.maxDataClassification || input.conditions.notes?.trim()) ? { conditions: { ...(input.conditions.maxDataClassification ? { maxDataClassification: input.conditions.maxDataClassification } : {}), ...(input.conditions.notes?.trim() ? { notes: input.conditions.notes.trim() } : {}) } } : {}),
      approvedBy: actor,
      approvedOn: at.slice(0, 10),
      expires,
      riskTier: input.riskTier ?? e.tier,
      lifecycle: 'active',
      ...(input.humanOversight ? { humanOversight: input.humanOversight } : {}),
      compliance: { controls: e.references.filter((r) => r.framework === 'ISO/IEC 42001 Annex A').map((r) => r.id), status: 'not-assessed' },
      notes: `${e.id}: ${rationale}`,
    });
    const decisionId = await nextDecisionId(tx);
    // the decision is a log entry; catalog_decisions is its projection
    await appendEntry(tx, { at, actor, action: 'catalog.approved', entityType: 'risk', entityId: e.id, after: { decision: decisionId, entry }, rationale });
    const change = await reconcileItem(tx, e.itemId, await effectiveCatalog(ctx.baseCatalog, tx), now, actor, at);
    await gov.decisionRecorded(tx, e, actor, now, { decision: 'approved', id: decisionId, expires, reviewMonths });
    const warnings: string[] = capped ? [capped] : [];
    if (change && change.after !== 'sanctioned') warnings.push(`the item is still ${change.after} after this approval: ${change.reason}`);
    e.owner = business;
    e.reviewDate = expires;
    e.decision = { decision: 'approved', id: decisionId, entryId: entry.id ?? entry.service, by: actor, at, scope, expires, conditions: entry.conditions, rationale };
    return { rationale, warnings, item: change, decisionId, audit: { decision: decisionId } };
  });
}

/** Decline: the service is recorded as declined (block lists follow); a later sighting is declined-but-in-use. */
export async function decline(ctx: IntakeContext, id: string, input: DeclineInput, actor: string): Promise<ActionResult> {
  const rationale = need(input.rationale, 'rationale');
  if (!TREATMENTS.includes(input.treatment)) throw new IntakeError(`treatment: expected one of ${TREATMENTS.join(', ')}`);
  return run(ctx, 'decline', id, actor, async (tx, e, _to, at, now, policy) => {
    checkSoD(ctx, policy, e, actor, 'decline');
    await checkApprover(tx, policy, e.tier, actor, e.id, 'decline');
    const entry: DeclinedEntry = declinedSchema.parse({ service: e.service, treatment: input.treatment, rationale: `${e.id}: ${rationale}`, declinedBy: actor, declinedOn: at.slice(0, 10), block: input.block ?? true });
    const decisionId = await nextDecisionId(tx);
    await appendEntry(tx, { at, actor, action: 'catalog.declined', entityType: 'risk', entityId: e.id, after: { decision: decisionId, entry }, rationale });
    const change = await reconcileItem(tx, e.itemId, await effectiveCatalog(ctx.baseCatalog, tx), now, actor, at);
    await (await import('../governance/governance.js')).decisionRecorded(tx, e, actor, now, { decision: 'declined', id: decisionId });
    e.treatment = input.treatment;
    e.treatmentReason = `declined: ${rationale}`;
    e.decision = { decision: 'declined', id: decisionId, by: actor, at, treatment: input.treatment, block: entry.block, rationale };
    const warnings = change?.after === 'out-of-scope' ? [`the service keeps a valid approval elsewhere, so it is not put on block lists: ${change.reason}`] : [];
    return { rationale, warnings, item: change, decisionId, audit: { decision: decisionId } };
  });
}

/** Suppress with a reason and an expiry; the item stays visible as suppressed. */
export async function suppress(ctx: IntakeContext, id: string, input: { reason: string; until: string }, actor: string): Promise<ActionResult> {
  const reason = need(input.reason, 'reason');
  return run(ctx, 'suppress', id, actor, async (_tx, e, _to, _at, now) => {
    e.suppressedUntil = checkDate(input.until, 'suppression expiry', now, { future: true });
    e.suppressionReason = reason;
    e.suppressedBy = actor;
    return { rationale: `suppressed until ${e.suppressedUntil}: ${reason}`, warnings: [] };
  });
}

/** Mark as a false positive (the detection is wrong), with a reason and optionally an expiry. */
export async function falsePositive(ctx: IntakeContext, id: string, input: { reason: string; until?: string }, actor: string): Promise<ActionResult> {
  const reason = need(input.reason, 'reason');
  return run(ctx, 'false-positive', id, actor, async (tx, e, _to, at, now) => {
    const until = input.until?.trim() ? checkDate(input.until, 'false-positive expiry', now, { future: true }) : undefined;
    const evidence = await tx.evidenceKinds(e.itemId);
    e.falsePositive = { by: actor, at, reason, until, evidence };
    e.suppressionReason = `false positive: ${reason}`;
    e.suppressedUntil = until;
    return { rationale: `false positive${until ? ` (until ${until})` : ''}: ${reason}`, warnings: [] };
  });
}

export async function reopen(ctx: IntakeContext, id: string, input: { rationale: string }, actor: string): Promise<ActionResult> {
  const rationale = need(input.rationale, 'rationale');
  return run(ctx, 'reopen', id, actor, async (_tx, e) => {
    e.suppressedUntil = undefined;
    e.suppressionReason = undefined;
    e.falsePositive = undefined;
    return { rationale, warnings: [] };
  });
}

function cleanScope(s: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(s)) {
    const list = (Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[,\n]/) : []).map((x) => String(x).trim()).filter(Boolean);
    if (list.length) out[k] = list;
  }
  return out;
}

/** Parses a comma / newline separated list (form input). */
export function parseList(v: unknown): string[] {
  return (Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[,\n]/) : []).map((x) => String(x).trim()).filter(Boolean);
}
