/**
 * What every export is rendered from: one read of the register (items, their active findings,
 * risk entries, catalog decisions) plus the rules and the catalog. Pure renderers take this,
 * so golden files do not depend on a database.
 */
import { createHash } from 'node:crypto';
import type { Catalog } from '../catalog/catalog.js';
import type { Finding } from '../core/types.js';
import type { ItemRow, Register, RiskEntry } from '../register/register.js';
import type { RuleIndex } from '../rules/compile.js';
import { VERSION } from '../pipeline.js';

export interface ExportFinding extends Finding {
  status: string;
  state: string;
  firstDetectedAt: string;
  lastDetectedAt: string;
}

export interface ExportData {
  generatedAt: string;
  tool: { name: 'shadowscan'; version: string };
  organisation?: string;
  items: ItemRow[];
  /** Active findings by item id. */
  findings: Map<string, ExportFinding[]>;
  risks: RiskEntry[];
  catalog?: Catalog;
  rules?: RuleIndex;
  /** The last run, if any: id, status, finished time. */
  lastRun?: { id: string; status: string; finishedAt?: string };
  /** Intake decisions recorded in the audit log (risk.approved / risk.declined …). */
  decisions: Array<{ at: string; actor: string; action: string; entityId: string; rationale?: string }>;
}

export async function loadExportData(reg: Register, opts: { now?: Date; catalog?: Catalog; rules?: RuleIndex; includeGone?: boolean } = {}): Promise<ExportData> {
  const { rows } = await reg.queryItems({ state: opts.includeGone ? 'all' : 'active', sort: 'name' });
  const full = await reg.itemsByIds(rows.map((r) => r.id));
  const items = rows.map((r) => full.get(r.id)!).filter(Boolean);
  const all = await reg.listFindings({ state: 'active' });
  const findings = new Map<string, ExportFinding[]>();
  const itemIds = new Set(items.map((i) => i.id));
  for (const { itemId: id, ...f } of all) {
    if (!id || !itemIds.has(id)) continue;
    (findings.get(id) ?? findings.set(id, []).get(id)!).push(f as ExportFinding);
  }
  const runs = await reg.listRuns(1);
  const decisions = (await reg.auditLog({ entityType: 'risk', order: 'asc', limit: 1_000_000 }))
    .filter((r) => r.action !== 'risk.created' && r.action !== 'risk.reopened')
    .map((r) => ({ at: r.at, actor: r.actor, action: r.action, entityId: r.entity_id, ...(r.rationale ? { rationale: r.rationale } : {}) }));
  return {
    generatedAt: (opts.now ?? new Date()).toISOString(),
    tool: { name: 'shadowscan', version: VERSION },
    organisation: opts.catalog?.organisation,
    items,
    findings,
    risks: await reg.listRisks(),
    catalog: opts.catalog,
    rules: opts.rules,
    lastRun: runs[0] ? { id: runs[0].id, status: runs[0].status, finishedAt: runs[0].finishedAt } : undefined,
    decisions,
  };
}

/** A deterministic RFC 4122-shaped UUID (version 5 layout over SHA-256) from a name. */
export function uuidFrom(name: string): string {
  const h = createHash('sha256').update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** Model artifacts and cloud model deployments (as opposed to accounts / platforms). */
export function isModelItem(i: Pick<ItemRow, 'kind' | 'artifactType' | 'artifactKey' | 'category'>, fs: Finding[] = []): boolean {
  if (i.kind !== 'artifact') return false;
  if (fs.some((f) => f.kind === 'model-artifact')) return true;
  const t = `${i.artifactType ?? ''} ${i.artifactKey ?? ''}`.toLowerCase();
  return /model|deployment|endpoint|inference/.test(t);
}
