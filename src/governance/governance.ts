/**
 * Governance of risk entries beyond intake (issue 15): lifecycle stages and STRIDE threats,
 * treatment with inherent and residual risk against the appetite per tier, pause, time-bound
 * triage with escalation, review cycles and the AI impact assessment record.
 *
 * Every state change runs in ONE transaction that writes the governance record (its own table)
 * and appends a decision-log entry (`governance.*`) through the register's audit append path,
 * with the full record after the change as its payload (so the record can be rebuilt from the
 * log as a projection).
 */
import { createHash } from 'node:crypto';
import type { GovernanceEvent, WebhookTarget } from '../config.js';
import { ShadowscanError } from '../core/errors.js';
import { approve, decline, reconcileItem, type ActionResult, type ApproveInput, type DeclineInput, type IntakeContext } from '../intake/actions.js';
import { effectiveCatalog } from '../intake/catalog.js';
import { IntakeError } from '../intake/machine.js';
import { deliver, targetKey, type DeliverOptions } from '../notify/webhook.js';
import { governancePayload } from '../notify/payload.js';
import type { RegisterOps, RiskEntry } from '../register/store.js';
import { ANNEX_A } from '../risk/standards.js';
import { derivedThreats, refreshDerived } from './derived.js';
import type { Threat } from './mapping.js';
import type { GovernanceRecord, ImpactAssessment } from './record.js';
import { addBusinessDays, addMonths, defaultSettings, parseSettings, setSetting, tierSettings, type GovernanceSettings } from './settings.js';

/** Risk-entry statuses that wait for a decision: a pause applies and deadlines run only here. */
export const PENDING_STATUSES = ['needs-intake', 'triaged', 'intake-requested', 'declined-but-in-use'];

export type GovernanceContext = IntakeContext;

// ------------------------------------------------------------------ reading

export async function loadSettings(ops: RegisterOps): Promise<GovernanceSettings> {
  const stored = await ops.governance().getSettings();
  return stored ? parseSettings(stored, 'register governance settings') : defaultSettings();
}

async function loadRisk(ops: RegisterOps, idOrItem: string): Promise<RiskEntry> {
  const e = await ops.getRisk(idOrItem);
  if (!e) throw new IntakeError(`no risk entry or item "${idOrItem}"`, 404);
  return e;
}

/**
 * The stored record (its derived stages and threats are stored when the entry is created or its
 * evidence or item status changes: src/governance/derived.ts), or a fresh one holding the derived
 * threats (not yet stored).
 */
export async function recordOf(ops: RegisterOps, risk: RiskEntry, at: string): Promise<GovernanceRecord> {
  const got = await ops.governance().get(risk.id);
  if (got) return got;
  return { riskEntryId: risk.id, itemId: risk.itemId, threats: await derivedThreats(ops, risk.itemId), threatsSource: 'derived', updatedAt: at };
}

export interface Deadlines {
  triageDue: string;
  decisionDue: string;
  /** Which deadline has passed for the entry's current status, if any. */
  overdue?: 'triage' | 'decision';
  deadline?: string;
  /** Escalation level the clock implies (0: none). */
  level: number;
}

/** Deadlines of an entry from its creation time and tier (business days, UTC). */
export function deadlinesOf(risk: Pick<RiskEntry, 'createdAt' | 'tier' | 'status'>, s: GovernanceSettings, now: Date): Deadlines {
  const t = tierSettings(s, risk.tier);
  const created = new Date(risk.createdAt);
  const triageDue = addBusinessDays(created, t.triageBusinessDays);
  const decisionDue = addBusinessDays(created, t.decisionBusinessDays);
  const out: Deadlines = { triageDue: triageDue.toISOString(), decisionDue: decisionDue.toISOString(), level: 0 };
  if (!PENDING_STATUSES.includes(risk.status)) return out;
  const [kind, due, days] = risk.status === 'needs-intake' ? (['triage', triageDue, t.triageBusinessDays] as const) : (['decision', decisionDue, t.decisionBusinessDays] as const);
  if (now <= due) return out;
  out.overdue = kind;
  out.deadline = due.toISOString();
  // one level per further deadline period missed, up to the last role of the path
  let level = 1;
  let next = addBusinessDays(due, days);
  while (now > next && level < s.escalation.length - 1) {
    level++;
    next = addBusinessDays(next, days);
  }
  out.level = Math.min(level, s.escalation.length - 1);
  return out;
}

