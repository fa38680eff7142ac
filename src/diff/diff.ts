/**
 * What changed: each run of a source is compared with the last *complete* run of that source.
 * A snapshot of the source's slice of the inventory (its active findings → items → subjects) is
 * stored per run, so the comparison survives incremental scanners (which report only new
 * events) and partial runs (a partial run is never a baseline, and never reports items gone).
 *
 * Stored in the register (`saveSourceRun`), one row per (run, source).
 */
import type { Catalog } from '../catalog/catalog.js';
import type { Coverage } from '../core/types.js';
import type { Register } from '../register/register.js';

export interface ChangeItem {
  id: string;
  name: string;
  kind: string;
  service: string;
  vendor: string;
  category: string;
  status: string;
  statusReason: string;
  riskEntry?: string;
  tier?: number;
  /** `kind:name` of every subject of this item seen by this source. */
  subjects: string[];
}

export interface ExpiringApproval {
  id: string;
  service: string;
  expires: string;
  daysLeft: number;
  owner: string;
  /** The service is in the active inventory. */
  inUse: boolean;
}

export interface RunChanges {
  runId: string;
  source: string;
  scanner: string;
  /** The run's coverage: complete | partial | failed. */
  status: string;
  at: string;
  /** The last complete run of this source compared against; absent on the first (baseline) run. */
  baselineRunId?: string;
  /** True for a source's first complete-able run: everything is "new" relative to nothing. */
  baseline: boolean;
  newItems: ChangeItem[];
  newSubjects: Array<ChangeItem & { newSubjects: string[] }>;
  statusChanged: Array<ChangeItem & { from: string }>;
  /** Items no longer present — reported only when this run's coverage was complete. */
  goneItems: ChangeItem[];
  /** Items not seen now that are not reported gone because coverage was incomplete. */
  goneWithheld: number;
  expiringApprovals: ExpiringApproval[];
  expiringWithinDays: number;
}

interface SnapItem {
  name: string;
  status: string;
  subjects: Record<string, string>;
}
interface Snapshot {
  /** finding ids of this source that are active. */
  findings: string[];
  items: Record<string, SnapItem>;
}


export interface RecordInput {
  runId: string;
  source: string;
  scanner: string;
  /** The run status (report.summary.status). */
  status: string;
  /** This source's coverage (for the record; gone decisions are the register's). */
  coverage?: Coverage[];
  catalog?: Catalog;
  now: Date;
  expiringWithinDays?: number;
}

const subjectKey = (kind: string, id: string) => `${kind}:${id}`;

