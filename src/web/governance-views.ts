/**
 * Governance on the web pages: the card on the item page (stages, threats, inherent and residual
 * risk, deadlines, pause, review, impact assessment), the governance page with its forms, and the
 * register's "overdue and escalated" panel. Every value goes through `html` (escaped).
 */
import type { GovernanceView } from '../governance/governance.js';
import { IA_DECISIONS, PENDING_STATUSES, viewOf } from '../governance/governance.js';
import { threatsOfItem } from '../governance/derived.js';
import { formatThreatLines, LIFECYCLE_STAGES, STRIDE } from '../governance/mapping.js';
import type { GovernanceSettings } from '../governance/settings.js';
import type { ItemPageData, RiskEntry } from '../register/store.js';
import { ANNEX_A } from '../risk/standards.js';
import { can, type Principal } from './auth.js';
import { html, path, type SafeHtml } from './html.js';
import { badge, layout, type Flash } from './views.js';

const day = (s: string | undefined) => (s ? s.slice(0, 10) : '–');

/**
 * The item page's governance view from what `itemPage` read (no further statement): the stored
 * record, or — none stored yet — a fresh one holding the threats derived from the item's active
 * findings, as `governanceView` builds it; settings as the caller holds them for the generation.
 */
export function itemGovernanceView(d: ItemPageData, settings: GovernanceSettings, now: Date): GovernanceView | undefined {
  if (!d.risk) return undefined;
  const record = d.governance ?? {
    riskEntryId: d.risk.id,
    itemId: d.risk.itemId,
    threats: threatsOfItem(d.findings.filter((f) => d.findingStates[f.id]?.state === 'active'), { category: d.item.category, status: d.item.status }),
    threatsSource: 'derived' as const,
    updatedAt: now.toISOString(),
  };
  return viewOf(d.risk, record, settings, now);
}

export function governanceCard(me: Principal, itemId: string, g: GovernanceView): SafeHtml {
  const r = g.record;
  const d = g.deadlines;
  return html`<div class="card" id="governance"><h2>Governance</h2>
${can(me.role, 'triage') || can(me.role, 'decide') ? html`<p><a class="button secondary" href="${path`/items/${itemId}/governance`}">Governance actions</a></p>` : ''}
<div class="grid"><dl class="facts">
<dt>Lifecycle stages</dt><dd id="gov-stages">${[...new Set(r.threats.map((t) => t.stage))].join(', ') || '–'}</dd>
<dt>Inherent risk</dt><dd id="gov-inherent">${g.risk.likelihood}×${g.risk.impact} = ${g.inherentScore}</dd>
<dt>Residual risk</dt><dd id="gov-residual">${r.treatment ? html`${r.treatment.residualLikelihood}×${r.treatment.residualImpact} = ${r.treatment.residualScore} — ${r.treatment.reason}` : html`${g.residualScore} <span class="muted">(no treatment recorded: residual = inherent)</span>`}</dd>
<dt>Controls applied</dt><dd>${r.treatment?.controls.length ? r.treatment.controls.map((c) => `${c} ${ANNEX_A[c]}`).join('; ') : '–'}${r.treatment?.notes ? html`<div class="small">${r.treatment.notes}</div>` : ''}</dd>
<dt>Appetite (tier ${g.risk.tier})</dt><dd id="gov-acceptance">${g.appetite}${g.residualScore > g.appetite ? (r.acceptance && r.acceptance.residualScore === g.residualScore ? html` — residual accepted by ${r.acceptance.by} as ${r.acceptance.role}: ${r.acceptance.rationale}` : html` — <strong>residual above appetite: acceptance by ${g.acceptanceRole} needed</strong>`) : ' — residual within appetite'}</dd>
<dt>Deadlines</dt><dd id="gov-deadlines">triage by ${day(d.triageDue)}, decision by ${day(d.decisionDue)}${d.overdue ? html` — <strong>${d.overdue} overdue</strong>` : ''}${r.escalation ? html`; escalated to ${r.escalation.role} (level ${r.escalation.level}) on ${day(r.escalation.at)}` : ''}</dd>
<dt>Pause</dt><dd id="gov-pause">${r.pause ? html`${g.pauseActive ? html`<strong>paused</strong>` : 'not active'} until ${r.pause.until} by ${r.pause.by}: ${r.pause.reason}${r.pause.ended ? html` (ended ${day(r.pause.ended.at)}: ${r.pause.ended.reason})` : ''}` : '–'}</dd>
<dt>Impact assessment</dt><dd id="gov-ia">${r.impactAssessment ? html`${badge(r.impactAssessment.decision)} by ${r.impactAssessment.by} on ${day(r.impactAssessment.at)}: ${r.impactAssessment.decisionRationale}` : g.impactAssessmentRequired ? html`<strong>required before approval</strong>` : 'not required'}</dd>
<dt>Review</dt><dd id="gov-review">${r.review ? html`due ${r.review.due}${r.review.lapsed ? html` — <strong>lapsed</strong>: ${r.review.lapsed.reason}` : ''}` : '–'}</dd>
</dl>
<div><h3>STRIDE threats ${r.threatsSource === 'override' ? html`<span class="badge">set at triage</span>` : html`<span class="small muted">derived from the evidence</span>`}</h3>
<table id="gov-threats"><thead><tr><th>Stage</th><th>Threat</th><th>Why</th></tr></thead><tbody>
${r.threats.map((t) => html`<tr><td>${t.stage}</td><td>${t.threat}</td><td>${t.reason}</td></tr>`)}</tbody></table>
${r.threatsOverride ? html`<p class="small muted">Override by ${r.threatsOverride.by} on ${day(r.threatsOverride.at)}: ${r.threatsOverride.rationale}</p>` : ''}
</div></div></div>`;
}