export interface GovernanceView {
  risk: RiskEntry;
  record: GovernanceRecord;
  settings: GovernanceSettings;
  appetite: number;
  acceptanceRole: string;
  inherentScore: number;
  residualScore: number;
  /** Residual risk above the appetite without an acceptance on record. */
  needsAcceptance: boolean;
  impactAssessmentRequired: boolean;
  pauseActive: boolean;
  deadlines: Deadlines;
  reviewDue?: string;
}

export async function governanceView(ops: RegisterOps, idOrItem: string, now: Date): Promise<GovernanceView> {
  const risk = await loadRisk(ops, idOrItem);
  const settings = await loadSettings(ops);
  const record = await recordOf(ops, risk, now.toISOString());
  return viewOf(risk, record, settings, now);
}

export function viewOf(risk: RiskEntry, record: GovernanceRecord, settings: GovernanceSettings, now: Date): GovernanceView {
  const t = tierSettings(settings, risk.tier);
  const residualScore = record.treatment?.residualScore ?? risk.inherentScore;
  return {
    risk,
    record,
    settings,
    appetite: t.appetite,
    acceptanceRole: t.acceptanceRole,
    inherentScore: risk.inherentScore,
    residualScore,
    needsAcceptance: residualScore > t.appetite && !(record.acceptance && record.acceptance.residualScore === residualScore),
    impactAssessmentRequired: risk.tier === 1 || ['required', 'requested'].includes(risk.impactAssessment),
    pauseActive: pauseActive(record, risk.status, now),
    deadlines: deadlinesOf(risk, settings, now),
    reviewDue: record.review?.due,
  };
}

export function pauseActive(record: GovernanceRecord, riskStatus: string, now: Date): boolean {
  const p = record.pause;
  return !!p && !p.ended && PENDING_STATUSES.includes(riskStatus) && endOf(p.until) > now.toISOString();
}

const endOf = (day: string) => (day.length === 10 ? day + 'T23:59:59.999Z' : day);

// ------------------------------------------------------------------ changing

function need(v: string | undefined, what: string): string {
  const s = (v ?? '').trim();
  if (!s) throw new IntakeError(`${what} is required`);
  return s;
}

function score(n: unknown, what: string): number {
  const v = typeof n === 'string' && /^\d+$/.test(n) ? Number(n) : n;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 5) throw new IntakeError(`${what}: expected an integer 1–5, got ${JSON.stringify(n)}`);
  return v;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

type Mutation = (rec: GovernanceRecord, risk: RiskEntry, s: GovernanceSettings, tx: RegisterOps, at: string, now: Date) => Promise<string> | string;

/** One governance change: record + decision-log entry (full record as payload) in one transaction. */
async function mutate(ctx: GovernanceContext, idOrItem: string, actor: string, action: string, fn: Mutation): Promise<GovernanceRecord> {
  if (!actor?.trim()) throw new IntakeError('an actor is required');
  const now = ctx.now?.() ?? new Date();
  return ctx.register.transaction(async (tx) => mutateIn(tx, await loadRisk(tx, idOrItem), actor, action, fn, now));
}

/** One governance change inside the caller's transaction: the record and its decision-log entry. */
async function mutateIn(tx: RegisterOps, risk: RiskEntry, actor: string, action: string, fn: Mutation, now: Date): Promise<GovernanceRecord> {
  const at = now.toISOString();
  const settings = await loadSettings(tx);
  const rec = await recordOf(tx, risk, at);
  const before = structuredClone(rec);
  const rationale = await fn(rec, risk, settings, tx, at, now);
  rec.updatedAt = at;
  await tx.governance().put(rec);
  await tx.appendAudit({ at, actor, action: `governance.${action}`, entityType: 'risk', entityId: risk.id, before, after: rec, rationale });
  return rec;
}

