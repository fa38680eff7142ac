/**
 * The sanctioned AI catalog (catalog-as-code): approved services / models with scope,
 * conditions and expiry, and declined services with their treatment. It carries the
 * asset-catalog elements an ISO/IEC 42001 auditor looks for.
 */
import { z } from 'zod';
import { stringify } from 'yaml';
import { unknownKeyIssues } from '../core/did-you-mean.js';
import { CatalogError, formatIssues } from '../core/errors.js';
import { calendarDateProblem } from '../core/validate.js';
import { maskDeep } from '../match/mask.js';
import type { RuleIndex } from '../rules/compile.js';
import { parseYamlFile } from '../rules/load.js';
import { ANNEX_A } from '../risk/standards.js';

const date = z
  .union([z.string(), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
  .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/, 'expected a date YYYY-MM-DD').refine((s) => !calendarDateProblem(s.slice(0, 10)), (s) => ({ message: `"${s}" is not a real date (${calendarDateProblem(s.slice(0, 10))})` })));
const globs = z.array(z.string().min(1)).optional();

export const scopeSchema = z
  .object({
    /** Repository ids (remote URL or folder name) — globs. */
    repos: globs,
    /** Users (e-mail / UPN / login) — globs. */
    users: globs,
    /** Cloud accounts, subscriptions, projects — globs. */
    accounts: globs,
    /** Departments / teams (matched against subject names that carry them). */
    departments: globs,
    /** Client IPs or host names (network subjects) — globs. */
    hosts: globs,
    /** Concrete artifacts (ARNs, resource ids, repo paths of model files) — globs. */
    resources: globs,
  })
  .strict();

export const approvedSchema = z
  .object({
    /** Stable id of the entry (defaults to the service id). */
    id: z.string().min(1).optional(),
    service: z.string().min(1),
    /** Specific models / versions approved (lineage). */
    lineage: z.object({ provider: z.string().optional(), model: z.string().optional(), version: z.string().optional() }).strict().optional(),
    owner: z.object({ business: z.string().min(1), technical: z.string().min(1).optional() }).strict(),
    scope: scopeSchema.optional(),
    conditions: z
      .object({
        maxDataClassification: z.enum(['public', 'internal', 'confidential', 'restricted']).optional(),
        notes: z.string().optional(),
      })
      .strict()
      .optional(),
    approvedBy: z.string().min(1),
    approvedOn: date,
    /** Review / expiry date: after it, the approval has expired. */
    expires: date.optional(),
    riskTier: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
    lifecycle: z.enum(['active', 'under-review', 'pending-retirement', 'retired']).default('active'),
    humanOversight: z.enum(['human-in-the-loop', 'human-on-the-loop', 'human-in-command', 'none']).optional(),
    compliance: z
      .object({
        /** Annex A controls this entry evidences. */
        controls: z.array(z.string().refine((c) => c in ANNEX_A, (c) => ({ message: `expected an ISO/IEC 42001 Annex A control id (A.2.2 … A.10.4), got "${c}"` }))).default([]),
        status: z.enum(['compliant', 'partially-compliant', 'non-compliant', 'not-assessed']).default('not-assessed'),
      })
      .strict()
      .optional(),
    notes: z.string().optional(),
  })
  .strict();

export const declinedSchema = z
  .object({
    service: z.string().min(1),
    treatment: z.enum(['avoid', 'modify', 'transfer', 'accept']).default('avoid'),
    rationale: z.string().min(1),
    declinedBy: z.string().min(1),
    declinedOn: date,
    /** Put the service's domains on the generated block lists. */
    block: z.boolean().default(true),
  })
  .strict();

export const catalogSchema = z
  .object({
    version: z.literal(1),
    organisation: z.string().optional(),
    approved: z.array(approvedSchema).default([]),
    declined: z.array(declinedSchema).default([]),
  })
  .strict();

export type Catalog = z.output<typeof catalogSchema>;
export type ApprovedEntry = Catalog['approved'][number];
export type DeclinedEntry = Catalog['declined'][number];
export type Scope = z.output<typeof scopeSchema>;

export const EMPTY_CATALOG: Catalog = { version: 1, approved: [], declined: [] };

/** Validates a parsed catalog; `knownServices` (when given) checks service ids exist. */
export function validateCatalog(raw: unknown, file: string, knownServices?: Set<string>): Catalog {
  const top = unknownKeyIssues(raw, Object.keys(catalogSchema.shape));
  if (top.length) throw new CatalogError(formatIssues(file, top));
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success) throw new CatalogError(formatIssues(file, parsed.error.issues));
  const cat = parsed.data;
  if (knownServices) {
    const problems: string[] = [];
    cat.approved.forEach((a, i) => {
      if (!knownServices.has(a.service)) problems.push(`${file}: approved.${i}.service: unknown service "${a.service}" (expected a rule id; see \`shadowscan rules list\`)`);
    });
    cat.declined.forEach((d, i) => {
      if (!knownServices.has(d.service)) problems.push(`${file}: declined.${i}.service: unknown service "${d.service}" (expected a rule id; see \`shadowscan rules list\`)`);
    });
    if (problems.length) throw new CatalogError(problems.join('\n'));
  }
  const ids = new Set<string>();
  cat.approved.forEach((a, i) => {
    const id = a.id ?? a.service;
    if (ids.has(id)) throw new CatalogError(`${file}: approved.${i}.id: duplicate entry id "${id}" (give each approval of the same service its own id)`);
    ids.add(id);
  });
  return cat;
}

/**
 * Loads and validates a catalog file. With `rules`, every string in it (notes, rationales,
 * owners …) passes the credential detector: a key pasted into a note is kept only masked.
 */
export function loadCatalog(file: string, knownServices?: Set<string>, rules?: Pick<RuleIndex, 'scanSecrets'>): Catalog {
  const cat = validateCatalog(parseYamlFile(file, CatalogError), file, knownServices);
  return rules ? maskDeep(rules, cat) : cat;
}

export function catalogToYaml(cat: Catalog): string {
  return stringify(cat, { lineWidth: 0 });
}