export function governancePage(me: Principal, itemName: string, itemId: string, g: GovernanceView, flash: Flash[] = [], error?: string): string {
  const r = g.record;
  const csrf = me.csrf ?? '';
  const form = (action: string, id: string, title: string, inner: SafeHtml, button: string) =>
    html`<form method="post" action="${path`/items/${itemId}/governance/`}${action}" class="card" id="${id}"><input type="hidden" name="_csrf" value="${csrf}"><h2>${title}</h2>${inner}<button type="submit">${button}</button></form>`;
  const pending = PENDING_STATUSES.includes(g.risk.status);
  const body = html`<p class="small"><a href="${path`/items/${itemId}`}">← ${itemName}</a></p>
<h1>Governance ${g.risk.id}: ${itemName} ${badge(g.risk.status)}</h1>
${error ? html`<div class="flash err" role="alert">${error}</div>` : ''}
${governanceCard(me, itemId, g)}
<div class="grid">
${can(me.role, 'triage') ? form('threats', 'threats-form', 'Lifecycle stages and threats', html`<p class="small muted">One per line: <code>stage/threat: reason</code>. Stages: ${LIFECYCLE_STAGES.join(', ')}. Threats: ${STRIDE.join(', ')}.</p>
<div class="field"><span>Stages and threats</span><textarea name="threats" rows="6">${formatThreatLines(r.threats)}</textarea></div>
<div class="field"><span>Rationale</span><textarea name="rationale" required></textarea></div>`, 'Save stages and threats') : ''}
${can(me.role, 'triage') ? form('treatment', 'treatment-form', 'Treatment and residual risk', html`<div class="field"><span>Annex A controls applied</span><input name="controls" value="${r.treatment?.controls.join(', ') ?? ''}" placeholder="A.9.2, A.10.3"></div>
<div class="field"><span>Notes</span><input name="notes" value="${r.treatment?.notes ?? ''}"></div>
<div class="field"><span>Residual likelihood (1–5)</span><input name="residualLikelihood" type="number" min="1" max="5" value="${r.treatment?.residualLikelihood ?? ''}" required></div>
<div class="field"><span>Residual impact (1–5)</span><input name="residualImpact" type="number" min="1" max="5" value="${r.treatment?.residualImpact ?? ''}" required></div>
<div class="field"><span>Reason</span><input name="reason" required></div>`, 'Record treatment') : ''}
${can(me.role, 'decide') && pending ? form('pause', 'pause-form', 'Pause use', html`<p class="small muted">A temporary block-list entry until the expiry; the decision ends it.</p>
<div class="field"><span>Until</span><input name="until" type="date" required></div>
<div class="field"><span>Reason</span><input name="reason" required></div>`, 'Pause') : ''}
${can(me.role, 'decide') ? form('impact-assessment', 'ia-form', 'AI impact assessment (ISO/IEC 42005; ISO/IEC 42001 6.1.4)', html`<div class="field"><span>Purpose and intended use</span><textarea name="purpose" required>${r.impactAssessment?.purpose ?? ''}</textarea></div>
<div class="field"><span>Affected people (individuals and groups)</span><textarea name="affectedPeople" required>${r.impactAssessment?.affectedPeople ?? ''}</textarea></div>
<div class="field"><span>Potential harms (individuals, groups, society)</span><textarea name="potentialHarms" required>${r.impactAssessment?.potentialHarms ?? ''}</textarea></div>
<div class="field"><span>Mitigations</span><textarea name="mitigations" required>${r.impactAssessment?.mitigations ?? ''}</textarea></div>
<div class="field"><span>Decision</span><select name="decision">${IA_DECISIONS.map((x) => html`<option value="${x}" ${r.impactAssessment?.decision === x ? html`selected` : ''}>${x}</option>`)}</select></div>
<div class="field"><span>Decision rationale</span><textarea name="decisionRationale" required></textarea></div>`, 'Record impact assessment') : ''}
${can(me.role, 'decide') && ['triaged', 'intake-requested', 'declined', 'declined-but-in-use'].includes(g.risk.status) ? form('approve', 'gov-approve-form', 'Approve with governance checks', html`<p class="small muted">Tier ${g.risk.tier}: review every ${g.settings.tiers[String(Math.min(3, g.risk.tier)) as '1'].reviewMonths} months (the approval expires at the review date). ${g.impactAssessmentRequired ? 'An impact assessment is required first. ' : ''}Residual ${g.residualScore} against appetite ${g.appetite}.</p>
<div class="field"><span>Business owner</span><input name="ownerBusiness" value="${g.risk.owner ?? ''}" required></div>
<div class="field"><span>Review / expiry date (optional)</span><input name="expires" type="date"></div>
<fieldset><legend>Residual risk acceptance</legend>
<div class="field"><span>Accepting role</span><input name="acceptanceRole" placeholder="${g.acceptanceRole}"></div>
<div class="field"><span>Acceptance rationale</span><textarea name="acceptanceRationale"></textarea></div></fieldset>
<div class="field"><span>Rationale</span><textarea name="rationale" required></textarea></div>`, 'Approve') : ''}
</div>`;
  return layout(`Governance ${g.risk.id}`, body, { me, active: '/register', flash });
}