/** Triage override of the stages and threats (each with a reason); the rationale is required. */
export async function overrideThreats(ctx: GovernanceContext, id: string, input: { threats: Threat[]; rationale: string }, actor: string): Promise<GovernanceRecord> {
  const rationale = need(input.rationale, 'rationale for overriding the stages and threats');
  if (!input.threats.length) throw new IntakeError('threats: at least one stage/threat pair (use the derived defaults to clear an override)');
  return mutate(ctx, id, actor, 'threats-overridden', (rec, _r, _s, _tx, at) => {
    rec.threats = input.threats;
    rec.threatsSource = 'override';
    rec.threatsOverride = { by: actor, at, rationale };
    return rationale;
  });
}

/** Drops an override: the stages and threats follow the evidence again. */
export async function resetThreats(ctx: GovernanceContext, id: string, input: { rationale: string }, actor: string): Promise<GovernanceRecord> {
  const rationale = need(input.rationale, 'rationale');
  return mutate(ctx, id, actor, 'threats-reset', async (rec, risk, _s, tx) => {
    rec.threats = await derivedThreats(tx, risk.itemId);
    rec.threatsSource = 'derived';
    rec.threatsOverride = undefined;
    return rationale;
  });
}

export interface TreatmentInput {
  /** Annex A control ids applied (A.x.y). */
  controls: string[];
  notes?: string;
  residualLikelihood: number | string;
  residualImpact: number | string;
  reason: string;
}

/** Treatment: the controls applied and the residual likelihood × impact with its reason. */
export async function recordTreatment(ctx: GovernanceContext, id: string, input: TreatmentInput, actor: string): Promise<GovernanceRecord> {
  const reason = need(input.reason, 'reason for the residual likelihood and impact');
  const L = score(input.residualLikelihood, 'residual likelihood');
  const I = score(input.residualImpact, 'residual impact');
  const controls = [...new Set(input.controls.map((c) => c.trim()).filter(Boolean))];
  const unknown = controls.filter((c) => !(c in ANNEX_A));
  if (unknown.length) throw new IntakeError(`controls: not ISO/IEC 42001 Annex A controls: ${unknown.join(', ')} (controls run A.2.2–A.10.4; A.x.1 are objectives)`);
  if (!controls.length && !input.notes?.trim()) throw new IntakeError('controls: name the Annex A controls applied or describe them in notes');
  return mutate(ctx, id, actor, 'treatment-recorded', (rec, risk, s, _tx, at) => {
    if (L * I > risk.inherentScore) throw new IntakeError(`residual risk ${L}×${I}=${L * I} is above the inherent risk ${risk.inherentScore}: controls do not add risk — re-score the inherent risk at triage`);
    rec.treatment = { controls, notes: input.notes?.trim() || undefined, residualLikelihood: L, residualImpact: I, residualScore: L * I, reason, by: actor, at };
    // an acceptance covers the residual score it accepted; a new score needs a new acceptance
    if (rec.acceptance && rec.acceptance.residualScore !== L * I) rec.acceptance = undefined;
    const t = tierSettings(s, risk.tier);
    return `residual ${L}×${I}=${L * I} (inherent ${risk.inherentScore}; appetite for tier ${risk.tier}: ${t.appetite}) after ${controls.join(', ') || 'described controls'}: ${reason}`;
  });
}

/** Acceptance of the residual risk; above the appetite only by the role the settings name. */
export async function acceptResidual(ctx: GovernanceContext, id: string, input: { role: string; rationale: string }, actor: string): Promise<GovernanceRecord> {
  return mutate(ctx, id, actor, 'residual-accepted', acceptance(input, actor));
}

