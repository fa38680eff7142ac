/** Exports chosen by id: `shadowscan export --format …` and `outputs[]` in shadowscan.yaml. */
import { registerCsv } from '../report/csv.js';
import { toCycloneDx } from './cyclonedx.js';
import type { ExportData } from './data.js';
import { toOcsf } from './ocsf.js';
import { sigmaRules, sigmaToYaml } from './sigma.js';
import { soaCsv, soaMarkdown } from './soa.js';

export const EXPORT_FORMATS = ['cyclonedx', 'ocsf', 'sigma', 'soa', 'soa-csv', 'register-csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function renderExport(format: ExportFormat, data: ExportData): string {
  switch (format) {
    case 'cyclonedx':
      return JSON.stringify(toCycloneDx(data), null, 2) + '\n';
    case 'ocsf':
      return toOcsf(data);
    case 'sigma':
      if (!data.rules) throw new Error('sigma export needs the rule index');
      return sigmaToYaml(sigmaRules(data.rules, { date: data.generatedAt.slice(0, 10), catalog: data.catalog }));
    case 'soa':
      return soaMarkdown(data);
    case 'soa-csv':
      return soaCsv(data);
    case 'register-csv':
      return registerCsv(data.risks, new Map(data.items.map((i) => [i.id, i])));
  }
}

export { loadExportData, type ExportData } from './data.js';
export { toCycloneDx, validateCycloneDx } from './cyclonedx.js';
export { toOcsf } from './ocsf.js';
export { validateOcsfLines } from './ocsf-validate.js';
export { sigmaRules, sigmaToYaml } from './sigma.js';
export { validateSigmaYaml } from './sigma-validate.js';
export { soaRows, soaCsv, soaMarkdown } from './soa.js';

// ---- the auditor's evidence pack (a folder, optionally zipped; not a single text document)
export const EVIDENCE_PACK = 'evidence-pack';
export { writeEvidencePack, EVIDENCE_PACK_FILES, REGISTER_PACK_COLUMNS, type EvidencePackOptions, type EvidencePackResult } from './evidence-pack.js';
export { validateEvidencePack, type PackValidation } from './evidence-pack-validate.js';
