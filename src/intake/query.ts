/**
 * The register page's query: items joined with their risk entries, filtered, sorted and paged,
 * reading only the columns a list shows (no JSON decoding per row). Counting avoids the join
 * when no risk-entry column is filtered on, which keeps it fast at 100,000 items.
 */
import type Database from 'better-sqlite3';
import type { ItemStatus } from '../core/types.js';
import { RANK_SQL } from './migrations.js';
import { STATUS_SEVERITY } from '../reconcile/reconcile.js';
import { likeContains } from '../register/register.js';

export interface RegisterQuery {
  /** Item statuses (reconcile verdicts); default: the intake queue. */
  status?: string[];
  /** Risk-entry (intake) statuses. */
  riskStatus?: string[];
  tier?: number;
  source?: string;
  category?: string;
  owner?: string;
  service?: string;
  q?: string;
  state?: 'active' | 'gone' | 'all';
  sort?: 'status' | 'tier' | 'score' | 'name' | 'last-seen' | 'first-detected' | 'bytes';
  limit?: number;
  offset?: number;
}

export interface RegisterRow {
  id: string;
  kind: string;
  service: string;
  name: string;
  vendor: string;
  category: string;
  status: ItemStatus;
  statusReason: string;
  state: string;
  sources: string[];
  subjectCount: number;
  findingCount: number;
  eventCount: number;
  bytesOut?: number;
  seenFirst?: string;
  seenLast?: string;
  firstDetectedAt: string;
  lastDetectedAt: string;
  riskId?: string;
  riskStatus?: string;
  tier?: number;
  score?: number;
  treatment?: string;
  owner?: string;
  suppressedUntil?: string;
}

export const QUEUE: ItemStatus[] = ['unsanctioned', 'out-of-scope', 'approval-expired', 'declined-but-in-use'];
export const ITEM_STATUSES: ItemStatus[] = STATUS_SEVERITY;
export const SOURCES = ['repo', 'network', 'saas', 'cloud'];
export const SORTS = ['status', 'tier', 'score', 'name', 'last-seen', 'first-detected', 'bytes'] as const;

const RANK = RANK_SQL.replace(/\bstatus\b/g, 'i.status');
const ORDER: Record<string, string> = {
  status: `${RANK}, i.name, i.id`,
  name: 'i.name, i.id',
  'last-seen': 'i.last_detected_at DESC, i.id',
  'first-detected': 'i.first_detected_at DESC, i.id',
  bytes: 'COALESCE(i.bytes_out, 0) DESC, i.id',
  tier: 'r.tier, r.inherent_score DESC, r.item_id',
  score: 'r.inherent_score DESC, r.item_id',
};

/** Counts above this are reported as "more than" (counting every match of a join costs too much). */
export const COUNT_CAP = 1_000;

type Row = Record<string, any>;

/**
 * Two phases: (1) the page's item ids, from covering indexes only — items alone, or driven from
 * the risk entries when a risk column is filtered or sorted on (such lists hold only items with a
 * risk entry, which every queue item has); (2) the page's rows. Counts are exact for item-only
 * filters and capped at COUNT_CAP when the risk entries are joined.
 */