/** The residual-acceptance change: only the role the tier's settings name may accept above the appetite. */
function acceptance(input: { role: string; rationale: string }, actor: string): Mutation {
  const rationale = need(input.rationale, 'rationale for accepting the residual risk');
  const role = need(input.role, 'role accepting the residual risk');
  return (rec, risk, s, _tx, at) => {
    const t = tierSettings(s, risk.tier);
    const residual = rec.treatment?.residualScore ?? risk.inherentScore;
    if (residual > t.appetite && role !== t.acceptanceRole) throw new IntakeError(`${risk.id}: residual risk ${residual} is above the tier ${risk.tier} appetite ${t.appetite}; only the ${t.acceptanceRole} role may accept it (given: ${role})`, 403);
    rec.acceptance = { role, by: actor, at, rationale, residualScore: residual, appetite: t.appetite };
    return `residual risk ${residual} accepted by ${actor} as ${role} (appetite ${t.appetite}): ${rationale}`;
  };
}

/** Pause: a temporary block-list entry while the decision is pending; the decision ends it. */
export async function pause(ctx: GovernanceContext, id: string, input: { until: string; reason: string }, actor: string): Promise<GovernanceRecord> {
  const reason = need(input.reason, 'reason for the pause');
  const until = need(input.until, 'pause expiry');
  if (!DATE.test(until) || Number.isNaN(Date.parse(until))) throw new IntakeError(`pause expiry: expected a date YYYY-MM-DD, got "${until}"`);
  return mutate(ctx, id, actor, 'paused', (rec, risk, _s, _tx, at, now) => {
    if (!PENDING_STATUSES.includes(risk.status)) throw new IntakeError(`${risk.id}: only an entry waiting for a decision can be paused (it is ${risk.status})`, 409);
    if (endOf(until) <= now.toISOString()) throw new IntakeError(`pause expiry: ${until} is in the past`);
    rec.pause = { until, reason, by: actor, at };
    return `use paused until ${until} pending a decision: ${reason}`;
  });
}

export async function endPause(ctx: GovernanceContext, id: string, input: { reason: string }, actor: string): Promise<GovernanceRecord> {
  const reason = need(input.reason, 'reason for ending the pause');
  return mutate(ctx, id, actor, 'pause-ended', (rec, risk, _s, _tx, at) => {
    if (!rec.pause || rec.pause.ended) throw new IntakeError(`${risk.id}: no pause to end`, 409);
    rec.pause.ended = { at, by: actor, reason };
    return reason;
  });
}

export const IA_DECISIONS = ['proceed', 'proceed-with-conditions', 'do-not-proceed'] as const;

/** The AI system impact assessment (ISO/IEC 42005; ISO/IEC 42001 6.1.4, A.5.2–A.5.5). */
export async function recordImpactAssessment(ctx: GovernanceContext, id: string, input: Omit<ImpactAssessment, 'by' | 'at'>, actor: string): Promise<GovernanceRecord> {
  const form = {
    purpose: need(input.purpose, 'impact assessment: purpose'),
    affectedPeople: need(input.affectedPeople, 'impact assessment: affected people'),
    potentialHarms: need(input.potentialHarms, 'impact assessment: potential harms'),
    mitigations: need(input.mitigations, 'impact assessment: mitigations'),
    decisionRationale: need(input.decisionRationale, 'impact assessment: decision rationale'),
  };
  if (!IA_DECISIONS.includes(input.decision)) throw new IntakeError(`impact assessment: decision: expected one of ${IA_DECISIONS.join(', ')}`);
  return mutate(ctx, id, actor, 'impact-assessed', async (rec, risk, _s, tx, at) => {
    rec.impactAssessment = { ...form, decision: input.decision, by: actor, at };
    risk.impactAssessment = 'completed';
    risk.impactAssessmentReason = `completed by ${actor} on ${at.slice(0, 10)}: ${input.decision}`;
    risk.updatedAt = at;
    await tx.updateRisk(risk);
    return `impact assessment: ${input.decision} — ${form.decisionRationale}`;
  });
}

