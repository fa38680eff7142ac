/**
 * The auditor's evidence pack: `shadowscan export --format evidence-pack --output DIR [--zip]`
 * writes one folder an auditor reads offline (and optionally the same files as one .zip):
 *
 *   index.html                     the entry page (no scripts), linking every file below
 *   soa.html, soa.csv              Statement of Applicability: all 38 Annex A controls, status, evidence
 *   register.html, register.csv    risk entries with lifecycle stages, STRIDE threats, inherent and
 *                                  residual risk, treatment controls, acceptance, pause, review, impact assessment
 *   decision-log.jsonl             every decision-log record, hash chain included
 *   decision-log-verification.json the chain verified from the exported file and in the register
 *   catalog.yaml                   the catalog of record (catalog file + the register's decisions)
 *   coverage.html, coverage.csv    the scans of the period and what each scanner covered or missed
 *   manifest.json                  SHA-256 of every file
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogToYaml, type Catalog } from '../catalog/catalog.js';
import { governanceView, type GovernanceView } from '../governance/governance.js';
import { formatThreatLines } from '../governance/mapping.js';
import { effectiveCatalog } from '../intake/catalog.js';
import { verifyRecords, type VerifyResult } from '../register/audit.js';
import { loadKeyring } from '../register/ledger-keys.js';
import type { Register, RunRow } from '../register/register.js';
import { toCsv } from '../report/csv.js';
import type { RuleIndex } from '../rules/compile.js';
import { html, raw, type SafeHtml } from '../web/html.js';
import { loadExportData, type ExportData } from './data.js';
import { soaRows, type SoaRow } from './soa.js';
import { zipFiles } from './evidence-pack-zip.js';

export const EVIDENCE_PACK_FILES = [
  'index.html', 'soa.html', 'soa.csv', 'register.html', 'register.csv', 'decision-log.jsonl', 'decision-log-verification.json', 'catalog.yaml', 'coverage.html', 'coverage.csv', 'manifest.json',
] as const;

export interface EvidencePackOptions {
  now?: Date;
  /** The period the scan coverage covers (ISO dates or times); default: every run up to now. */
  from?: string;
  to?: string;
  catalog?: Catalog;
  rules?: RuleIndex;
  /** Also write `<dir>.zip` holding the same files. */
  zip?: boolean;
}

export interface EvidencePackResult {
  dir: string;
  zip?: string;
  files: Array<{ name: string; bytes: number; sha256: string }>;
  controls: number;
  verification: { exported: VerifyResult; register: VerifyResult };
  runs: number;
}

interface GovRow {
  view: GovernanceView;
  itemName: string;
  itemStatus: string;
}

