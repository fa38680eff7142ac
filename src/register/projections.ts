/**
 * Projections: tables the decision log determines. The log (audit_log) is the record; a
 * projection table is a cache of it that queries read, rebuilt by a pure function of the log's
 * entries. The same function writes the table (`applyEntry` in src/register/ledger.ts applies
 * each new entry to the stored rows) and verifies it (`audit verify` replays every entry from an
 * empty table and compares with what is stored, naming table, key and column of any difference).
 *
 * Adding a projected table (e.g. governance, issue 15):
 *   1. a migration creating the table in both backends (src/register/backends/schema.ts);
 *   2. `registerProjection({ table, key, columns, json, actions, apply })` at module load, where
 *      `apply(rows, entry)` is pure: it changes the rows map (keyed by `rowKey`) for one log
 *      entry of one of `actions` and nothing else;
 *   3. write the table only by appending entries through `appendEntry` — never by SQL of its own.
 * Columns not listed in `columns` are not the log's (e.g. caches); they are neither written nor
 * compared.
 */
import { canonical, type AuditRecord } from './audit.js';

export type ProjValue = string | number | null;
export type ProjRow = Record<string, ProjValue>;

export interface Projection {
  table: string;
  /** Primary-key columns. */
  key: string[];
  /** Every column the log determines (key included). */
  columns: string[];
  /** Columns holding JSON text (compared by content, not by spelling). */
  json?: string[];
  /** The log actions this projection reads. */
  actions: string[];
  /** Applies one entry to the rows (pure; mutates only `rows`). */
  apply(rows: Map<string, ProjRow>, entry: AuditRecord): void;
}

const REGISTRY = new Map<string, Projection>();

export function registerProjection(p: Projection): void {
  if (REGISTRY.has(p.table)) throw new Error(`projection ${p.table} registered twice`);
  if (!/^[a-z_][a-z0-9_]*$/.test(p.table) || ![...p.columns].every((c) => /^[a-z_][a-z0-9_]*$/.test(c))) throw new Error(`projection ${p.table}: table and column names must be plain identifiers`);
  REGISTRY.set(p.table, p);
}

export function projections(): Projection[] {
  return [...REGISTRY.values()];
}

export function projectionsFor(action: string): Projection[] {
  return projections().filter((p) => p.actions.includes(action));
}

export function rowKey(p: Projection, row: ProjRow): string {
  return p.key.map((k) => String(row[k] ?? '')).join('|');
}

/** The table as the log says it should be (pure). */
export function project(p: Projection, entries: Iterable<AuditRecord>): Map<string, ProjRow> {
  const rows = new Map<string, ProjRow>();
  for (const e of entries) if (p.actions.includes(e.action)) p.apply(rows, e);
  return rows;
}

/** A stored or projected value in comparable form. */
export function norm(p: Projection, col: string, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (p.json?.includes(col) && typeof v === 'string') {
    try {
      return canonical(JSON.parse(v));
    } catch {
      return v;
    }
  }
  return String(v);
}

export interface ProjectionDiff {
  table: string;
  key: string;
  column?: string;
  stored?: string | null;
  expected?: string | null;
  what: 'differs' | 'missing' | 'extra';
}

/** Where the stored rows differ from the projection of the log. */
export function diffProjection(p: Projection, expected: Map<string, ProjRow>, stored: ProjRow[]): ProjectionDiff[] {
  const out: ProjectionDiff[] = [];
  const have = new Map(stored.map((r) => [rowKey(p, r), r]));
  for (const [k, want] of expected) {
    const got = have.get(k);
    if (!got) {
      out.push({ table: p.table, key: k, what: 'missing' });
      continue;
    }
    for (const c of p.columns) {
      const a = norm(p, c, got[c]);
      const b = norm(p, c, want[c]);
      if (a !== b) out.push({ table: p.table, key: k, column: c, stored: a, expected: b, what: 'differs' });
    }
  }
  for (const k of have.keys()) if (!expected.has(k)) out.push({ table: p.table, key: k, what: 'extra' });
  return out;
}

const after = (e: AuditRecord): any => {
  try {
    return e.after_state ? JSON.parse(e.after_state) : undefined;
  } catch {
    return undefined;
  }
};

// ------------------------------------------------------------------ catalog decisions (intake approvals and declines)

registerProjection({
  table: 'catalog_decisions',
  key: ['id'],
  columns: ['id', 'service', 'decision', 'entry', 'decided_by', 'decided_at', 'risk_entry_id', 'active'],
  json: ['entry'],
  actions: ['catalog.approved', 'catalog.declined'],
  apply(rows, e) {
    const a = after(e);
    if (!a?.decision || !a.entry?.service) return;
    const service = String(a.entry.service);
    // an approval or a decline supersedes the entry's earlier decisions and any decline of the service
    for (const r of rows.values()) if (Number(r.active) === 1 && (r.risk_entry_id === e.entity_id || (r.service === service && r.decision === 'declined'))) r.active = 0;
    rows.set(String(a.decision), {
      id: String(a.decision),
      service,
      decision: e.action === 'catalog.approved' ? 'approved' : 'declined',
      entry: canonical(a.entry),
      decided_by: e.actor,
      decided_at: e.at,
      risk_entry_id: e.entity_id,
      active: 1,
    });
  },
});

// ------------------------------------------------------------------ settings (policies: separation of duties, rationale, approvers)

registerProjection({
  table: 'settings',
  key: ['name'],
  columns: ['name', 'value', 'set_by', 'set_at'],
  json: ['value'],
  actions: ['policy.set'],
  apply(rows, e) {
    const a = after(e);
    if (!a || !('value' in a)) return;
    rows.set(e.entity_id, { name: e.entity_id, value: canonical(a.value), set_by: e.actor, set_at: e.at });
  },
});

// ------------------------------------------------------------------ catalog versions (the catalog of record)

registerProjection({
  table: 'catalog_versions',
  key: ['version'],
  columns: ['version', 'sha256', 'catalog', 'source', 'imported_by', 'imported_at', 'diff'],
  json: ['catalog', 'diff'],
  actions: ['catalog.imported'],
  apply(rows, e) {
    const a = after(e);
    if (!a?.version || !a.catalog) return;
    rows.set(String(a.version), { version: Number(a.version), sha256: String(a.sha256), catalog: canonical(a.catalog), source: a.source ?? null, imported_by: e.actor, imported_at: e.at, diff: canonical(a.diff ?? {}) });
  },
});