export async function updateSettings(ctx: GovernanceContext, assignments: string[], actor: string, rationale: string): Promise<GovernanceSettings> {
  const why = need(rationale, 'rationale for changing the governance settings');
  if (!actor?.trim()) throw new IntakeError('an actor is required');
  const at = (ctx.now?.() ?? new Date()).toISOString();
  return ctx.register.transaction(async (tx) => {
    const before = await loadSettings(tx);
    let after = before;
    for (const a of assignments) after = setSetting(after, a);
    await tx.governance().putSettings(after, actor, at);
    await tx.appendAudit({ at, actor, action: 'governance.settings-changed', entityType: 'governance-settings', entityId: 'settings', before, after, rationale: why });
    return after;
  });
}

// ------------------------------------------------------------------ decisions

/** An approval; `acceptance` accepts the residual risk in the same step (role + rationale). */
export type GovernedApproveInput = ApproveInput;

/** An approval needs the impact assessment its tier or triage requires, concluding it may proceed. */
function impactAssessmentGate(v: GovernanceView): void {
  if (!v.impactAssessmentRequired) return;
  const ia = v.record.impactAssessment;
  if (!ia) throw new IntakeError(`${v.risk.id}: an AI impact assessment is required before approval (${v.risk.tier === 1 ? 'Tier 1' : v.risk.impactAssessmentReason}) — record one first`, 409);
  if (ia.decision === 'do-not-proceed') throw new IntakeError(`${v.risk.id}: the impact assessment concluded "do not proceed" (${ia.decisionRationale}); approval is refused`, 409);
}

/**
 * The governance gates of every approval path (intake approve on the CLI, the web and the API,
 * and governance approve), checked inside the approval's own transaction: the impact assessment
 * its tier or triage requires, and residual risk above the tier's appetite accepted on record by
 * the role the settings name. `accept` records that acceptance first, in the same transaction.
 */
export async function approvalGates(tx: RegisterOps, risk: RiskEntry, now: Date, accept?: { role: string; rationale: string }, actor?: string): Promise<GovernanceSettings> {
  let v = viewOf(risk, await recordOf(tx, risk, now.toISOString()), await loadSettings(tx), now);
  impactAssessmentGate(v);
  if (v.needsAcceptance && (accept?.role?.trim() || accept?.rationale?.trim())) {
    v = viewOf(risk, await mutateIn(tx, risk, actor ?? '', 'residual-accepted', acceptance(accept, actor ?? ''), now), v.settings, now);
  }
  if (v.needsAcceptance) throw new IntakeError(`${risk.id}: residual risk ${v.residualScore} is above the tier ${risk.tier} appetite ${v.appetite}: the ${v.acceptanceRole} role must accept it before approval (with the approval: acceptance role and rationale, e.g. --accept-role ${v.acceptanceRole} --accept-rationale "…"; or shadowscan governance accept)`, 409);
  return v.settings;
}

/**
 * The expiry an approval of `risk` may have: the tier's review date (its review cycle from `now`,
 * in the settings the approval's gates read).
 * A later expiry, or none, becomes that date; a later one with a warning saying so. Every approval
 * path calls it inside the approval's transaction (intake approve, the web, the API, governance approve).
 */
export function approvalExpiry(settings: GovernanceSettings, risk: RiskEntry, now: Date, asked?: string): { expires: string; reviewMonths: number; warning?: string } {
  const t = tierSettings(settings, risk.tier);
  const reviewDue = addMonths(now.toISOString().slice(0, 10), t.reviewMonths);
  if (asked && asked <= reviewDue) return { expires: asked, reviewMonths: t.reviewMonths };
  return { expires: reviewDue, reviewMonths: t.reviewMonths, ...(asked ? { warning: `approval expiry ${asked} capped at the tier ${risk.tier} review date ${reviewDue} (review every ${t.reviewMonths} months)` } : {}) };
}

/**
 * What a decision does to the entry's governance record, inside the decision's own transaction (a
 * `governance.decided` entry): a pause ends, the escalation clears, and an approval schedules the
 * review at its expiry — the date the sweep lapses it on.
 */
