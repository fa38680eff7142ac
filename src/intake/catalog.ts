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
import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { approvedSchema, declinedSchema, EMPTY_CATALOG, loadCatalog, type ApprovedEntry, type Catalog, type DeclinedEntry } from '../catalog/catalog.js';
import type { Register } from '../register/register.js';

export interface DecisionRow {
  id: string;
  service: string;
  decision: 'approved' | 'declined';
  entry: ApprovedEntry | DeclinedEntry;
  decidedBy: string;
  decidedAt: string;
  riskEntryId?: string;
  active: boolean;
}

type Row = Record<string, any>;

export function listDecisions(db: Database.Database, opts: { activeOnly?: boolean; service?: string } = {}): DecisionRow[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (opts.activeOnly) where.push('active = 1');
  if (opts.service) {
    where.push('service = ?');
    args.push(opts.service);
  }
  const rows = db.prepare(`SELECT * FROM catalog_decisions ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY decided_at, id`).all(...args) as Row[];
  return rows.map((r) => ({ id: r.id, service: r.service, decision: r.decision, entry: JSON.parse(r.entry), decidedBy: r.decided_by, decidedAt: r.decided_at, riskEntryId: r.risk_entry_id ?? undefined, active: r.active === 1 }));
}

function expiredAt(a: ApprovedEntry, at: string): boolean {
  if (!a.expires) return false;
  const end = a.expires.length === 10 ? a.expires + 'T23:59:59.999Z' : a.expires;
  return end < at;
}

/** Synchronous merge (usable inside a register transaction). */
export function effectiveCatalogSync(file: Catalog | undefined, db: Database.Database): Catalog {
  const base = file ?? EMPTY_CATALOG;
  let approved: ApprovedEntry[] = base.approved.map((a) => ({ ...a }));
  let declined: DeclinedEntry[] = base.declined.map((d) => ({ ...d }));
  for (const d of listDecisions(db, { activeOnly: true })) {
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

/** File catalog + active decisions in the register. */
export async function effectiveCatalog(file: Catalog | undefined, register: Register): Promise<Catalog> {
  return effectiveCatalogSync(file, register.db);
}

/** Is the service approved (a non-retired approval that has not expired) in this catalog? */
export function hasValidApproval(cat: Catalog, service: string, now: Date): boolean {
  return cat.approved.some((a) => a.service === service && a.lifecycle !== 'retired' && !expiredAt(a, now.toISOString()));
}

/** Picks the catalog file of the latest scan run when none is given. */
export function catalogFromRuns(register: Register, knownServices?: Set<string>): { catalog?: Catalog; file?: string } {
  const r = register.db.prepare("SELECT catalog_file FROM scan_runs WHERE catalog_file IS NOT NULL ORDER BY started_at DESC LIMIT 1").get() as { catalog_file?: string } | undefined;
  if (!r?.catalog_file || !existsSync(r.catalog_file)) return {};
  try {
    return { catalog: loadCatalog(r.catalog_file, knownServices), file: r.catalog_file };
  } catch {
    return {};
  }
}

