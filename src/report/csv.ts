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
  'risk_id', 'title', 'risk_status', 'item_id', 'item_status', 'basis', 'service', 'vendor', 'category', 'tier', 'likelihood', 'likelihood_reason',
  'impact', 'impact_reason', 'inherent_score', 'band', 'treatment', 'treatment_reason', 'owner', 'review_date', 'impact_assessment',
  'subjects', 'first_seen', 'last_seen', 'evidence', 'iso42001_clauses', 'annex_a_controls', 'nist_ai_rmf', 'eu_ai_act', 'created_at', 'updated_at',
  'evidence_roles',
];

/** What the CSV needs of an item: its status and, when known, its evidence basis (else derived from the status). */
export type CsvItem = Pick<ReportItem, 'status'> & Partial<Pick<ReportItem, 'id' | 'basis' | 'name' | 'service' | 'vendor' | 'category' | 'statusReason' | 'subjects' | 'firstSeen' | 'lastSeen'>> & {
  /** The evidence roles of the item's findings in this scan (source, manifest, test, docs …), when the caller has them. */
  roles?: string[];
};

const rolesCell = (item: CsvItem | undefined) => [...new Set(item?.roles ?? [])].sort().join(' ');

/** The item's evidence basis (src/resolve/basis.ts): usage-grade evidence, or a candidate (mentions only). */
export function basisOf(item: CsvItem | undefined): 'usage' | 'candidate' | '' {
  if (!item) return '';
  return item.basis ?? (item.status === 'candidate' ? 'candidate' : 'usage');
}

/**
 * One row per risk entry, with its item's status and basis. With `candidates`, also one row per
 * candidate item (evidence only from tests, fixtures, docs, examples, UI text): it has no risk
 * entry, so the risk columns are empty and `evidence` says why it is a candidate.
 */
export function registerCsv(risks: RiskEntry[], items: Map<string, CsvItem>, opts: { candidates?: boolean } = {}): string {
  const rows: unknown[][] = risks.map((r) => {
    const refs = (fw: string) => r.references.filter((x) => x.framework === fw).map((x) => `${x.id} ${x.title}`);
    const item = items.get(r.itemId);
    return [
      r.id, r.title, r.status, r.itemId, item?.status ?? '', basisOf(item), r.service, r.vendor, r.category, r.tier, r.likelihood, r.likelihoodReason,
      r.impact, r.impactReason, r.inherentScore, r.band, r.treatment, r.treatmentReason, r.owner ?? '', r.reviewDate ?? '', r.impactAssessment,
      r.subjects, r.firstSeen ?? '', r.lastSeen ?? '', r.evidenceSummary, refs('ISO/IEC 42001'), refs('ISO/IEC 42001 Annex A'), refs('NIST AI RMF'), refs('EU AI Act'), r.createdAt, r.updatedAt,
      rolesCell(item),
    ];
  });
  if (opts.candidates) {
    const withRisk = new Set(risks.map((r) => r.itemId));
    for (const [id, i] of items) {
      if (withRisk.has(id) || basisOf(i) !== 'candidate') continue;
      const subjects = (i.subjects ?? []).map((s) => `${s.kind}:${s.id}`);
      rows.push(['', i.name ?? '', '', id, i.status, 'candidate', i.service ?? '', i.vendor ?? '', i.category ?? '', '', '', '', '', '', '', '', '', '', '', '', '', subjects, i.firstSeen ?? '', i.lastSeen ?? '', i.statusReason ?? '', '', '', '', '', '', '', rolesCell(i)]);
    }
  }
  return toCsv(REGISTER_COLUMNS, rows);
}
