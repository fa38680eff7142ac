/** The risk register as CSV (RFC 4180), for auditors and GRC imports. */
import type { RiskEntry } from '../register/register.js';
import type { ReportItem } from '../pipeline.js';

export function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  let s = Array.isArray(v) ? v.join('; ') : String(v);
  // Spreadsheet formula injection: values from logs and repos are attacker-controlled.
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export const REGISTER_COLUMNS = [
  'risk_id', 'title', 'risk_status', 'item_id', 'item_status', 'service', 'vendor', 'category', 'tier', 'likelihood', 'likelihood_reason',
  'impact', 'impact_reason', 'inherent_score', 'band', 'treatment', 'treatment_reason', 'owner', 'review_date', 'impact_assessment',
  'subjects', 'first_seen', 'last_seen', 'evidence', 'iso42001_clauses', 'annex_a_controls', 'nist_ai_rmf', 'eu_ai_act', 'created_at', 'updated_at',
];

export function registerCsv(risks: RiskEntry[], items: Map<string, Pick<ReportItem, 'status'>>): string {
  const rows = risks.map((r) => {
    const refs = (fw: string) => r.references.filter((x) => x.framework === fw).map((x) => `${x.id} ${x.title}`);
    return [
      r.id, r.title, r.status, r.itemId, items.get(r.itemId)?.status ?? '', r.service, r.vendor, r.category, r.tier, r.likelihood, r.likelihoodReason,
      r.impact, r.impactReason, r.inherentScore, r.band, r.treatment, r.treatmentReason, r.owner ?? '', r.reviewDate ?? '', r.impactAssessment,
      r.subjects, r.firstSeen ?? '', r.lastSeen ?? '', r.evidenceSummary, refs('ISO/IEC 42001'), refs('ISO/IEC 42001 Annex A'), refs('NIST AI RMF'), refs('EU AI Act'), r.createdAt, r.updatedAt,
    ];
  });
  return toCsv(REGISTER_COLUMNS, rows);
}