export async function decisionRecorded(tx: RegisterOps, risk: RiskEntry, actor: string, now: Date, d: { decision: 'approved' | 'declined'; id: string; expires?: string; reviewMonths?: number }): Promise<GovernanceRecord> {
  return mutateIn(tx, risk, actor, 'decided', (rec, r, _s, _tx, at) => {
    const paused = !!rec.pause && !rec.pause.ended;
    if (paused) rec.pause!.ended = { at, by: actor, reason: `decision ${d.id}: ${d.decision}` };
    rec.escalation = undefined;
    if (d.decision === 'declined') return `declined (${d.id})${paused ? '; pause ended' : ''}`;
    rec.review = { due: d.expires!, scheduledAt: at };
    return `approved (${d.id}); review due ${d.expires} (tier ${r.tier}: every ${d.reviewMonths} months)${paused ? '; pause ended' : ''}`;
  }, now);
}

/**
 * Approve with the governance checks (the same approval as `intake approve`: every approval path
 * holds the gates, caps the expiry at the tier's review date, schedules the review and ends a
 * pause in its own transaction); returns the governance record as well.
 */
export async function governedApprove(ctx: GovernanceContext, id: string, input: GovernedApproveInput, actor: string): Promise<ActionResult & { governance: GovernanceRecord }> {
  const res = await approve(ctx, id, input, actor);
  return { ...res, governance: (await ctx.register.governance().get(res.risk.id))! };
}

/** Decline (the same decline as `intake decline`: the pause ends, the decline's block-list entries take over); with the governance record. */
export async function governedDecline(ctx: GovernanceContext, id: string, input: DeclineInput, actor: string): Promise<ActionResult & { governance: GovernanceRecord }> {
  const res = await decline(ctx, id, input, actor);
  return { ...res, governance: (await ctx.register.governance().get(res.risk.id))! };
}

// ------------------------------------------------------------------ the clock: escalation and reviews

export interface SweepOptions extends DeliverOptions {
  targets?: WebhookTarget[];
  actor?: string;
}

export interface SweepResult {
  escalated: Array<{ riskEntryId: string; level: number; role: string; overdue: 'triage' | 'decision'; deadline: string }>;
  reviewsDue: Array<{ riskEntryId: string; due: string }>;
  lapsed: Array<{ riskEntryId: string; due: string; itemStatus?: string }>;
  notifications: Array<{ target: string; event: string; riskEntryId: string; ok: boolean; error?: string }>;
}

/**
 * Runs the governance clock at `ctx.now()`: overdue entries escalate one level per missed deadline
 * period along the settings' path (audit entry each), reviews due soon are reported, lapsed reviews
 * make the item `approval-expired` with the reason; each event is notified once per target.
 */
