/**
 * A Statement-of-Applicability-style evidence table: one row per ISO/IEC 42001 Annex A control
 * (all 38), saying which inventory items and risk entries reference it, which catalog decisions
 * (approvals naming it under compliance.controls, declines) and intake decisions evidence it,
 * and which register processes shadowscan itself runs for it. Applicability and justification
 * remain the organisation's call: the table proposes "applicable" where there is evidence and
 * leaves the rest "to be determined".
 */
import { ANNEX_A } from '../risk/standards.js';
import { toCsv } from '../report/csv.js';
import type { ExportData } from './data.js';

/** What the register itself evidences, independent of any one item. */
export const PROCESS_EVIDENCE: Record<string, string> = {
  'A.4.2': 'AI inventory (items with sources, subjects, first / last detection) kept by scheduled scans',
  'A.4.4': 'Inventory of AI tooling (SDKs, coding assistants, SaaS AI) with evidence chains',
  'A.5.2': 'Impact-assessment flag set per risk entry (required / not required, with reason)',
  'A.6.2.8': 'Hash-chained, append-only audit log of detections and intake decisions',
  'A.9.2': 'Intake workflow: every unsanctioned item gets a risk entry for approve / decline',
  'A.10.3': 'Third-party AI services reconciled against the sanctioned catalog (supplier view)',
};

export interface SoaRow {
  control: string;
  title: string;
  applicable: 'yes' | 'to be determined';
  evidenceStatus: 'evidenced' | 'process only' | 'no evidence';
  items: string[];
  riskEntries: string[];
  catalogDecisions: string[];
  intakeDecisions: string[];
  process: string;
}

export function soaRows(data: ExportData): SoaRow[] {
  const rows: SoaRow[] = [];
  const itemById = new Map(data.items.map((i) => [i.id, i]));
  for (const [control, title] of Object.entries(ANNEX_A)) {
    const risks = data.risks.filter((r) => r.references.some((x) => x.framework === 'ISO/IEC 42001 Annex A' && x.id === control) && itemById.has(r.itemId));
    const items = [...new Set(risks.map((r) => itemById.get(r.itemId)!.name))].sort();
    const cat: string[] = [];
    for (const a of data.catalog?.approved ?? []) if (a.compliance?.controls.includes(control)) cat.push(`approved ${a.id ?? a.service} (${a.compliance.status}${a.expires ? `, expires ${a.expires}` : ''})`);
    if (control === 'A.10.3' || control === 'A.9.2') for (const d of data.catalog?.declined ?? []) cat.push(`declined ${d.service} (${d.treatment}, ${d.declinedOn})`);
    const riskIds = new Set(risks.map((r) => r.id));
    const intake = data.decisions.filter((d) => riskIds.has(d.entityId)).map((d) => `${d.entityId} ${d.action.replace(/^risk\./, '')} by ${d.actor} on ${d.at.slice(0, 10)}`);
    const process = PROCESS_EVIDENCE[control] ?? '';
    const has = items.length || cat.length || intake.length;
    rows.push({
      control,
      title,
      applicable: has || process ? 'yes' : 'to be determined',
      evidenceStatus: has ? 'evidenced' : process ? 'process only' : 'no evidence',
      items,
      riskEntries: [...riskIds].sort(),
      catalogDecisions: cat,
      intakeDecisions: intake,
      process,
    });
  }
  return rows;
}

export const SOA_COLUMNS = ['control', 'title', 'applicable', 'evidence_status', 'items', 'risk_entries', 'catalog_decisions', 'intake_decisions', 'process_evidence'];

export function soaCsv(data: ExportData): string {
  return toCsv(SOA_COLUMNS, soaRows(data).map((r) => [r.control, r.title, r.applicable, r.evidenceStatus, r.items, r.riskEntries, r.catalogDecisions, r.intakeDecisions, r.process]));
}

const md = (s: string) => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
const list = (xs: string[], n = 6) => (xs.length ? xs.slice(0, n).map(md).join('<br>') + (xs.length > n ? `<br>… ${xs.length - n} more` : '') : '—');

export function soaMarkdown(data: ExportData): string {
  const rows = soaRows(data);
  const out = [
    '# Statement of Applicability — evidence (ISO/IEC 42001 Annex A)',
    '',
    `Generated ${data.generatedAt} by shadowscan ${data.tool.version}${data.organisation ? ` for ${md(data.organisation)}` : ''}. ${rows.filter((r) => r.evidenceStatus === 'evidenced').length} of ${rows.length} controls have item or decision evidence. Applicability and justification are the organisation's decision; this table lists the evidence the register holds.`,
    '',
    '| Control | Title | Applicable | Evidence | Items | Risk entries | Catalog decisions | Intake decisions | Process evidence |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.control} | ${md(r.title)} | ${r.applicable} | ${r.evidenceStatus} | ${list(r.items)} | ${list(r.riskEntries)} | ${list(r.catalogDecisions)} | ${list(r.intakeDecisions)} | ${r.process ? md(r.process) : '—'} |`),
  ];
  return out.join('\n') + '\n';
}
