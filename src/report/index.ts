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
      // each item's evidence roles, from this scan's findings (repo findings carry attrs.role)
      const roles = new Map<string, string[]>();
      for (const f of report.findings) if (f.itemId && typeof f.attrs?.role === 'string') roles.set(f.itemId, [...(roles.get(f.itemId) ?? []), f.attrs.role]);
      return registerCsv(risks, new Map(report.items.map((i) => [i.id, { ...i, roles: roles.get(i.id) }])), { candidates: true });
    }
    default:
      return toTable(report);
  }
}