export async function sweep(ctx: GovernanceContext, opts: SweepOptions = {}): Promise<SweepResult> {
  const now = ctx.now?.() ?? new Date();
  const at = now.toISOString();
  const actor = opts.actor ?? 'shadowscan-governance';
  const reg = ctx.register;
  const out: SweepResult = { escalated: [], reviewsDue: [], lapsed: [], notifications: [] };
  const events: Array<{ event: GovernanceEvent; risk: RiskEntry; status: string; text: string; detail: Record<string, unknown> }> = [];
  const settings = await loadSettings(reg);

  // the levels on record, read once: an entry already at its level needs no transaction (a sweep
  // runs after every scan commit and on schedule; most find nothing to do)
  const levels = new Map((await reg.governance().list({ escalated: true })).map((g) => [g.riskEntryId, g.escalation?.level ?? 0]));
  for (const risk of await reg.listRisks({ status: PENDING_STATUSES })) {
    const d = deadlinesOf(risk, settings, now);
    if (!d.overdue || (levels.get(risk.id) ?? 0) >= d.level) continue;
    const esc = await reg.transaction(async (tx) => {
      const fresh = await loadRisk(tx, risk.id);
      const rec = await recordOf(tx, fresh, at);
      if ((rec.escalation?.level ?? 0) >= d.level) return undefined;
      const before = structuredClone(rec);
      const role = settings.escalation[d.level];
      rec.escalation = { level: d.level, role, at, overdue: d.overdue!, deadline: d.deadline! };
      rec.updatedAt = at;
      await tx.governance().put(rec);
      await tx.appendAudit({ at, actor, action: 'governance.escalated', entityType: 'risk', entityId: risk.id, before, after: rec, rationale: `${d.overdue} overdue since ${d.deadline} (tier ${risk.tier}): escalated to ${role}` });
      return rec.escalation;
    });
    if (!esc) continue;
    out.escalated.push({ riskEntryId: risk.id, level: esc.level, role: esc.role, overdue: esc.overdue, deadline: esc.deadline });
  }

  const soon = new Date(now.getTime() + settings.reviewDueWithinDays * 86_400_000).toISOString().slice(0, 10);
  for (const rec of await reg.governance().list({ reviewDueBy: soon })) {
    if (!rec.review) continue;
    const risk = await reg.getRisk(rec.riskEntryId);
    if (!risk) continue;
    if (rec.review.lapsed) {
      // notified until every target has it (a failed delivery is retried by the next sweep)
      events.push({ event: 'governance-review-lapsed', risk, status: rec.review.due, text: `${risk.id} ${risk.title}: ${rec.review.lapsed.reason}`, detail: { due: rec.review.due } });
    } else if (endOf(rec.review.due) <= at) {
      const res = await reg.transaction(async (tx) => {
        const r2 = (await tx.governance().get(rec.riskEntryId))!;
        if (r2.review?.lapsed) return undefined;
        const before = structuredClone(r2);
        const reason = `review due ${r2.review!.due} (tier ${risk.tier}) lapsed without a review: the approval is expired until the entry is reviewed and approved again`;
        const change = await reconcileItem(tx, risk.itemId, await effectiveCatalog(ctx.baseCatalog, tx), now, actor, at);
        let status = change?.after;
        if (status !== 'approval-expired') {
          const item = (await tx.itemsByIds([risk.itemId])).get(risk.itemId);
          if (item && item.status === 'sanctioned') {
            await tx.setItemStatus(risk.itemId, 'approval-expired', reason, item.catalogEntry);
            await tx.appendAudit({ at, actor, action: 'item.status-changed', entityType: 'item', entityId: risk.itemId, before: { status: item.status }, after: { status: 'approval-expired' }, rationale: reason });
            await refreshDerived(tx, risk, at);
            status = 'approval-expired';
          }
        }
        // the status change re-derived the stored stages and threats: the lapse goes on that record
        const after = (await tx.governance().get(rec.riskEntryId))!;
        after.review!.lapsed = { at, reason };
        after.updatedAt = at;
        await tx.governance().put(after);
        await tx.appendAudit({ at, actor, action: 'governance.review-lapsed', entityType: 'risk', entityId: risk.id, before, after, rationale: reason });
        return { status, reason };
      });
      if (!res) continue;
      out.lapsed.push({ riskEntryId: risk.id, due: rec.review.due, itemStatus: res.status });
      events.push({ event: 'governance-review-lapsed', risk, status: rec.review.due, text: `${risk.id} ${risk.title}: ${res.reason}`, detail: { due: rec.review.due } });
    } else if (rec.review.due <= soon) {
      out.reviewsDue.push({ riskEntryId: risk.id, due: rec.review.due });
      events.push({ event: 'governance-review-due', risk, status: rec.review.due, text: `${risk.id} ${risk.title}: review due ${rec.review.due}`, detail: { due: rec.review.due } });
    }
  }

  // every escalated entry still pending, at its current level (deduplicated per target below)
  for (const o of await overdueEntries(reg, now)) {
    const esc = o.escalation!;
    events.push({ event: 'governance-escalated', risk: o.risk, status: `level-${esc.level}`, text: `${o.risk.id} ${o.risk.title}: ${esc.overdue} overdue since ${esc.deadline.slice(0, 10)} — escalated to ${esc.role}`, detail: { ...esc } });
  }

  for (const t of opts.targets ?? []) {
    const key = targetKey(t);
    for (const e of events) {
      // a target hears only the events its `on` lists; the body is in its format
      if (!t.on.includes(e.event)) continue;
      if (await reg.wasNotified(key, e.event, e.risk.id, e.status)) continue;
      const body = JSON.stringify(governancePayload(t.format, { event: e.event, text: e.text, riskEntry: { id: e.risk.id, itemId: e.risk.itemId, title: e.risk.title, tier: e.risk.tier, status: e.risk.status }, detail: e.detail, at }));
      const r = await deliver(t, body, opts);
      out.notifications.push({ target: key, event: e.event, riskEntryId: e.risk.id, ok: r.ok, error: r.error });
      if (r.ok) await reg.recordNotifications([{ target: key, event: e.event, itemId: e.risk.id, status: e.status, runId: 'governance-' + createHash('sha256').update(at).digest('hex').slice(0, 12), at }]);
    }
  }
  return out;
}