export async function writeEvidencePack(reg: Register, dir: string, opts: EvidencePackOptions = {}): Promise<EvidencePackResult> {
  const now = opts.now ?? new Date();
  const to = opts.to ? endOfDay(opts.to) : now.toISOString();
  const from = opts.from ?? '';
  if (from && to < from) throw new Error(`evidence pack: the period starts (${from}) after it ends (${to})`);
  const catalog = await effectiveCatalog(opts.catalog, reg);
  const data = await loadExportData(reg, { now, catalog, rules: opts.rules });
  const gov: GovRow[] = [];
  const items = new Map(data.items.map((i) => [i.id, i]));
  for (const r of data.risks) {
    const it = items.get(r.itemId);
    gov.push({ view: await governanceView(reg, r.id, now), itemName: it?.name ?? r.itemId, itemStatus: it?.status ?? 'gone' });
  }
  const log = await reg.auditLog({ order: 'asc', limit: Number.MAX_SAFE_INTEGER });
  const logText = log.map((r) => JSON.stringify(r)).join('\n') + (log.length ? '\n' : '');
  const exported = verifyRecords(logText.split('\n').filter(Boolean).map((l) => JSON.parse(l)), loadKeyring());
  const verification = { exported, register: await reg.verifyAudit() };
  const runs = (await reg.listRuns(1_000_000)).filter((r) => r.startedAt <= to && (!from || (r.finishedAt ?? r.startedAt) >= from)).reverse();
  const soa = soaWithGovernance(data, gov);
  const period = `${from ? from.slice(0, 10) : 'first scan'} – ${to.slice(0, 10)}`;

  const files = new Map<string, string>();
  files.set('soa.csv', toCsv(['control', 'title', 'applicable', 'evidence_status', 'items', 'risk_entries', 'catalog_decisions', 'intake_decisions', 'controls_applied_in_treatment', 'process_evidence'], soa.map((r) => [r.control, r.title, r.applicable, r.evidenceStatus, r.items, r.riskEntries, r.catalogDecisions, r.intakeDecisions, r.treatments, r.process])));
  files.set('soa.html', page('Statement of Applicability', soaHtml(soa, data)));
  files.set('register.csv', registerCsv(gov));
  files.set('register.html', page('Risk register', registerHtml(gov)));
  files.set('decision-log.jsonl', logText);
  files.set('decision-log-verification.json', JSON.stringify({ generatedAt: now.toISOString(), method: 'HMAC-SHA-256 chain keyed with the audit key (outside the register; its fingerprint is each record\'s key_id): each record MACs its canonical content and the previous record\'s MAC (src/register/audit.ts). Verifying needs that key file, or a signed checkpoint (shadowscan audit checkpoint) for the head.', ...verification }, null, 2) + '\n');
  files.set('catalog.yaml', `# Catalog of record: the catalog file merged with the intake decisions in the register, ${now.toISOString()}\n` + catalogToYaml(catalog));
  files.set('coverage.csv', coverageCsv(runs));
  files.set('coverage.html', page(`Scan coverage ${period}`, coverageHtml(runs, period)));
  files.set('index.html', page('Evidence pack', indexHtml(data, { period, soa, gov, verification, runs: runs.length, now })));
  const manifest = [...files].map(([name, text]) => ({ name, bytes: Buffer.byteLength(text), sha256: sha256(text) }));
  files.set('manifest.json', JSON.stringify({ generatedAt: now.toISOString(), tool: data.tool, period: { from: from || null, to }, files: manifest }, null, 2) + '\n');

  mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  const out: EvidencePackResult = {
    dir,
    files: [...files].map(([name, text]) => ({ name, bytes: Buffer.byteLength(text), sha256: sha256(text) })),
    controls: soa.length,
    verification,
    runs: runs.length,
  };
  if (opts.zip) {
    out.zip = dir.replace(/[\\/]+$/, '') + '.zip';
    writeFileSync(out.zip, zipFiles([...files].map(([name, text]) => ({ name, data: Buffer.from(text), mtime: now }))));
  }
  return out;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const endOfDay = (s: string) => (/^\d{4}-\d{2}-\d{2}$/.test(s) ? s + 'T23:59:59.999Z' : new Date(s).toISOString());

type SoaPackRow = SoaRow & { treatments: string[] };

/** The SoA rows, with the controls risk treatments applied and the impact assessments as evidence. */
function soaWithGovernance(data: ExportData, gov: GovRow[]): SoaPackRow[] {
  return soaRows(data).map((r) => {
    const treatments = gov.filter((g) => g.view.record.treatment?.controls.includes(r.control)).map((g) => `${g.view.risk.id} (${g.itemName}): residual ${g.view.residualScore}`);
    if (['A.5.2', 'A.5.3', 'A.5.4'].includes(r.control)) for (const g of gov) if (g.view.record.impactAssessment) treatments.push(`${g.view.risk.id} (${g.itemName}): impact assessment ${g.view.record.impactAssessment.decision} on ${g.view.record.impactAssessment.at.slice(0, 10)}`);
    const evidenced = r.evidenceStatus === 'evidenced' || treatments.length > 0;
    return { ...r, treatments, applicable: evidenced || r.process ? 'yes' : r.applicable, evidenceStatus: evidenced ? 'evidenced' : r.evidenceStatus };
  });
}

export const REGISTER_PACK_COLUMNS = [
  'risk_id', 'item', 'item_status', 'risk_status', 'tier', 'lifecycle_stages', 'threats', 'threats_source', 'inherent_likelihood', 'inherent_impact', 'inherent_score',
  'treatment', 'controls_applied', 'residual_likelihood', 'residual_impact', 'residual_score', 'residual_reason', 'appetite', 'acceptance', 'pause', 'escalation', 'review_due',
  'impact_assessment', 'owner',
];

function registerCsv(gov: GovRow[]): string {
  return toCsv(
    REGISTER_PACK_COLUMNS,
    gov.map(({ view: v, itemName, itemStatus }) => {
      const g = v.record;
      return [
        v.risk.id, itemName, itemStatus, v.risk.status, v.risk.tier, [...new Set(g.threats.map((t) => t.stage))], formatThreatLines(g.threats), g.threatsSource,
        v.risk.likelihood, v.risk.impact, v.inherentScore, v.risk.treatment, g.treatment?.controls ?? [], g.treatment?.residualLikelihood ?? '', g.treatment?.residualImpact ?? '',
        v.residualScore, g.treatment?.reason ?? 'no treatment recorded: residual = inherent', v.appetite,
        g.acceptance ? `${g.acceptance.by} as ${g.acceptance.role} on ${g.acceptance.at.slice(0, 10)}: ${g.acceptance.rationale}` : v.residualScore > v.appetite ? 'NOT ACCEPTED (above appetite)' : 'within appetite',
        g.pause ? `until ${g.pause.until}${g.pause.ended ? ` (ended ${g.pause.ended.at.slice(0, 10)}: ${g.pause.ended.reason})` : ''}: ${g.pause.reason}` : '',
        g.escalation ? `level ${g.escalation.level} ${g.escalation.role} (${g.escalation.overdue} overdue since ${g.escalation.deadline.slice(0, 10)})` : '',
        g.review ? `${g.review.due}${g.review.lapsed ? ' (lapsed)' : ''}` : '',
        g.impactAssessment ? `${g.impactAssessment.decision} by ${g.impactAssessment.by} on ${g.impactAssessment.at.slice(0, 10)}` : v.risk.impactAssessment,
        v.risk.owner ?? '',
      ];
    }),
  );
}

function coverageCsv(runs: RunRow[]): string {
  const rows: unknown[][] = [];
  for (const r of runs) {
    if (!r.coverage.length) rows.push([r.id, r.startedAt, r.finishedAt ?? '', r.status, '', '', '', '', '', Object.entries(r.errors).map(([k, v]) => `${k}: ${v}`)]);
    for (const c of r.coverage) rows.push([r.id, r.startedAt, r.finishedAt ?? '', r.status, c.scanner, c.scanned, c.skipped.map((s) => `${s.unit}: ${s.reason}`), c.failed.map((s) => `${s.unit}: ${s.reason}`), c.problemCount, r.errors[c.scanner] ?? '']);
  }
  return toCsv(['run_id', 'started_at', 'finished_at', 'run_status', 'scanner', 'units_scanned', 'skipped', 'failed', 'problems', 'error'], rows);
}

// ------------------------------------------------------------------ HTML (no scripts, escaped)

const STYLE = raw(`<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem .45rem;text-align:left;vertical-align:top}th{background:#f3f3f3}.ok{color:#075}.bad{color:#a00;font-weight:600}.muted{color:#666}ul{margin:.2rem 0;padding-left:1.1rem}</style>`);

function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>${STYLE}</head>
<body><p><a href="index.html">Evidence pack</a></p><h1>${title}</h1>
${body}
</body></html>
`.value;
}

const ul = (xs: string[]) => (xs.length ? html`<ul>${xs.map((x) => html`<li>${x}</li>`)}</ul>` : html`<span class="muted">–</span>`);

function soaHtml(rows: SoaPackRow[], data: ExportData): SafeHtml {
  return html`<p>${rows.filter((r) => r.evidenceStatus === 'evidenced').length} of ${rows.length} ISO/IEC 42001 Annex A controls have register evidence. Applicability and justification are the organisation's decision${data.organisation ? html` (${data.organisation})` : ''}; this table lists what the register holds.</p>
<table id="soa"><thead><tr><th>Control</th><th>Title</th><th>Applicable</th><th>Evidence</th><th>Items</th><th>Risk entries</th><th>Catalog decisions</th><th>Intake decisions</th><th>Treatments</th><th>Process</th></tr></thead>
<tbody>${rows.map((r) => html`<tr data-control="${r.control}"><td>${r.control}</td><td>${r.title}</td><td>${r.applicable}</td><td>${r.evidenceStatus}</td><td>${ul(r.items)}</td><td>${ul(r.riskEntries)}</td><td>${ul(r.catalogDecisions)}</td><td>${ul(r.intakeDecisions.slice(0, 20))}</td><td>${ul(r.treatments)}</td><td>${r.process || '–'}</td></tr>`)}</tbody></table>`;
}

function registerHtml(gov: GovRow[]): SafeHtml {
  return html`<table id="register"><thead><tr><th>Entry</th><th>Item</th><th>Status</th><th>Tier</th><th>Lifecycle stage / STRIDE threat</th><th>Inherent</th><th>Treatment and residual</th><th>Acceptance</th><th>Impact assessment</th><th>Review</th></tr></thead>
<tbody>${gov.map(({ view: v, itemName, itemStatus }) => {
    const g = v.record;
    return html`<tr><td>${v.risk.id}</td><td>${itemName}<div class="muted">${itemStatus}</div></td><td>${v.risk.status}</td><td>${v.risk.tier}</td>
<td>${ul(g.threats.map((t) => `${t.stage} / ${t.threat}: ${t.reason}`))}<div class="muted">${g.threatsSource === 'override' ? `override by ${g.threatsOverride?.by}: ${g.threatsOverride?.rationale}` : 'derived from the evidence'}</div></td>
<td>${v.risk.likelihood}×${v.risk.impact} = ${v.inherentScore}</td>
<td>${g.treatment ? html`${g.treatment.controls.join(', ')}${g.treatment.notes ? html`<div>${g.treatment.notes}</div>` : ''}<div>residual ${g.treatment.residualLikelihood}×${g.treatment.residualImpact} = ${g.treatment.residualScore}: ${g.treatment.reason}</div>` : html`<span class="muted">none recorded (residual = inherent ${v.residualScore})</span>`}</td>
<td>${g.acceptance ? `${g.acceptance.by} as ${g.acceptance.role}: ${g.acceptance.rationale}` : v.residualScore > v.appetite ? html`<span class="bad">above appetite ${v.appetite}, not accepted</span>` : `within appetite ${v.appetite}`}</td>
<td>${g.impactAssessment ? `${g.impactAssessment.decision}: ${g.impactAssessment.decisionRationale}` : v.risk.impactAssessment}</td>
<td>${g.review ? `${g.review.due}${g.review.lapsed ? ' (lapsed)' : ''}` : '–'}</td></tr>`;
  })}</tbody></table>`;
}

function coverageHtml(runs: RunRow[], period: string): SafeHtml {
  return html`<p>${runs.length} scan run${runs.length === 1 ? '' : 's'} in ${period}. Skipped and failed units are gaps in coverage.</p>
<table id="coverage"><thead><tr><th>Run</th><th>Started</th><th>Status</th><th>Scanner</th><th>Scanned</th><th>Skipped</th><th>Failed</th><th>Problems</th></tr></thead>
<tbody>${runs.map((r) => r.coverage.map((c) => html`<tr><td>${r.id}</td><td>${r.startedAt}</td><td>${r.status}</td><td>${c.scanner}</td><td>${c.scanned}</td><td>${ul(c.skipped.map((s) => `${s.unit}: ${s.reason}`))}</td><td>${ul(c.failed.map((s) => `${s.unit}: ${s.reason}`))}</td><td>${c.problemCount}</td></tr>`))}</tbody></table>`;
}

function indexHtml(data: ExportData, s: { period: string; soa: SoaPackRow[]; gov: GovRow[]; verification: EvidencePackResult['verification']; runs: number; now: Date }): SafeHtml {
  const ok = s.verification.exported.ok && s.verification.register.ok;
  const link = (href: string, label: string, note: string) => html`<li><a href="${href}">${label}</a> — ${note}</li>`;
  return html`<p>Generated ${s.now.toISOString()} by shadowscan ${data.tool.version}${data.organisation ? html` for ${data.organisation}` : ''}. Period: ${s.period}.</p>
<p>Decision log: <span class="${ok ? 'ok' : 'bad'}">${ok ? 'verified' : 'VERIFICATION FAILED'}</span> — ${s.verification.exported.records} records, head ${s.verification.exported.head}.</p>
<ul>
${link('soa.html', 'Statement of Applicability', `${s.soa.length} Annex A controls, ${s.soa.filter((r) => r.evidenceStatus === 'evidenced').length} with register evidence`)}
${link('soa.csv', 'Statement of Applicability (CSV)', 'the same table for spreadsheets')}
${link('register.html', 'Risk register', `${s.gov.length} entries with lifecycle stages, STRIDE threats, inherent and residual risk`)}
${link('register.csv', 'Risk register (CSV)', 'the same register for spreadsheets')}
${link('decision-log.jsonl', 'Decision log', 'every decision-log record with its hash chain, one JSON object per line')}
${link('decision-log-verification.json', 'Decision log verification', 'the chain verified from the exported file and in the register')}
${link('catalog.yaml', 'Catalog of record', `${data.catalog?.approved.length ?? 0} approved, ${data.catalog?.declined.length ?? 0} declined`)}
${link('coverage.html', 'Scan coverage', `${s.runs} scan runs in the period`)}
${link('coverage.csv', 'Scan coverage (CSV)', 'per run and scanner: scanned, skipped, failed units')}
${link('manifest.json', 'Manifest', 'SHA-256 of every file in this pack')}
</ul>`;
}
