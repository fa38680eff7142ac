/** Reporters, chosen by id. Each renders the same ScanReport. */
import type { ScanReport } from '../pipeline.js';
import { toMarkdown } from './markdown.js';
import { toSarif } from './sarif.js';
import { toTable } from './table.js';
import { registerCsv } from './csv.js';
import type { RiskEntry } from '../register/register.js';

export const FORMATS = ['table', 'json', 'csv', 'sarif', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export function render(format: Format, report: ScanReport, extra: { risks?: RiskEntry[] } = {}): string {
  switch (format) {
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'sarif':
      return JSON.stringify(toSarif(report), null, 2) + '\n';
    case 'markdown':
      return toMarkdown(report);
    case 'csv': {
      const ids = new Set(report.items.map((i) => i.riskEntry).filter(Boolean));
      const risks = (extra.risks ?? []).filter((r) => ids.has(r.id));
      return registerCsv(risks, new Map(report.items.map((i) => [i.id, i])), { candidates: true });
    }
    default:
      return toTable(report);
  }
}
