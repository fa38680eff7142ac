/**
 * Default risk assessment for an inventory item: likelihood and impact (1–5, each with its
 * reason), inherent score, Tier 1–3 from the three triage questions, a proposed treatment and
 * the ISO/IEC 42001, NIST AI RMF and EU AI Act references that apply. Every default can be
 * overridden at triage.
 */
import type { ItemStatus } from '../core/types.js';
import type { ServiceRule } from '../rules/schema.js';
import type { Item } from '../resolve/resolve.js';
import { annexA, euAiAct, isoClause, nist, type Reference } from './standards.js';

export type Treatment = 'modify' | 'avoid' | 'transfer' | 'accept';
export type Tier = 1 | 2 | 3;

export interface TriageAnswers {
  /** Q1: consequence if the AI fails or leaks (low / medium / high). */
  consequence: 'low' | 'medium' | 'high';
  /** Q2: who is affected (internal staff only / customers or partners / the public or vulnerable people). */
  affected: 'internal' | 'external' | 'public';
  /** Q3: does it make or inform significant decisions about people? */
  significantDecisions: boolean;
}

export interface RiskAssessment {
  likelihood: number;
  likelihoodReason: string;
  impact: number;
  impactReason: string;
  inherentScore: number;
  band: 'low' | 'medium' | 'high' | 'critical';
  triage: TriageAnswers;
  tier: Tier;
  tierReason: string;
  treatment: Treatment;
  treatmentReason: string;
  impactAssessment: 'not-required' | 'required';
  impactAssessmentReason: string;
  references: Reference[];
}

/** Data a category typically reaches, when the rule does not say. */
const CATEGORY_DATA: Record<string, string[]> = {
  'meeting-assistant': ['meetings', 'voice', 'calendar'],
  'enterprise-assistant': ['mail', 'files', 'chat'],
  'productivity-ai': ['files'],
  'writing-assistant': ['documents'],
  'code-assistant': ['code'],
  'coding-agent': ['code', 'shell'],
  'transcription': ['voice'],
  'voice-dictation': ['voice'],
  'chat-assistant': ['prompts', 'files'],
  'enterprise-search': ['files'],
};

/** Categories whose use reaches people outside the organisation by default. */
const EXTERNAL_REACH = new Set(['meeting-assistant', 'chatbot-platform', 'video-generation', 'voice-dictation']);

const SENSITIVE = new Set(['mail', 'files', 'calendar', 'meetings', 'voice', 'code', 'shell', 'documents', 'chat', 'customer-data', 'hr', 'health', 'financial']);
const HIGH_RISK_USE = /\b(hr|recruit|hiring|employment|credit|loan|insurance|health|clinic|medical|patient|benefit|welfare|education|exam|biometric|law[- ]?enforcement|justice)\b/i;

export function band(score: number): RiskAssessment['band'] {
  return score >= 20 ? 'critical' : score >= 10 ? 'high' : score >= 5 ? 'medium' : 'low';
}

export function tierFromTriage(t: TriageAnswers): { tier: Tier; reason: string } {
  if (t.significantDecisions) return { tier: 1, reason: 'Q3: it makes or informs significant decisions about people' };
  if (t.consequence === 'high' && t.affected !== 'internal') return { tier: 1, reason: 'Q1 high consequence and Q2 people outside the organisation are affected' };
  if (t.consequence === 'high' || t.affected !== 'internal') return { tier: 2, reason: t.consequence === 'high' ? 'Q1: high consequence of failure or leak, internal impact only' : 'Q2: people outside the organisation are affected' };
  if (t.consequence === 'medium') return { tier: 2, reason: 'Q1: moderate consequence of failure or leak' };
  return { tier: 3, reason: 'low consequence, internal only, no significant decisions' };
}

export function treatmentFor(score: number, status: ItemStatus, svc: ServiceRule | undefined): { treatment: Treatment; reason: string } {
  if (status === 'declined-but-in-use') return { treatment: 'avoid', reason: 'the service was declined and is still in use: enforce the block' };
  if (score >= 15) return { treatment: 'avoid', reason: `inherent score ${score} is above the organisation's tolerance until controls are in place` };
  if (score >= 8) {
    if (svc?.risk.enterpriseTerms === 'yes') return { treatment: 'transfer', reason: `score ${score}: the vendor offers enterprise terms (contractual data protection) — move use onto a governed enterprise agreement` };
    return { treatment: 'modify', reason: `score ${score}: approve with conditions (data classification limit, SSO, logging) or replace with a sanctioned alternative` };
  }
  return { treatment: 'accept', reason: `score ${score} is within tolerance: register, assign an owner and review periodically` };
}

