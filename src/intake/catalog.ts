/**
 * The effective catalog: the catalog file (catalog-as-code) merged with the intake decisions
 * stored in the register (`catalog_decisions`, active rows, oldest first). The scan pipeline
 * reconciles against it, the web app shows it, and `shadowscan catalog export` writes it back
 * as YAML so the decisions can be reviewed and committed with the rest of the catalog.
 *
 * Merge rules (a decision in the register is newer than what it supersedes):
 * - an approved decision replaces a file approval with the same entry id, else is appended; it
 *   removes a file decline of the same service declared on or before the decision date;
 * - a declined decision replaces the file decline of the same service; file approvals of that
 *   service that had already expired when it was declined are marked `lifecycle: retired`
 *   (a declined re-review). Valid approvals are kept: declining out-of-scope use does not
 *   revoke the approved scope.
 */
import { existsSync } from 'node:fs';
import { approvedSchema, declinedSchema, EMPTY_CATALOG, loadCatalog, type ApprovedEntry, type Catalog, type DeclinedEntry } from '../catalog/catalog.js';
import type { DecisionRow, RegisterOps } from '../register/store.js';
import { currentCatalog } from '../catalog/record.js';

export type { DecisionRow } from '../register/store.js';

function expiredAt(a: ApprovedEntry, at: string): boolean {
  if (!a.expires) return false;
  const end = a.expires.length === 10 ? a.expires + 'T23:59:59.999Z' : a.expires;
  return end < at;
}

/** The catalog file merged with the register's active decisions (pure). */
export function mergeDecisions(file: Catalog | undefined, decisions: DecisionRow[]): Catalog {
  const base = file ?? EMPTY_CATALOG;
  let approved: ApprovedEntry[] = base.approved.map((a) => ({ ...a }));
  let declined: DeclinedEntry[] = base.declined.map((d) => ({ ...d }));
  for (const d of decisions) {
    if (!d.active) continue;
    if (d.decision === 'approved') {
      const e = approvedSchema.parse(d.entry);
      const id = e.id ?? e.service;
      approved = approved.filter((a) => (a.id ?? a.service) !== id);
      approved.push(e);
      declined = declined.filter((x) => !(x.service === e.service && x.declinedOn <= d.decidedAt.slice(0, 10)));
    } else if (d.decision === 'declined') {
      const e = declinedSchema.parse(d.entry);
      declined = declined.filter((x) => x.service !== e.service);
      declined.push(e);
      approved = approved.map((a) => (a.service === e.service && a.lifecycle !== 'retired' && expiredAt(a, d.decidedAt) ? { ...a, lifecycle: 'retired' as const } : a));
    }
  }
  return { ...base, version: 1, approved, declined };
}

/**
 * Catalog + active decisions in the register (or in the caller's transaction). Without a catalog
 * file, the register's catalog of record at this moment: a long-running `serve` follows imports.
 */
export async function effectiveCatalog(file: Catalog | undefined, register: Pick<RegisterOps, 'listDecisions'> & Partial<Pick<RegisterOps, 'projectionRows'>>): Promise<Catalog> {
  const base = file ?? (register.projectionRows ? (await currentCatalog(register as Pick<RegisterOps, 'projectionRows'>))?.catalog : undefined);
  return mergeDecisions(base, await register.listDecisions({ activeOnly: true }));
}

/** Is the service approved (a non-retired approval that has not expired) in this catalog? */
export function hasValidApproval(cat: Catalog, service: string, now: Date): boolean {
  return cat.approved.some((a) => a.service === service && a.lifecycle !== 'retired' && !expiredAt(a, now.toISOString()));
}

/**
 * The catalog of record when no file is given: the register's latest stored version (`catalog
 * import`); a register without one falls back to the catalog file of its latest scan run.
 */
export async function catalogFromRuns(register: Pick<RegisterOps, 'latestCatalogFile' | 'projectionRows'>, knownServices?: Set<string>): Promise<{ catalog?: Catalog; file?: string }> {
  const cur = await currentCatalog(register);
  if (cur) return { catalog: cur.catalog, file: `catalog of record v${cur.version}${cur.source ? ` (${cur.source})` : ''}` };
  const file = await register.latestCatalogFile();
  if (!file || !existsSync(file)) return {};
  try {
    return { catalog: loadCatalog(file, knownServices), file };
  } catch {
    return {};
  }
}