/** Computes and stores what changed in `runId` for `source`; returns it. Call after the run committed. */
export async function recordRunChanges(reg: Register, input: RecordInput): Promise<RunChanges> {
  const at = input.now.toISOString();
  const prevRows = await reg.sourceRuns(input.source);
  const baselineRow = prevRows.find((r) => r.status === 'complete');
  const previous = prevRows[0];
  const baseSnap: Snapshot = baselineRow ? JSON.parse(baselineRow.snapshot) : { findings: [], items: {} };
  const prevSnap: Snapshot = previous ? JSON.parse(previous.snapshot) : { findings: [], items: {} };

  // This source's active findings: seen in this run, plus those carried over from earlier runs
  // of the source that the register still holds active (incremental scanners, partial coverage).
  const seen = await reg.diffFindings({ runId: input.runId, scanner: input.scanner });
  const carried = await reg.diffFindings({ ids: [...new Set([...baseSnap.findings, ...prevSnap.findings])] });
  const byId = new Map([...seen, ...carried].map((f) => [f.id, f]));
  const ids = new Set(byId.keys());
  const fRows = [...ids].sort().map((id) => byId.get(id)!);
  const itemRows = await reg.itemsByIds([...new Set([...fRows.map((f) => f.itemId), ...Object.keys(baseSnap.items)])]);
  const items: Record<string, SnapItem> = {};
  for (const f of fRows) {
    const it = itemRows.get(f.itemId);
    const s = (items[f.itemId] ??= { name: it?.name ?? f.itemId, status: it?.status ?? 'unknown', subjects: {} });
    s.subjects[subjectKey(f.subjectKind, f.subjectId)] = `${f.subjectKind}:${f.subjectName ?? f.subjectId}`;
  }
  const snap: Snapshot = { findings: [...ids].sort(), items };

  const describe = (id: string, subjects: Record<string, string>): ChangeItem => {
    const r = itemRows.get(id);
    return {
      id,
      name: r?.name ?? id,
      kind: r?.kind ?? 'service',
      service: r?.service ?? '',
      vendor: r?.vendor ?? '',
      category: r?.category ?? '',
      status: r?.status ?? 'unknown',
      statusReason: r?.statusReason ?? '',
      ...(r?.riskEntryId ? { riskEntry: r.riskEntryId } : {}),
      ...(r?.tier ? { tier: r.tier } : {}),
      subjects: Object.values(subjects).sort(),
    };
  };

  const changes: RunChanges = {
    runId: input.runId,
    source: input.source,
    scanner: input.scanner,
    status: input.status,
    at,
    ...(baselineRow ? { baselineRunId: baselineRow.runId } : {}),
    baseline: !baselineRow,
    newItems: [],
    newSubjects: [],
    statusChanged: [],
    goneItems: [],
    goneWithheld: 0,
    expiringApprovals: [],
    expiringWithinDays: input.expiringWithinDays ?? 30,
  };
  for (const [id, cur] of Object.entries(items).sort(([a], [b]) => a.localeCompare(b))) {
    const before = baseSnap.items[id];
    if (!before) {
      changes.newItems.push(describe(id, cur.subjects));
      continue;
    }
    const added = Object.keys(cur.subjects).filter((k) => !(k in before.subjects));
    if (added.length) changes.newSubjects.push({ ...describe(id, cur.subjects), newSubjects: added.map((k) => cur.subjects[k]).sort() });
    if (before.status !== cur.status) changes.statusChanged.push({ ...describe(id, cur.subjects), from: before.status });
  }
  for (const [id, before] of Object.entries(baseSnap.items).sort(([a], [b]) => a.localeCompare(b))) {
    if (items[id]) continue;
    if (input.status === 'complete') changes.goneItems.push(describe(id, before.subjects));
    else changes.goneWithheld++;
  }
  const inUse = new Set<string>();
  for (const a of input.catalog?.approved ?? []) if (await reg.serviceInUse(a.service)) inUse.add(a.service);
  changes.expiringApprovals = expiringApprovals(input.catalog, input.now, changes.expiringWithinDays, (service) => inUse.has(service));
  await reg.saveSourceRun({ runId: input.runId, source: input.source, scanner: input.scanner, status: input.status, at, baselineRunId: baselineRow?.runId, snapshot: JSON.stringify(snap), changes: JSON.stringify(changes) });
  return changes;
}

/** Catalog approvals whose `expires` falls within [now, now + days]. */
export function expiringApprovals(catalog: Catalog | undefined, now: Date, days: number, inUse: (service: string) => boolean = () => false): ExpiringApproval[] {
  if (!catalog) return [];
  const today = Date.parse(now.toISOString().slice(0, 10) + 'T00:00:00Z');
  const out: ExpiringApproval[] = [];
  for (const a of catalog.approved) {
    if (!a.expires) continue;
    const exp = Date.parse(a.expires.slice(0, 10) + 'T00:00:00Z');
    const daysLeft = Math.round((exp - today) / 86400_000);
    if (daysLeft < 0 || daysLeft > days) continue;
    out.push({ id: a.id ?? a.service, service: a.service, expires: a.expires.slice(0, 10), daysLeft, owner: a.owner.business, inUse: inUse(a.service) });
  }
  return out.sort((x, y) => x.daysLeft - y.daysLeft || x.id.localeCompare(y.id));
}

/** Stored changes of a run (all its sources); the latest run when runId is omitted. */
export async function getRunChanges(reg: Register, runId?: string, opts: { source?: string } = {}): Promise<RunChanges[]> {
  return (await reg.sourceRunChanges(runId, opts.source)).map((c) => JSON.parse(c) as RunChanges);
}

export function isEmptyChange(c: RunChanges): boolean {
  return !c.newItems.length && !c.newSubjects.length && !c.statusChanged.length && !c.goneItems.length && !c.expiringApprovals.length;
}
