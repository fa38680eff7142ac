/**
 * What changed: each run of a source is compared with the last *complete* run of that source.
 * A snapshot of the source's slice of the inventory (its active findings → items → subjects) is
 * stored per run, so the comparison survives incremental scanners (which report only new
 * events) and partial runs (a partial run is never a baseline, and never reports items gone).
 *
 * Stored in an extra migration table (`source_runs`, version 200), one row per (run, source).
 */
import type { Catalog } from '../catalog/catalog.js';
import type { Coverage } from '../core/types.js';
import type { Register } from '../register/register.js';

export const DIFF_MIGRATIONS = [
  {
    version: 200,
    name: 'source-runs-and-changes',
    sql: `
CREATE TABLE source_runs (
  run_id TEXT NOT NULL,
  source TEXT NOT NULL,
  scanner TEXT NOT NULL,
  status TEXT NOT NULL,
  at TEXT NOT NULL,
  seq INTEGER NOT NULL,
  baseline_run_id TEXT,
  snapshot TEXT NOT NULL,
  changes TEXT NOT NULL,
  PRIMARY KEY (run_id, source)
);
CREATE INDEX source_runs_source ON source_runs(source, seq);
CREATE TABLE notifications_sent (
  target TEXT NOT NULL,
  event TEXT NOT NULL,
  item_id TEXT NOT NULL,
  status TEXT NOT NULL,
  run_id TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (target, event, item_id, status)
);
`,
  },
];

/** Applies this module's migrations (idempotent). */
export function migrateDiff(reg: Register): void {
  reg.migrate(DIFF_MIGRATIONS);
}

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

type Row = Record<string, any>;

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
  migrateDiff(reg);
  const db = reg.db;
  const at = input.now.toISOString();
  const prevRows = db.prepare('SELECT * FROM source_runs WHERE source = ? ORDER BY seq DESC').all(input.source) as Row[];
  const baselineRow = prevRows.find((r) => r.status === 'complete');
  const previous = prevRows[0];
  const baseSnap: Snapshot = baselineRow ? JSON.parse(baselineRow.snapshot) : { findings: [], items: {} };
  const prevSnap: Snapshot = previous ? JSON.parse(previous.snapshot) : { findings: [], items: {} };

  // This source's active findings: seen in this run, plus those carried over from earlier runs
  // of the source that the register still holds active (incremental scanners, partial coverage).
  const seen = db.prepare("SELECT id FROM findings WHERE last_scan_id = ? AND state = 'active' AND scanner = ?").all(input.runId, input.scanner) as Row[];
  const ids = new Set<string>(seen.map((r) => r.id as string));
  const isActive = db.prepare("SELECT 1 FROM findings WHERE id = ? AND state = 'active'");
  for (const id of new Set([...baseSnap.findings, ...prevSnap.findings])) if (!ids.has(id) && isActive.get(id)) ids.add(id);

  const fRows = [...ids].sort().map((id) => db.prepare('SELECT id, item_id, subject_kind, subject_id, subject_name FROM findings WHERE id = ?').get(id) as Row);
  const itemRows = new Map<string, Row>();
  const getItem = db.prepare('SELECT i.*, r.id AS risk_id, r.tier AS tier FROM items i LEFT JOIN risk_entries r ON r.item_id = i.id WHERE i.id = ?');
  const items: Record<string, SnapItem> = {};
  for (const f of fRows) {
    let it = itemRows.get(f.item_id);
    if (!it) {
      it = getItem.get(f.item_id) as Row;
      itemRows.set(f.item_id, it);
    }
    const s = (items[f.item_id] ??= { name: it.name, status: it.status, subjects: {} });
    s.subjects[subjectKey(f.subject_kind, f.subject_id)] = `${f.subject_kind}:${f.subject_name ?? f.subject_id}`;
  }
  const snap: Snapshot = { findings: [...ids].sort(), items };

  const describe = (id: string, subjects: Record<string, string>): ChangeItem => {
    const r = itemRows.get(id) ?? (getItem.get(id) as Row | undefined);
    return {
      id,
      name: r?.name ?? id,
      kind: r?.kind ?? 'service',
      service: r?.service ?? '',
      vendor: r?.vendor ?? '',
      category: r?.category ?? '',
      status: r?.status ?? 'unknown',
      statusReason: r?.status_reason ?? '',
      ...(r?.risk_id ? { riskEntry: r.risk_id as string } : {}),
      ...(r?.tier ? { tier: r.tier as number } : {}),
      subjects: Object.values(subjects).sort(),
    };
  };

  const changes: RunChanges = {
    runId: input.runId,
    source: input.source,
    scanner: input.scanner,
    status: input.status,
    at,
    ...(baselineRow ? { baselineRunId: baselineRow.run_id as string } : {}),
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
  changes.expiringApprovals = expiringApprovals(input.catalog, input.now, changes.expiringWithinDays, (service) => !!db.prepare("SELECT 1 FROM items WHERE service = ? AND state = 'active' LIMIT 1").get(service));

  const seq = ((db.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM source_runs').get() as Row).n as number) + 1;
  db.prepare('INSERT INTO source_runs (run_id, source, scanner, status, at, seq, baseline_run_id, snapshot, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, source) DO UPDATE SET status = excluded.status, snapshot = excluded.snapshot, changes = excluded.changes').run(
    input.runId,
    input.source,
    input.scanner,
    input.status,
    at,
    seq,
    baselineRow?.run_id ?? null,
    JSON.stringify(snap),
    JSON.stringify(changes),
  );
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
  if (!hasDiffTable(reg)) return [];
  const db = reg.db;
  let id = runId;
  if (!id) {
    const r = (opts.source ? db.prepare('SELECT run_id FROM source_runs WHERE source = ? ORDER BY seq DESC LIMIT 1').get(opts.source) : db.prepare('SELECT run_id FROM source_runs ORDER BY seq DESC LIMIT 1').get()) as Row | undefined;
    if (!r) return [];
    id = r.run_id as string;
  }
  const rows = db.prepare(`SELECT changes FROM source_runs WHERE run_id = ? ${opts.source ? 'AND source = ?' : ''} ORDER BY source`).all(...(opts.source ? [id, opts.source] : [id])) as Row[];
  return rows.map((r) => JSON.parse(r.changes) as RunChanges);
}

export function hasDiffTable(reg: Register): boolean {
  return !!reg.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'source_runs'").get();
}

export function isEmptyChange(c: RunChanges): boolean {
  return !c.newItems.length && !c.newSubjects.length && !c.statusChanged.length && !c.goneItems.length && !c.expiringApprovals.length;
}
