/**
 * Page renderers. Every dynamic value goes through `html` (escaped), or through `text` (the same
 * escaping) in the register's row loop, which concatenates strings for speed.
 */
import type { ApprovedEntry, Catalog, DeclinedEntry } from '../catalog/catalog.js';
import type { Coverage, Finding } from '../core/types.js';
import type { AuditRecord, VerifyResult } from '../register/audit.js';
import { formatBytes, type ItemRow } from '../register/register.js';
import { ANNEX_A } from '../risk/standards.js';
import type { IntakeRisk } from '../intake/actions.js';
import { SENSITIVE_DOMAINS, TREATMENTS } from '../intake/actions.js';
import type { DecisionRow } from '../intake/catalog.js';
import { actionsFrom, RISK_STATUSES } from '../intake/machine.js';
import { ITEM_STATUSES, SORTS, SOURCES, type RegisterQuery, type RegisterRow } from '../intake/query.js';
import { BLOCKLIST_FORMATS } from '../intake/blocklist.js';
import { can, type Principal } from './auth.js';
import { html, path, qs, raw, text, type SafeHtml } from './html.js';

export interface Flash {
  kind: 'ok' | 'warn' | 'err';
  text: string;
}

const NAV: Array<[string, string]> = [
  ['/register', 'Register'],
  ['/catalog', 'Catalog'],
  ['/scans', 'Scans'],
  ['/blocklists', 'Block lists'],
  ['/audit', 'Audit'],
  ['/admin/users', 'Users'],
];

