/** Form bodies to intake inputs, and the post-login redirect target. */
import { parseList, type ApproveInput, type TriageInput } from '../../intake/actions.js';

export function safeNext(n: unknown): string {
  const s = typeof n === 'string' ? n : '';
  return /^\/(?![/\\])[^\s]*$/.test(s) && !s.startsWith('/login') ? s : '/register';
}

export function triageFromForm(b: Record<string, string>): TriageInput {
  const num = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  return {
    answers: { consequence: b.consequence as TriageInput['answers']['consequence'], affected: b.affected as TriageInput['answers']['affected'], significantDecisions: b.significantDecisions === 'yes' },
    owner: b.owner,
    likelihood: num(b.likelihood),
    likelihoodReason: b.likelihoodReason,
    impact: num(b.impact),
    impactReason: b.impactReason,
    treatment: (b.treatment || undefined) as TriageInput['treatment'],
    treatmentReason: b.treatmentReason,
    requestImpactAssessment: b.requestImpactAssessment === 'on',
    triggers: { materialDecisions: b.materialDecisions === 'on', rightsConcerns: b.rightsConcerns === 'on', domain: (b.domain || '') as NonNullable<TriageInput['triggers']>['domain'] },
    reviewDate: b.reviewDate || undefined,
    rationale: b.rationale,
    // residual risk above the tier's appetite, accepted with the approval (checked by the approval gates)
    ...(b.acceptRole?.trim() || b.acceptRationale?.trim() ? { acceptance: { role: b.acceptRole ?? '', rationale: b.acceptRationale ?? '' } } : {}),
  };
}

export function approveFromForm(b: Record<string, string>): ApproveInput {
  const scope: Record<string, string[]> = {};
  for (const k of ['repos', 'users', 'accounts', 'hosts', 'departments', 'resources']) {
    const l = parseList(b[`scope.${k}`]);
    if (l.length) scope[k] = l;
  }
  return {
    scope,
    conditions: { maxDataClassification: (b.maxDataClassification || undefined) as NonNullable<ApproveInput['conditions']>['maxDataClassification'], notes: b.conditions },
    expires: b.expires,
    owner: { business: b.ownerBusiness, technical: b.ownerTechnical },
    humanOversight: (b.humanOversight || undefined) as ApproveInput['humanOversight'],
    rationale: b.rationale,
    // residual risk above the tier's appetite, accepted with the approval (checked by the approval gates)
    ...(b.acceptRole?.trim() || b.acceptRationale?.trim() ? { acceptance: { role: b.acceptRole ?? '', rationale: b.acceptRationale ?? '' } } : {}),
  };
}