/**
 * Escalated entries still waiting for a decision, most escalated first (the register shows them
 * first). Reads only the escalated governance rows: the sweep is what escalates overdue entries.
 */
export async function overdueEntries(ops: RegisterOps, now: Date): Promise<Array<{ risk: RiskEntry; deadlines: Deadlines; escalation?: GovernanceRecord['escalation'] }>> {
  const settings = await loadSettings(ops);
  const out: Array<{ risk: RiskEntry; deadlines: Deadlines; escalation?: GovernanceRecord['escalation'] }> = [];
  for (const rec of await ops.governance().list({ escalated: true })) {
    const risk = await ops.getRisk(rec.riskEntryId);
    if (!risk || !PENDING_STATUSES.includes(risk.status)) continue;
    out.push({ risk, deadlines: deadlinesOf(risk, settings, now), escalation: rec.escalation });
  }
  return out.sort((a, b) => (b.escalation?.level ?? 0) - (a.escalation?.level ?? 0) || (a.deadlines.deadline ?? '').localeCompare(b.deadlines.deadline ?? '') || a.risk.id.localeCompare(b.risk.id));
}

/** Approved entries whose review is due within the settings' window or overdue (the intake queue shows them). */
export async function reviewsDue(ops: RegisterOps, now: Date): Promise<Array<{ risk: RiskEntry; due: string; overdue: boolean; lapsed: boolean }>> {
  const settings = await loadSettings(ops);
  const soon = new Date(now.getTime() + settings.reviewDueWithinDays * 86_400_000).toISOString().slice(0, 10);
  const out: Array<{ risk: RiskEntry; due: string; overdue: boolean; lapsed: boolean }> = [];
  for (const rec of await ops.governance().list({ reviewDueBy: soon })) {
    const risk = await ops.getRisk(rec.riskEntryId);
    if (!risk || !rec.review || (risk.status !== 'approved' && !rec.review.lapsed)) continue;
    out.push({ risk, due: rec.review.due, overdue: endOf(rec.review.due) <= now.toISOString(), lapsed: !!rec.review.lapsed });
  }
  return out.sort((a, b) => a.due.localeCompare(b.due) || a.risk.id.localeCompare(b.risk.id));
}

/** Active pauses (entry still pending, expiry not passed). */
export async function activePauses(ops: RegisterOps, now: Date): Promise<Array<{ risk: RiskEntry; pause: NonNullable<GovernanceRecord['pause']> }>> {
  const out: Array<{ risk: RiskEntry; pause: NonNullable<GovernanceRecord['pause']> }> = [];
  for (const rec of await ops.governance().list({ pausedAt: now.toISOString().slice(0, 10) })) {
    const risk = await ops.getRisk(rec.riskEntryId);
    if (risk && pauseActive(rec, risk.status, now)) out.push({ risk, pause: rec.pause! });
  }
  return out;
}

export class GovernanceError extends ShadowscanError {}