export function assess(item: Item, svc: ServiceRule | undefined, status: ItemStatus, opts: { hasCredential?: boolean; usageText?: string } = {}): RiskAssessment {
  const signals = new Set(item.signals);
  const subjects = item.subjects.length;
  // ---- likelihood: how likely is data to flow to / through it
  let likelihood: number;
  let lr: string;
  if (signals.has('usage')) {
    likelihood = 4;
    lr = `observed in use (${item.count} events`;
  } else if (signals.has('credential')) {
    likelihood = 4;
    lr = 'a working credential for it exists in code or config (';
  } else if (item.kind === 'artifact') {
    likelihood = 3;
    lr = 'the model / resource exists and can be run (';
  } else {
    likelihood = 3;
    lr = 'declared or imported in code, so it is likely called (';
  }
  if (subjects >= 5) {
    likelihood += 1;
    lr += `${lr.endsWith('(') ? '' : ', '}${subjects} subjects: widespread`;
  } else {
    lr += `${lr.endsWith('(') ? '' : ', '}${subjects} subject${subjects === 1 ? '' : 's'}`;
  }
  lr += ')';
  if (status === 'declined-but-in-use') {
    likelihood = Math.max(likelihood, 4);
    lr += '; in use despite a decline decision';
  }
  likelihood = Math.min(5, Math.max(1, likelihood));

  // ---- impact: what it can reach and what the provider does with it
  const data = new Set([...(svc?.risk.dataAccess ?? []), ...(CATEGORY_DATA[item.category] ?? [])]);
  const sensitive = [...data].filter((d) => SENSITIVE.has(d));
  let impact = 2;
  const ir: string[] = [];
  if (svc?.risk.hosting === 'self-hosted' || svc?.risk.hosting === 'library') {
    impact = 2;
    ir.push('runs inside the organisation (no third-party data transfer)');
  } else if (svc?.risk.hosting === 'cloud-tenant') {
    impact = 2;
    ir.push('runs in the organisation\'s cloud tenant');
  } else {
    impact = 3;
    ir.push('third-party service receiving organisation data');
  }
  if (sensitive.length) {
    impact += 1;
    ir.push(`reaches ${sensitive.join(', ')}`);
  }
  if (svc?.risk.trainsOnCustomerData === 'yes' || svc?.risk.trainsOnCustomerData === 'opt-out') {
    impact += 1;
    ir.push(`provider may train on customer data (${svc.risk.trainsOnCustomerData})`);
  }
  if (opts.hasCredential) {
    impact += 1;
    ir.push('a credential is exposed in code or config');
  }
  if (item.bytesOut && item.bytesOut > 100 * 1024 * 1024) {
    impact += 1;
    ir.push(`${Math.round(item.bytesOut / 1048576)} MiB sent to it`);
  }
  impact = Math.min(5, Math.max(1, impact));
  const inherentScore = likelihood * impact;

  // ---- triage questions (defaults)
  const highRiskUse = opts.usageText ? HIGH_RISK_USE.test(opts.usageText) : false;
  const triage: TriageAnswers = {
    // Q1: a failure or leak matters most where sensitive data reaches a third party and it is really used
    consequence: impact >= 5 || (impact >= 4 && (signals.has('usage') || signals.has('credential'))) ? 'high' : impact >= 3 ? 'medium' : 'low',
    // Q2: meeting bots and chatbots reach people outside the organisation (guests, customers)
    affected: EXTERNAL_REACH.has(item.category) ? 'external' : 'internal',
    significantDecisions: highRiskUse,
  };
  const t = tierFromTriage(triage);
  const tr = treatmentFor(inherentScore, status, svc);

  const iaRequired = triage.significantDecisions;
  const refs: Reference[] = [isoClause('6.1.2'), isoClause('6.1.3'), isoClause('8.2')];
  if (iaRequired) refs.push(isoClause('6.1.4'), isoClause('8.4'));
  refs.push(annexA('A.4.2'));
  if (item.kind === 'artifact' || svc?.risk.hosting === 'self-hosted' || svc?.risk.hosting === 'cloud-tenant') refs.push(annexA('A.4.5'), annexA('A.6.2.6'));
  else refs.push(annexA('A.4.4'));
  if (sensitive.length || signals.has('usage')) refs.push(annexA('A.4.3'));
  refs.push(annexA('A.9.2'));
  if (svc?.risk.hosting !== 'self-hosted') refs.push(annexA('A.10.3'));
  if (iaRequired) refs.push(annexA('A.5.2'), annexA('A.5.4'));
  refs.push(nist('GOVERN 1.6'), nist('GOVERN 6.1'), nist('MAP 4.1'), nist('MANAGE 3.1'));
  if (item.kind === 'artifact' && item.artifact?.type === 'model-file') refs.push(nist('MANAGE 3.2'));
  refs.push(euAiAct('Art. 4'));
  if (iaRequired) refs.push(euAiAct('Art. 26'));

  return {
    likelihood,
    likelihoodReason: lr,
    impact,
    impactReason: ir.join('; '),
    inherentScore,
    band: band(inherentScore),
    triage,
    tier: t.tier,
    tierReason: t.reason,
    treatment: tr.treatment,
    treatmentReason: tr.reason,
    impactAssessment: iaRequired ? 'required' : 'not-required',
    impactAssessmentReason: iaRequired ? 'used where decisions materially affect people (employment, credit, health, education, public services …)' : 'no trigger seen: no evidence of decisions that materially affect people',
    references: refs,
  };
}