/** Overdue and escalated entries, shown first on the register page. */
export function overduePanel(rows: Array<{ risk: RiskEntry; deadlines: { overdue?: string; deadline?: string }; escalation?: { level: number; role: string } }>, reviews: Array<{ risk: RiskEntry; due: string; overdue: boolean; lapsed: boolean }> = []): SafeHtml {
  const rv = reviews.length
    ? html`<div class="card" id="reviews-due"><h2>Reviews due (${reviews.length})</h2><table><thead><tr><th>Entry</th><th>Item</th><th>Tier</th><th>Review due</th></tr></thead><tbody>
${reviews.slice(0, 50).map((r) => html`<tr><td>${r.risk.id}</td><td><a href="${path`/items/${r.risk.itemId}`}">${r.risk.title}</a></td><td>${r.risk.tier}</td><td>${r.due}${r.lapsed ? ' — lapsed: approval expired' : r.overdue ? ' — overdue' : ''}</td></tr>`)}
</tbody></table></div>`
    : html``;
  if (!rows.length) return rv;
  return html`${rv}<div class="card" id="overdue"><h2>Overdue and escalated (${rows.length})</h2>
<table><thead><tr><th>Entry</th><th>Item</th><th>Tier</th><th>Overdue</th><th>Escalated to</th></tr></thead><tbody>
${rows.slice(0, 50).map((o) => html`<tr><td>${o.risk.id}</td><td><a href="${path`/items/${o.risk.itemId}`}">${o.risk.title}</a></td><td>${o.risk.tier}</td><td>${o.deadlines.overdue ? `${o.deadlines.overdue} since ${day(o.deadlines.deadline)}` : '–'}</td><td>${o.escalation ? `${o.escalation.role} (level ${o.escalation.level})` : '–'}</td></tr>`)}
</tbody></table></div>`;
}

/** The register's stage / threat filter controls. */
export function governanceFilters(q: { stage?: string; threat?: string }): SafeHtml {
  const sel = (name: string, current: string | undefined, values: readonly string[]) =>
    html`<select name="${name}"><option value="">Any</option>${values.map((v) => html`<option value="${v}" ${current === v ? html`selected` : ''}>${v}</option>`)}</select>`;
  return html`<label>Lifecycle stage ${sel('stage', q.stage, LIFECYCLE_STAGES)}</label> <label>Threat ${sel('threat', q.threat, STRIDE)}</label> <a class="small" href="/governance/threats">by stage and threat</a>`;
}

/** Entries grouped by lifecycle stage × STRIDE threat, each count linking to the filtered register. */
export function threatMatrixPage(me: Principal, records: Array<{ threats: Array<{ stage: string; threat: string }> }>): string {
  const count = (stage: string, threat: string) => records.filter((r) => r.threats.some((t) => t.stage === stage && t.threat === threat)).length;
  const body = html`<p class="small"><a href="/register">← Register</a></p>
<h1>Risk entries by lifecycle stage and STRIDE threat</h1>
<p class="muted">${records.length} risk entries. Each count opens the register filtered to that stage and threat.</p>
<table id="threat-matrix"><thead><tr><th>Stage</th>${STRIDE.map((t) => html`<th>${t}</th>`)}<th>any threat</th></tr></thead><tbody>
${LIFECYCLE_STAGES.map((st) => html`<tr data-stage="${st}"><th>${st}</th>${STRIDE.map((t) => {
    const n = count(st, t);
    return html`<td class="num" data-threat="${t}">${n ? html`<a href="/register?status=all&amp;stage=${st}&amp;threat=${t}">${n}</a>` : '0'}</td>`;
  })}<td class="num">${records.filter((r) => r.threats.some((x) => x.stage === st)).length}</td></tr>`)}
</tbody></table>`;
  return layout('Threats by stage', body, { me, active: '/register' });
}
