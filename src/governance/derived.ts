/**
 * The evidence-derived lifecycle stages and STRIDE threats of risk entries, STORED when the entry is
 * created or its evidence or item status changes (the scan commit, an intake decision's
 * re-reconciliation, a lapsed review), in the transaction that makes the change — so the register
 * filters and groups by stage and threat without deriving anything at read time.
 *
 * One derivation: `threatsOfItem` over the item's active findings and status, by the rules data
 * (rules/governance/threats.yaml, applied by `deriveThreats`). A triage override takes precedence:
 * an overridden record is never rewritten here. Derived defaults are not decisions: no
 * decision-log entry (an override, or its reset, is one).
 *
 * Loaded by the scan commit: imports nothing beyond the mapping (no web, no notifications).
 */
import type { Finding } from '../core/types.js';
import type { RegisterOps } from '../register/store.js';
import { itemIdFor } from '../resolve/resolve.js';
import { deriveThreats, type Threat } from './mapping.js';
import type { GovernanceRecord } from './record.js';

/** What the derivation reads of one finding. */
export interface DerivationFinding {
  kind: string;
  signal: string;
  bytesOut?: number;
}

/** The stages and threats of an item: its active findings, its category and its status. */
export function threatsOfItem(findings: readonly DerivationFinding[], item: { category?: string; status?: string }): Threat[] {
  return deriveThreats(
    findings.map((f) => ({ kind: f.kind, signal: f.signal, category: item.category ?? '', bytesOut: f.bytesOut })),
    { status: item.status ?? '' },
  );
}

/** The derived stages and threats of an item as stored now (one read of its findings and row). */
export async function derivedThreats(ops: RegisterOps, itemId: string): Promise<Threat[]> {
  const item = (await ops.itemsByIds([itemId])).get(itemId);
  return threatsOfItem(await ops.activeFindingsOfItem(itemId), { category: item?.category, status: item?.status });
}

export interface DerivedEntry {
  riskEntryId: string;
  itemId: string;
  threats: Threat[];
}

const same = (a: Threat[], b: Threat[]) => a.length === b.length && a.every((t, i) => t.stage === b[i].stage && t.threat === b[i].threat && t.reason === b[i].reason);

/**
 * Stores the derived stages and threats of these entries where they differ from what is stored
 * (a missing record is created; an overridden one is left alone). Returns how many were written.
 * `fresh` names entries known to have no record yet (created in this transaction): not read.
 */
export async function storeDerived(tx: RegisterOps, entries: readonly DerivedEntry[], at: string, fresh?: ReadonlySet<string>): Promise<number> {
  if (!entries.length) return 0;
  const gov = tx.governance();
  const stored = await gov.getMany(entries.filter((e) => !fresh?.has(e.riskEntryId)).map((e) => e.riskEntryId));
  const out: GovernanceRecord[] = [];
  for (const e of entries) {
    const g = stored.get(e.riskEntryId);
    if (!g) out.push({ riskEntryId: e.riskEntryId, itemId: e.itemId, threats: e.threats, threatsSource: 'derived', updatedAt: at });
    else if (g.threatsSource === 'derived' && (!same(g.threats, e.threats) || g.itemId !== e.itemId)) out.push({ ...g, itemId: e.itemId, threats: e.threats, updatedAt: at });
  }
  await gov.putMany(out);
  return out.length;
}

/** What the commit's derivation reads of one active finding: its facts and what names its item. */
export type CommitFinding = DerivationFinding & Pick<Finding, 'service' | 'artifact'>;

/**
 * The derived entries after a scan commit: every judged item that has a risk entry, from its
 * active findings (this run's and the others, as the judge saw them) and its new status. Findings
 * are grouped by item (`itemIdFor`, remembered per service and artifact), one pass. A group keeps only the findings the derivation would not
 * skip — the first of each kind and signal, then each with more bytes out than any before it
 * (`deriveThreats` skips the others: an item's facts share its category) — so a million findings
 * are never copied into facts, and the derivation reads the same facts in the same order.
 */
export function derivedOfCommit(
  items: ReadonlyArray<{ item: { id: string; category?: string }; verdict: { status: string } }>,
  risks: ReadonlyMap<string, { id: string; itemId: string }>,
  ...active: ReadonlyArray<readonly CommitFinding[]>
): DerivedEntry[] {
  const facts = new DerivationFacts();
  for (const list of active) for (const f of list) facts.add(f);
  return derivedOfFacts(items, risks, facts);
}

/** derivedOfCommit from facts gathered as the findings went by (the commit adds each finding as it writes it). */
export function derivedOfFacts(
  items: ReadonlyArray<{ item: { id: string; category?: string }; verdict: { status: string } }>,
  risks: ReadonlyMap<string, { id: string; itemId: string }>,
  facts: DerivationFacts,
): DerivedEntry[] {
  const out: DerivedEntry[] = [];
  for (const x of items) {
    const risk = risks.get(x.item.id);
    if (!risk) continue;
    out.push({ riskEntryId: risk.id, itemId: x.item.id, threats: threatsOfItem(facts.of(x.item.id), { category: x.item.category, status: x.verdict.status }) });
  }
  return out;
}

/**
 * The facts derivedOfCommit keeps per item, one finding at a time, in the order the judge sees
 * them (this run's, then the others): the first of each kind and signal, then each with more
 * bytes out than any before it.
 */
export class DerivationFacts {
  private readonly byItem = new Map<string, { facts: DerivationFinding[]; most: Map<string, Map<string, number>> }>();

  /** Adds a finding of the item `itemId` (itemIdFor(f), given when the caller has it). */
  add(f: CommitFinding, itemId: string = itemIdFor(f)): void {
    let g = this.byItem.get(itemId);
    if (!g) this.byItem.set(itemId, (g = { facts: [], most: new Map() }));
    let bySignal = g.most.get(f.kind);
    if (!bySignal) g.most.set(f.kind, (bySignal = new Map()));
    const seen = bySignal.get(f.signal);
    const bytes = f.bytesOut ?? 0;
    if (seen !== undefined && seen >= bytes) return;
    bySignal.set(f.signal, bytes);
    g.facts.push(f);
  }

  of(itemId: string): DerivationFinding[] {
    return this.byItem.get(itemId)?.facts ?? [];
  }
}

/** Re-derives and stores one entry's stages and threats (after its item's status changed). */
export async function refreshDerived(tx: RegisterOps, risk: { id: string; itemId: string }, at: string): Promise<number> {
  return storeDerived(tx, [{ riskEntryId: risk.id, itemId: risk.itemId, threats: await derivedThreats(tx, risk.itemId) }], at);
}