export function queryRegister(db: Database.Database, f: RegisterQuery = {}): { total: number; capped: boolean; rows: RegisterRow[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  const sortByRisk = f.sort === 'tier' || f.sort === 'score';
  let viaRisk = sortByRisk;
  const state = f.state ?? 'active';
  if (state !== 'all') {
    where.push('i.state = ?');
    args.push(state);
  }
  const status = f.status ?? QUEUE;
  if (status.length) {
    where.push(`i.status IN (${status.map(() => '?').join(',')})`);
    args.push(...status);
  }
  if (f.riskStatus?.length) {
    viaRisk = true;
    where.push(`r.status IN (${f.riskStatus.map(() => '?').join(',')})`);
    args.push(...f.riskStatus);
  }
  if (f.tier) {
    viaRisk = true;
    where.push('r.tier = ?');
    args.push(f.tier);
  }
  if (f.owner) {
    viaRisk = true;
    where.push('r.owner = ?');
    args.push(f.owner);
  }
  if (f.source) {
    where.push("i.sources LIKE ? ESCAPE '\\'");
    args.push(likeContains(`"${f.source}"`));
  }
  if (f.category) {
    where.push('i.category = ?');
    args.push(f.category);
  }
  if (f.service) {
    where.push('i.service = ?');
    args.push(f.service);
  }
  if (f.q) {
    if ([...f.q].length >= 3) {
      // trigram index: the same matches as LIKE '%q%' on name / service / vendor, no full scan
      where.push('(i.rowid IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?) OR i.id = ?)');
      args.push(`"${f.q.replace(/"/g, '""')}"`, f.q);
    } else {
      const like = likeContains(f.q);
      where.push("(i.name LIKE ? ESCAPE '\\' OR i.service LIKE ? ESCAPE '\\' OR i.vendor LIKE ? ESCAPE '\\' OR i.id = ?)");
      args.push(like, like, like, f.q);
    }
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  // Sorted by a risk column: walk the risk entries in that order. Filtered on a risk column but
  // sorted by an item column: an owner (one team's entries, selective) drives from
  // risk_entries(owner) — a plain join, the planner picks it; a broad tier / intake-status filter
  // walks the items in sort order and looks each entry up, stopping when the page is full (tier 1
  // + source at 100,000 items: under 1 ms for page one, where collecting and sorting every match
  // took ~90 ms — with bound parameters the planner cannot see that, so the order is forced).
  const from = sortByRisk
    ? 'risk_entries r CROSS JOIN items i ON i.id = r.item_id'
    : viaRisk
      ? f.owner
        ? 'items i JOIN risk_entries r ON r.item_id = i.id'
        : 'items i CROSS JOIN risk_entries r ON r.item_id = i.id'
      : 'items i';
  let total: number;
  let capped = false;
  if (viaRisk) {
    total = (db.prepare(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${from} ${w} LIMIT ${COUNT_CAP + 1})`).get(...args) as Row).n as number;
    if (total > COUNT_CAP) (total = COUNT_CAP), (capped = true);
  } else total = (db.prepare(`SELECT COUNT(*) AS n FROM ${from} ${w}`).get(...args) as Row).n as number;
  const order = ORDER[f.sort ?? 'status'] ?? ORDER.status;
  const limit = Math.min(Math.max(f.limit ?? 50, 1), 1000);
  const ids = (db.prepare(`SELECT i.id FROM ${from} ${w} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...args, limit, Math.max(f.offset ?? 0, 0)) as Row[]).map((r) => r.id as string);
  if (!ids.length) return { total, capped, rows: [] };
  const rows = db
    .prepare(
      `SELECT i.id, i.kind, i.service, i.name, i.vendor, i.category, i.status, i.status_reason, i.state, i.sources, i.subject_count, i.finding_count, i.event_count, i.bytes_out, i.seen_first, i.seen_last, i.first_detected_at, i.last_detected_at,
        r.id AS risk_id, r.status AS risk_status, r.tier, r.inherent_score, r.treatment, r.owner, r.suppressed_until
       FROM items i LEFT JOIN risk_entries r ON r.item_id = i.id WHERE i.id IN (${ids.map(() => '?').join(',')})`,
    )
    .all(...ids) as Row[];
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  return {
    total,
    capped,
    rows: ids.map((id) => byId.get(id)!).filter(Boolean).map((r) => ({
      id: r.id,
      kind: r.kind,
      service: r.service,
      name: r.name,
      vendor: r.vendor,
      category: r.category,
      status: r.status,
      statusReason: r.status_reason,
      state: r.state,
      sources: safeJson(r.sources),
      subjectCount: r.subject_count,
      findingCount: r.finding_count,
      eventCount: r.event_count,
      bytesOut: r.bytes_out ?? undefined,
      seenFirst: r.seen_first ?? undefined,
      seenLast: r.seen_last ?? undefined,
      firstDetectedAt: r.first_detected_at,
      lastDetectedAt: r.last_detected_at,
      riskId: r.risk_id ?? undefined,
      riskStatus: r.risk_status ?? undefined,
      tier: r.tier ?? undefined,
      score: r.inherent_score ?? undefined,
      treatment: r.treatment ?? undefined,
      owner: r.owner ?? undefined,
      suppressedUntil: r.suppressed_until ?? undefined,
    })),
  };
}

function safeJson(s: string): string[] {
  try {
    const v = JSON.parse(s);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

/** Values for the filter drop-downs. */
export function facets(db: Database.Database): { categories: string[]; owners: string[] } {
  const categories = (db.prepare('SELECT DISTINCT category FROM items ORDER BY category').all() as Row[]).map((r) => r.category as string);
  const owners = (db.prepare('SELECT DISTINCT owner FROM risk_entries WHERE owner IS NOT NULL ORDER BY owner LIMIT 500').all() as Row[]).map((r) => r.owner as string);
  return { categories, owners };
}