export function layout(title: string, body: SafeHtml, opts: { me?: Principal; active?: string; flash?: Flash[] } = {}): string {
  const me = opts.me;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · shadowscan</title><link rel="stylesheet" href="/static/app.css"></head>
<body><header class="top"><span class="brand">shadowscan</span>
${me ? html`<nav>${NAV.filter(([href]) => href !== '/admin/users' || me.role === 'admin').map(([href, label]) => html`<a href="${href}" class="${opts.active === href ? 'on' : ''}">${label}</a>`)}</nav>
<div class="me"><span>${me.name} <span class="badge">${me.role}</span></span>
<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${me.csrf ?? ''}"><button type="submit">Log out</button></form></div>` : ''}
</header><main>
${(opts.flash ?? []).map((f) => html`<div class="flash ${f.kind}" role="status">${f.text}</div>`)}
${body}
</main></body></html>`.value;
}

export function badge(s: string | undefined): SafeHtml {
  if (!s) return html`<span class="muted">–</span>`;
  return html`<span class="badge b-${s.replace(/[^a-z0-9-]/gi, '')}">${s}</span>`;
}

function tier(t: number | undefined): SafeHtml {
  return t ? html`<span class="tier tier-${t}">T${t}</span>` : html`<span class="muted">–</span>`;
}

function day(s: string | undefined): string {
  return s ? s.slice(0, 10) : '–';
}
function when(s: string | undefined): string {
  return s ? s.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–';
}

export function loginPage(opts: { csrf: string; next?: string; error?: string }): string {
  return layout(
    'Log in',
    html`<div class="card login"><h1>Log in</h1>
${opts.error ? html`<div class="flash err" role="alert">${opts.error}</div>` : ''}
<form method="post" action="/login">
<input type="hidden" name="_csrf" value="${opts.csrf}"><input type="hidden" name="next" value="${opts.next ?? '/register'}">
<div class="field"><span>User name</span><input name="username" autocomplete="username" required autofocus></div>
<div class="field"><span>Password</span><input name="password" type="password" autocomplete="current-password" required></div>
<button type="submit">Log in</button></form>
<p class="small muted">Accounts are created with <code>shadowscan user add</code>.</p></div>`,
  );
}

export function errorPage(me: Principal | undefined, status: number, message: string, back?: string): string {
  return layout(
    `Error ${status}`,
    html`<div class="card"><h1>${status === 403 ? 'Forbidden' : status === 404 ? 'Not found' : status === 409 ? 'Not allowed in this state' : 'Request rejected'} (${status})</h1>
<p class="flash err" role="alert">${message}</p>${back ? html`<p><a href="${back}">Back</a></p>` : ''}</div>`,
    { me },
  );
}

// ------------------------------------------------------------------ register

/** `badge` as a string, for rows built by concatenation. */
function badgeText(s: string | undefined): string {
  return s ? `<span class="badge b-${s.replace(/[^a-z0-9-]/gi, '')}">${text(s)}</span>` : '<span class="muted">–</span>';
}

/**
 * One register row: the page's hot loop (50–500 rows), built by concatenation with every data
 * value through `text` — the same markup `html` would produce, without a template object per cell.
 */
function registerRow(r: RegisterRow): string {
  return `<tr data-item="${text(r.id)}"><td>${text(r.riskEntryId ?? '–')}</td>
<td><a href="${text(path`/items/${r.id}`)}">${text(r.name)}</a><div class="small muted">${text(r.service)} · ${text(r.vendor)}</div></td>
<td>${text(r.category)}</td><td>${badgeText(r.status)}</td><td>${badgeText(r.riskStatus)}${r.suppressedUntil && r.riskStatus === 'suppressed' ? `<div class="small muted">until ${text(r.suppressedUntil)}</div>` : ''}</td>
<td>${r.tier ? `<span class="tier tier-${text(r.tier)}">T${text(r.tier)}</span>` : '<span class="muted">–</span>'}</td><td class="num">${text(r.score ?? '–')}</td><td>${r.owner !== undefined && r.owner !== null ? text(r.owner) : '<span class="muted">unassigned</span>'}</td>
<td>${text(r.sources.join(', '))}</td><td class="num">${text(r.subjectCount)}</td><td class="num">${r.bytesOut ? text(formatBytes(r.bytesOut)) : '–'}</td><td>${text(day(r.seenLast ?? r.lastDetectedAt))}</td></tr>`;
}

export function registerPage(me: Principal, q: RegisterQuery & { page: number; statusParam?: string; riskParam?: string }, res: { total: number; capped?: boolean; rows: RegisterRow[]; next?: string; prev?: string }, facets: { categories: string[]; owners: string[] }, pageSize: number, gov?: { stage?: string; threat?: string; filters: SafeHtml; panel?: SafeHtml }): string {
  const sel = (name: string, current: string | number | undefined, options: Array<[string, string]>) =>
    html`<select name="${name}">${options.map(([v, l]) => html`<option value="${v}" ${String(current ?? '') === v ? html`selected` : ''}>${l}</option>`)}</select>`;
  const pages = Math.max(1, Math.ceil(res.total / pageSize));
  const base = {
    status: q.statusParam,
    risk: q.riskParam,
    tier: q.tier,
    source: q.source,
    category: q.category,
    owner: q.owner,
    q: q.q,
    sort: q.sort,
    stage: gov?.stage,
    threat: gov?.threat,
  };
  // Next / Previous carry the neighbouring page's sort key (keyset: no deep offsets); page= is shown.
  // Pages filtered in memory (governance stage / threat) have no cursors and link by page number.
  const cursors = res.next !== undefined || res.prev !== undefined;
  const nextHref = res.next ? qs({ ...base, page: q.page + 1, after: res.next }) : !cursors && (q.page < pages || (res.capped && res.rows.length === pageSize)) ? qs({ ...base, page: q.page + 1 }) : undefined;
  const prevHref = q.page <= 1 ? undefined : q.page === 2 || !res.prev ? qs({ ...base, page: q.page - 1 }) : qs({ ...base, page: q.page - 1, before: res.prev });
  const body = html`<h1>AI risk register</h1>
${gov?.panel ?? ''}
<form class="filters" method="get" action="/register">
<label>Item status ${sel('status', q.statusParam ?? 'queue', [['queue', 'Intake queue (not sanctioned)'], ...ITEM_STATUSES.map((s) => [s, s] as [string, string]), ['all', 'All']])}</label>
<label>Intake status ${sel('risk', q.riskParam ?? '', [['', 'Any'], ...RISK_STATUSES.map((s) => [s, s] as [string, string])])}</label>
<label>Tier ${sel('tier', q.tier, [['', 'Any'], ['1', 'Tier 1'], ['2', 'Tier 2'], ['3', 'Tier 3']])}</label>
<label>Source ${sel('source', q.source, [['', 'Any'], ...SOURCES.map((s) => [s, s] as [string, string])])}</label>
<label>Category ${sel('category', q.category, [['', 'Any'], ...facets.categories.map((s) => [s, s] as [string, string])])}</label>
<label>Owner ${sel('owner', q.owner, [['', 'Any'], ...facets.owners.map((s) => [s, s] as [string, string])])}</label>
${gov?.filters ?? ''}
<label>Search <input name="q" value="${q.q ?? ''}" placeholder="name, service, vendor"></label>
<label>Sort ${sel('sort', q.sort ?? 'status', SORTS.map((s) => [s, s] as [string, string]))}</label>
<button type="submit">Apply</button> <a class="button secondary" href="/register">Reset</a>
</form>
<p class="muted small">${res.capped ? `${res.total.toLocaleString('en')}+ items` : `${res.total.toLocaleString('en')} item${res.total === 1 ? '' : 's'}`} · page ${q.page}${res.capped ? '' : ` of ${pages}`}</p>
<table id="register"><thead><tr><th>Entry</th><th>Item</th><th>Category</th><th>Status</th><th>Intake</th><th>Tier</th><th class="num">Score</th><th>Owner</th><th>Sources</th><th class="num">Subjects</th><th class="num">Bytes out</th><th>Last seen</th></tr></thead>
<tbody>${raw(res.rows.map(registerRow).join(''))}</tbody></table>
${res.rows.length === 0 ? html`<p class="card muted">Nothing matches these filters.</p>` : ''}
<div class="pager">${prevHref ? html`<a class="button secondary" href="/register${prevHref}">← Previous</a>` : ''}
${nextHref ? html`<a class="button secondary" href="/register${nextHref}">Next →</a>` : ''}</div>`;
  void me;
  return layout('Register', body, { me, active: '/register' });
}

// ------------------------------------------------------------------ item

export interface ItemView {
  item: ItemRow;
  findings: Finding[];
  findingStates: Record<string, { state: string; status: string; statusReason: string; firstDetectedAt: string; lastDetectedAt: string }>;
  risk?: IntakeRisk;
  history: AuditRecord[];
}

const SUBJECT_GROUPS: Array<[string, string[]]> = [
  ['Users', ['user', 'principal', 'department']],
  ['Repositories', ['repo']],
  ['Accounts', ['account', 'subscription', 'project', 'tenant', 'org']],
  ['Hosts', ['ip', 'host']],
];

export function itemPage(me: Principal, v: ItemView, flash: Flash[], opts: { separationOfDuties: boolean }, extra?: SafeHtml): string {
  const it = v.item;
  const r = v.risk;
  const groups = SUBJECT_GROUPS.map(([label, kinds]) => [label, it.subjects.filter((s) => kinds.includes(s.kind))] as const);
  const other = it.subjects.filter((s) => !SUBJECT_GROUPS.some(([, k]) => k.includes(s.kind)));
  const allowed = r ? actionsFrom(r.status) : [];
  const csrf = me.csrf ?? '';
  const actionForm = (action: string, label: string, extra?: SafeHtml) =>
    html`<form method="post" action="${path`/items/${it.id}/`}${action}"><input type="hidden" name="_csrf" value="${csrf}">${extra ?? ''}<button type="submit" class="secondary">${label}</button></form>`;
  const body = html`<p class="small"><a href="/register">← Register</a></p>
<h1>${it.name} ${badge(it.status)} ${r ? badge(r.status) : ''}</h1>
<p class="muted">${it.statusReason}</p>
${r ? html`<div class="actions">
${allowed.includes('triage') && can(me.role, 'triage') ? html`<a class="button" href="${path`/items/${it.id}/triage`}">Triage</a>` : ''}
${allowed.includes('request-intake') && can(me.role, 'triage') ? actionForm('request-intake', 'Request intake decision') : ''}
${(allowed.includes('approve') || allowed.includes('decline')) && can(me.role, 'decide') ? html`<a class="button" href="${path`/items/${it.id}/intake`}">Intake decision</a>` : ''}
${allowed.includes('reopen') && can(me.role, 'triage') ? actionForm('reopen', 'Reopen', html`<input type="hidden" name="rationale" value="reopened from the item page">`) : ''}
${r.intakeRequestedBy && opts.separationOfDuties ? html`<span class="small muted">Separation of duties: ${r.intakeRequestedBy} requested intake and cannot decide it.</span>` : ''}
</div>` : ''}
<div class="grid">
<div class="card"><h2>Item</h2><dl class="facts">
<dt>Id</dt><dd>${it.id}</dd><dt>Service</dt><dd>${it.service} (${it.vendor})</dd><dt>Category</dt><dd>${it.category}</dd><dt>Kind</dt><dd>${it.kind}${it.artifact ? html` — ${it.artifact.type}: <span class="wrap">${it.artifact.key}</span>` : ''}</dd>
<dt>Catalog entry</dt><dd>${it.catalogEntry ?? '–'}</dd>
<dt>Sources</dt><dd>${it.sources.join(', ')}</dd><dt>Signals</dt><dd>${it.signals.join(', ')}</dd>
<dt>First seen</dt><dd>${when(it.seenFirst)}</dd><dt>Last seen</dt><dd>${when(it.seenLast)}</dd>
<dt>First detected</dt><dd>${when(it.firstDetectedAt)}</dd><dt>Last detected</dt><dd>${when(it.lastDetectedAt)}</dd>
<dt>Findings</dt><dd>${it.findingCount} (${it.eventCount} events)</dd><dt>Bytes out</dt><dd>${it.bytesOut ? formatBytes(it.bytesOut) : '–'}</dd><dt>State</dt><dd>${it.state}</dd>
</dl></div>
<div class="card"><h2>Who and where (${it.subjects.length})</h2>
${[...groups, ['Other', other] as const].filter(([, l]) => l.length).map(([label, list]) => html`<h3 class="small">${label}</h3><ul>${list.slice(0, 50).map((s) => html`<li><span class="muted">${s.kind}:</span> ${s.name ?? s.id}${s.name && s.name !== s.id ? html` <span class="small muted">(${s.id})</span>` : ''}</li>`)}</ul>${list.length > 50 ? html`<p class="small muted">and ${list.length - 50} more</p>` : ''}`)}
</div></div>
${r ? riskCard(r) : html`<div class="card muted">No risk entry: the item is ${it.status}.</div>`}
${extra ?? ''}
<h2>Evidence chain (${v.findings.length})</h2>
<table id="evidence"><thead><tr><th>Source</th><th>Signal</th><th>Subject</th><th>Where</th><th>Observed</th><th>Rule</th><th class="num">Events</th><th class="num">Bytes out</th><th>First / last seen</th><th>Status</th></tr></thead>
<tbody>${v.findings.map((f) => {
    const st = v.findingStates[f.id];
    return html`<tr><td>${f.source}<div class="small muted">${f.scanner}</div></td><td>${f.signal}<div class="small muted">${f.confidence}</div></td>
<td>${f.subject.kind}: ${f.subject.name ?? f.subject.id}</td><td class="wrap">${f.locator}${f.snippet ? html`<div class="small muted">${f.snippet}</div>` : ''}</td>
<td class="wrap">${f.kind}${f.namespace ? html` (${f.namespace})` : ''}: ${f.value}</td><td class="small">${f.match.rule}: ${f.match.pattern}</td>
<td class="num">${f.count ?? 1}</td><td class="num">${f.bytesOut ? formatBytes(f.bytesOut) : '–'}</td><td class="small">${when(f.firstSeen)}<br>${when(f.lastSeen)}</td>
<td>${badge(st?.status)} ${st?.state === 'gone' ? badge('gone') : ''}</td></tr>`;
  })}</tbody></table>
<h2>History (${v.history.length})</h2>
${historyTable(v.history)}`;
  return layout(it.name, body, { me, active: '/register', flash });
}

function refsByFramework(refs: IntakeRisk['references']): SafeHtml {
  const fw = [...new Set(refs.map((r) => r.framework))];
  return html`${fw.map((f) => html`<h3 class="small">${f}</h3><ul class="refs">${refs.filter((r) => r.framework === f).map((r) => html`<li><strong>${r.id}</strong> ${r.title}</li>`)}</ul>`)}`;
}

function riskCard(r: IntakeRisk): SafeHtml {
  const d = r.decision as Record<string, unknown> | undefined;
  return html`<div class="card" id="risk"><h2>Risk entry ${r.id} ${badge(r.status)}</h2><p>${r.title}</p>
<div class="grid"><dl class="facts">
<dt>Tier</dt><dd>${tier(r.tier)} — ${r.tierReason}</dd>
<dt>Triage answers</dt><dd>consequence ${r.triage.consequence}; affected ${r.triage.affected}; significant decisions ${r.triage.significantDecisions ? 'yes' : 'no'}</dd>
<dt>Likelihood</dt><dd>${r.likelihood} — ${r.likelihoodReason}</dd>
<dt>Impact</dt><dd>${r.impact} — ${r.impactReason}</dd>
<dt>Inherent score</dt><dd>${r.inherentScore} ${badge(r.band)}</dd>
<dt>Treatment</dt><dd><strong>${r.treatment}</strong> — ${r.treatmentReason}</dd>
<dt>Owner</dt><dd>${r.owner ?? html`<span class="muted">unassigned</span>`}</dd>
<dt>Review by</dt><dd>${r.reviewDate ?? '–'}</dd>
<dt>Impact assessment</dt><dd>${badge(r.impactAssessment)} ${r.impactAssessmentReason}</dd>
${r.triagedBy ? html`<dt>Triaged</dt><dd>${r.triagedBy}, ${when(r.triagedAt)}</dd>` : ''}
${r.intakeRequestedBy ? html`<dt>Intake requested</dt><dd>${r.intakeRequestedBy}, ${when(r.intakeRequestedAt)}</dd>` : ''}
${r.suppressionReason ? html`<dt>Suppression</dt><dd>${r.suppressionReason}${r.suppressedUntil ? html` (until ${r.suppressedUntil})` : ''}</dd>` : ''}
${d ? html`<dt>Decision</dt><dd>${String(d.decision)} ${String(d.id ?? '')} by ${String(d.by ?? '')} on ${when(String(d.at ?? ''))}: ${String(d.rationale ?? '')}</dd>` : ''}
<dt>Evidence</dt><dd>${r.evidenceSummary}</dd>
</dl><div><h3>References</h3>${refsByFramework(r.references)}</div></div></div>`;
}

export function historyTable(h: AuditRecord[]): SafeHtml {
  return html`<table class="history"><thead><tr><th>#</th><th>When</th><th>Actor</th><th>Action</th><th>Before</th><th>After</th><th>Rationale</th></tr></thead><tbody>
${h.map((a) => html`<tr><td>${a.seq}</td><td class="kv">${when(a.at)}</td><td>${a.actor}</td><td>${a.action}</td><td class="small wrap">${a.before_state ?? ''}</td><td class="small wrap">${a.after_state ?? ''}</td><td>${a.rationale ?? ''}</td></tr>`)}
</tbody></table>`;
}

// ------------------------------------------------------------------ forms

function radio(name: string, value: string, current: string, label: string): SafeHtml {
  return html`<label><input type="radio" name="${name}" value="${value}" ${current === value ? html`checked` : ''}> ${label}</label> `;
}
function options(list: Array<[string, string]>, current: string | number | undefined): SafeHtml {
  return html`${list.map(([v, l]) => html`<option value="${v}" ${String(current ?? '') === v ? html`selected` : ''}>${l}</option>`)}`;
}
const LIKELIHOOD: Array<[string, string]> = [['1', '1 Rare'], ['2', '2 Unlikely'], ['3', '3 Possible'], ['4', '4 Likely'], ['5', '5 Almost certain']];
const IMPACT: Array<[string, string]> = [['1', '1 Insignificant'], ['2', '2 Minor'], ['3', '3 Moderate'], ['4', '4 Major'], ['5', '5 Severe']];

export function triagePage(me: Principal, v: ItemView, error?: string): string {
  const r = v.risk!;
  const it = v.item;
  const csrf = me.csrf ?? '';
  const body = html`<p class="small"><a href="${path`/items/${it.id}`}">← ${it.name}</a></p>
<h1>Triage ${r.id}: ${it.name} ${badge(r.status)}</h1>
${error ? html`<div class="flash err" role="alert">${error}</div>` : ''}
<form method="post" action="${path`/items/${it.id}/triage`}" class="card" id="triage-form">
<input type="hidden" name="_csrf" value="${csrf}">
<fieldset><legend>The three triage questions (tier)</legend>
<div class="field"><span>1. What is the consequence if this AI fails or leaks data?</span><div>${radio('consequence', 'low', r.triage.consequence, 'Low')}${radio('consequence', 'medium', r.triage.consequence, 'Medium')}${radio('consequence', 'high', r.triage.consequence, 'High')}</div></div>
<div class="field"><span>2. Who is affected?</span><div>${radio('affected', 'internal', r.triage.affected, 'Internal staff only')}${radio('affected', 'external', r.triage.affected, 'Customers or partners')}${radio('affected', 'public', r.triage.affected, 'The public or vulnerable people')}</div></div>
<div class="field"><span>3. Does it make or inform significant decisions about people?</span><div>${radio('significantDecisions', 'no', r.triage.significantDecisions ? 'yes' : 'no', 'No')}${radio('significantDecisions', 'yes', r.triage.significantDecisions ? 'yes' : 'no', 'Yes')}</div></div>
<p class="small muted">Current: tier ${r.tier} — ${r.tierReason}</p>
</fieldset>
<fieldset><legend>Risk</legend><div class="grid">
<div class="field"><span>Owner</span><input name="owner" value="${r.owner ?? ''}" placeholder="name or e-mail"></div>
<div class="field"><span>Review date</span><input name="reviewDate" type="date" value="${r.reviewDate ?? ''}"></div>
<div class="field"><span>Likelihood</span><select name="likelihood">${options(LIKELIHOOD, r.likelihood)}</select><small>${r.likelihoodReason}</small><input name="likelihoodReason" placeholder="reason (required when you change it)"></div>
<div class="field"><span>Impact</span><select name="impact">${options(IMPACT, r.impact)}</select><small>${r.impactReason}</small><input name="impactReason" placeholder="reason (required when you change it)"></div>
<div class="field"><span>Treatment</span><select name="treatment">${options(TREATMENTS.map((t) => [t, t] as [string, string]), r.treatment)}</select><small>${r.treatmentReason}</small><input name="treatmentReason" placeholder="reason (required when you change it)"></div>
</div></fieldset>
<fieldset><legend>AI system impact assessment (ISO/IEC 42001 6.1.4, A.5)</legend>
<div class="field"><label><input type="checkbox" name="materialDecisions" value="on"> Decisions that materially affect people</label>
<label><input type="checkbox" name="rightsConcerns" value="on"> Fundamental-rights concerns</label>
<label>Used in <select name="domain"><option value="">no sensitive domain</option>${options(SENSITIVE_DOMAINS.map((d) => [d, d] as [string, string]), '')}</select></label></div>
<div class="field"><label><input type="checkbox" name="requestImpactAssessment" value="on" ${r.impactAssessment === 'requested' ? html`checked` : ''}> Request an AI system impact assessment</label><small>When a trigger applies and none is requested, the entry is flagged "required".</small></div>
</fieldset>
<div class="field"><span>Rationale</span><textarea name="rationale" placeholder="why (recorded in the audit log)"></textarea></div>
<button type="submit">Save triage</button>
</form>
<div class="grid">
<form method="post" action="${path`/items/${it.id}/suppress`}" class="card" id="suppress-form"><input type="hidden" name="_csrf" value="${csrf}">
<h2>Suppress</h2><p class="small muted">Accepted for now: the item stays visible as suppressed until the expiry.</p>
<div class="field"><span>Reason</span><input name="reason" required></div><div class="field"><span>Until</span><input name="until" type="date" required></div>
<button type="submit" class="secondary">Suppress</button></form>
<form method="post" action="${path`/items/${it.id}/false-positive`}" class="card" id="fp-form"><input type="hidden" name="_csrf" value="${csrf}">
<h2>False positive</h2><p class="small muted">The detection is wrong (e.g. a test fixture, a look-alike domain).</p>
<div class="field"><span>Reason</span><input name="reason" required></div><div class="field"><span>Until (optional)</span><input name="until" type="date"></div>
<button type="submit" class="secondary">Mark false positive</button></form>
</div>`;
  return layout(`Triage ${r.id}`, body, { me, active: '/register' });
}

/** Residual risk against the tier's appetite, for the approve form (from the governance view). */
export interface ApproveAcceptance {
  residualScore: number;
  appetite: number;
  role: string;
  /** Above the appetite with no acceptance of this residual on record. */
  needed: boolean;
}

export function intakePage(me: Principal, v: ItemView, defaults: { expires: string; acceptance?: ApproveAcceptance }, error?: string): string {
  const r = v.risk!;
  const it = v.item;
  const csrf = me.csrf ?? '';
  const by = (kinds: string[]) => [...new Set(it.subjects.filter((s) => kinds.includes(s.kind)).map((s) => s.name ?? s.id))].join(', ');
  const acc = defaults.acceptance;
  const body = html`<p class="small"><a href="${path`/items/${it.id}`}">← ${it.name}</a></p>
<h1>Intake decision ${r.id}: ${it.name} ${badge(r.status)}</h1>
${error ? html`<div class="flash err" role="alert">${error}</div>` : ''}
<p class="muted">Tier ${r.tier} · score ${r.inherentScore} (${r.band}) · proposed treatment ${r.treatment} · owner ${r.owner ?? 'unassigned'}</p>
<div class="grid">
<form method="post" action="${path`/items/${it.id}/approve`}" class="card" id="approve-form"><input type="hidden" name="_csrf" value="${csrf}">
<h2>Approve</h2><p class="small muted">The catalog gains an approved entry; the item becomes sanctioned where the scope covers it. Leave a scope list empty for no restriction on it.</p>
<fieldset><legend>Scope</legend>
<div class="field"><span>Repositories</span><input name="scope.repos" value="${by(['repo'])}"></div>
<div class="field"><span>Users</span><input name="scope.users" value="${by(['user', 'principal'])}"></div>
<div class="field"><span>Accounts</span><input name="scope.accounts" value="${by(['account', 'subscription', 'project', 'tenant', 'org'])}"></div>
<div class="field"><span>Hosts</span><input name="scope.hosts" value="${by(['ip', 'host'])}"></div>
<div class="field"><span>Departments</span><input name="scope.departments" value="${by(['department'])}"></div>
<div class="field"><span>Resources</span><input name="scope.resources" value="${it.artifact?.key ?? ''}"></div>
</fieldset>
<fieldset><legend>Conditions</legend>
<div class="field"><span>Maximum data classification</span><select name="maxDataClassification"><option value="">(none)</option>${options([['public', 'public'], ['internal', 'internal'], ['confidential', 'confidential'], ['restricted', 'restricted']], 'internal')}</select></div>
<div class="field"><span>Conditions</span><textarea name="conditions" placeholder="e.g. SSO only, no customer data in prompts"></textarea></div>
<div class="field"><span>Human oversight</span><select name="humanOversight"><option value="">(not stated)</option>${options([['human-in-the-loop', 'human-in-the-loop'], ['human-on-the-loop', 'human-on-the-loop'], ['human-in-command', 'human-in-command'], ['none', 'none']], '')}</select></div>
</fieldset>
<div class="field"><span>Review / expiry date (at most the tier's review date)</span><input name="expires" type="date" value="${defaults.expires}" required></div>
<div class="field"><span>Business owner</span><input name="ownerBusiness" value="${r.owner ?? ''}" required></div>
<div class="field"><span>Technical owner</span><input name="ownerTechnical"></div>
<div class="field"><span>Rationale</span><textarea name="rationale" required></textarea></div>
<fieldset id="approve-acceptance"><legend>Residual risk above the appetite (only when the tier's appetite is exceeded)</legend>
${acc ? html`<p class="small${acc.needed ? '' : ' muted'}">${acc.needed ? html`<strong>Residual risk ${acc.residualScore} is above the tier ${r.tier} appetite ${acc.appetite}: the ${acc.role} role must accept it with this approval.</strong>` : acc.residualScore > acc.appetite ? `Residual risk ${acc.residualScore} above the appetite ${acc.appetite} is already accepted.` : `Residual risk ${acc.residualScore} is within the tier ${r.tier} appetite ${acc.appetite}: no acceptance needed.`}</p>` : ''}
<div class="field"><span>Accepted as role</span><input name="acceptRole" placeholder="${acc?.role ?? 'the role the governance settings name, e.g. governance-lead'}"></div>
<div class="field"><span>Acceptance rationale</span><textarea name="acceptRationale" placeholder="why the residual risk is accepted"></textarea></div>
</fieldset>
<button type="submit">Approve</button></form>
<form method="post" action="${path`/items/${it.id}/decline`}" class="card" id="decline-form"><input type="hidden" name="_csrf" value="${csrf}">
<h2>Decline</h2><p class="small muted">The service is recorded as declined; its domains go on the block lists; a later sighting is raised as declined-but-in-use.</p>
<div class="field"><span>Treatment</span><select name="treatment">${options(TREATMENTS.map((t) => [t, t] as [string, string]), 'avoid')}</select></div>
<div class="field"><label><input type="checkbox" name="block" value="on" checked> Put the service's domains on the block lists</label></div>
<div class="field"><span>Rationale</span><textarea name="rationale" required></textarea></div>
<button type="submit" class="danger">Decline</button></form>
</div>`;
  return layout(`Intake ${r.id}`, body, { me, active: '/register' });
}

// ------------------------------------------------------------------ catalog

export function catalogPage(me: Principal, cat: Catalog, decisions: DecisionRow[], now: Date, baseFile?: string): string {
  const source = (service: string, id: string | undefined, kind: 'approved' | 'declined') => {
    const d = decisions.filter((x) => x.active && x.decision === kind && x.service === service && (kind === 'declined' || ((x.entry as ApprovedEntry).id ?? service) === (id ?? service)));
    return d.length ? html`register ${d[d.length - 1].id}` : html`<span class="muted">file</span>`;
  };
  const expired = (a: ApprovedEntry) => !!a.expires && a.expires < now.toISOString().slice(0, 10);
  const scope = (a: ApprovedEntry) => {
    const s = Object.entries(a.scope ?? {}).filter(([, v]) => Array.isArray(v) && v.length);
    return s.length ? html`${s.map(([k, v]) => html`<div><span class="muted">${k}:</span> ${(v as string[]).join(', ')}</div>`)}` : html`<span class="muted">unrestricted</span>`;
  };
  const body = html`<h1>Sanctioned AI catalog</h1>
<p class="muted">${cat.organisation ?? ''} ${baseFile ? html`· base file <code>${baseFile}</code>` : ''} · merged with the intake decisions in the register.
<a class="button secondary" href="/catalog/export.yaml">Export YAML</a></p>
<h2>Approved (${cat.approved.length})</h2>
<table id="approved"><thead><tr><th>Entry</th><th>Model / lineage</th><th>Owner</th><th>Scope</th><th>Conditions</th><th>Approved</th><th>Review / expiry</th><th>Tier</th><th>Lifecycle</th><th>Oversight</th><th>Annex A controls</th><th>Source</th></tr></thead><tbody>
${cat.approved.map(
    (a) => html`<tr data-service="${a.service}"><td><strong>${a.id ?? a.service}</strong><div class="small muted">${a.service}</div></td>
<td>${a.lineage ? [a.lineage.provider, a.lineage.model, a.lineage.version].filter(Boolean).join(' / ') : '–'}</td>
<td>${a.owner.business}${a.owner.technical ? html`<div class="small muted">${a.owner.technical}</div>` : ''}</td>
<td class="small">${scope(a)}</td>
<td class="small">${a.conditions?.maxDataClassification ? html`<div>max data: ${a.conditions.maxDataClassification}</div>` : ''}${a.conditions?.notes ?? ''}</td>
<td class="small">${a.approvedBy}<br>${a.approvedOn}</td><td>${a.expires ?? '–'} ${expired(a) ? badge('approval-expired') : ''}</td>
<td>${tier(a.riskTier)}</td><td>${badge(a.lifecycle)}</td><td class="small">${a.humanOversight ?? '–'}</td>
<td class="small">${(a.compliance?.controls ?? []).map((c) => html`<div title="${ANNEX_A[c] ?? ''}">${c} ${ANNEX_A[c] ?? ''}</div>`)}${a.compliance ? html`<div class="muted">${a.compliance.status}</div>` : ''}</td>
<td class="small">${source(a.service, a.id, 'approved')}</td></tr>`,
  )}</tbody></table>
<h2>Declined (${cat.declined.length})</h2>
<table id="declined"><thead><tr><th>Service</th><th>Treatment</th><th>Rationale</th><th>Declined</th><th>Blocked</th><th>Source</th></tr></thead><tbody>
${cat.declined.map((d: DeclinedEntry) => html`<tr data-service="${d.service}"><td><strong>${d.service}</strong></td><td>${d.treatment}</td><td>${d.rationale}</td><td class="small">${d.declinedBy}<br>${d.declinedOn}</td><td>${d.block ? 'yes' : 'no'}</td><td class="small">${source(d.service, undefined, 'declined')}</td></tr>`)}
</tbody></table>`;
  return layout('Catalog', body, { me, active: '/catalog' });
}

// ------------------------------------------------------------------ scans

export function scansPage(me: Principal, runs: Array<{ id: string; startedAt: string; finishedAt?: string; status: string; scanners: unknown; coverage: Coverage[]; errors: Record<string, string>; summary?: { findings: { total: number; new: number; gone: number }; items: { total: number; new: number; gone: number } } }>): string {
  const body = html`<h1>Scan runs</h1>
${runs.length === 0 ? html`<p class="card muted">No scans yet: run <code>shadowscan scan</code>.</p>` : ''}
${runs.map(
    (r) => html`<div class="card run"><h2>${r.id} ${badge(r.status === 'complete' ? 'sanctioned' : r.status === 'partial' ? 'out-of-scope' : 'declined')} <span class="small muted">${r.status}</span></h2>
<p class="small muted">started ${when(r.startedAt)} · finished ${when(r.finishedAt)}${r.summary ? html` · findings ${r.summary.findings.total} (${r.summary.findings.new} new, ${r.summary.findings.gone} gone) · items ${r.summary.items.total} (${r.summary.items.new} new, ${r.summary.items.gone} gone)` : ''}</p>
<table><thead><tr><th>Scanner</th><th class="num">Units scanned</th><th>Skipped</th><th>Failed</th><th>Problems</th></tr></thead><tbody>
${r.coverage.map(
        (c) => html`<tr><td>${c.scanner}</td><td class="num">${c.scanned}</td>
<td class="small">${c.skipped.length}${c.skipped.slice(0, 5).map((u) => html`<div>${u.unit}: ${u.reason}</div>`)}</td>
<td class="small">${c.failed.length}${c.failed.slice(0, 5).map((u) => html`<div>${u.unit}: ${u.reason}</div>`)}</td>
<td class="small">${c.problemCount}${c.problems.slice(0, 5).map((p) => html`<div>${p.locator}: ${p.message}</div>`)}</td></tr>`,
      )}
${Object.entries(r.errors).map(([s, e]) => html`<tr><td>${s}</td><td colspan="4" class="small">${badge('declined')} scanner failed: ${e}</td></tr>`)}
</tbody></table></div>`,
  )}`;
  return layout('Scans', body, { me, active: '/scans' });
}

// ------------------------------------------------------------------ block lists

export function blocklistsPage(me: Principal, lists: Record<string, string>): string {
  const body = html`<h1>Block lists</h1>
<p class="muted">Generated from the domain rules of declined services. Also: <code>shadowscan blocklist --format squid|rpz|pac|hosts</code>.</p>
${BLOCKLIST_FORMATS.map(
    (f) => html`<div class="card" id="bl-${f}"><h2>${{ squid: 'Squid ACL (dstdomain file)', rpz: 'DNS RPZ zone', pac: 'PAC file', hosts: 'Plain host list' }[f]} <a class="button secondary" href="/blocklists/${f}">Download</a></h2><pre>${lists[f]}</pre></div>`,
  )}`;
  return layout('Block lists', body, { me, active: '/blocklists' });
}

// ------------------------------------------------------------------ audit

export function auditPage(me: Principal, v: VerifyResult, recent: AuditRecord[]): string {
  const body = html`<h1>Audit log</h1>
<div class="card">${v.ok ? html`<p>${badge('sanctioned')} Hash chain intact: ${v.records} records, head <code>${v.head.slice(0, 16)}…</code>; decision tables match the log</p>${v.notes.map((n) => html`<p class="small muted">${n}</p>`)}` : html`<p>${badge('declined')} TAMPERED: ${v.problems.length} problem(s) in ${v.records} records</p><ul>${v.problems.slice(0, 50).map((p) => html`<li>${p.problem}</li>`)}</ul>`}</div>
<h2>Latest records</h2>${historyTable(recent)}`;
  return layout('Audit', body, { me, active: '/audit' });
}
