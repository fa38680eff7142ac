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
 *   3. write the table only by appending entries through `appendEntry` — never by SQL of its own;
 *      or, for a table another statement writes (a scan's risk entry, a password hash the log must
 *      not hold), `mode: 'check'` with `scope` (the keys an entry names), and `select` + `fromStored`
 *      when compared columns are derived from stored ones (a fingerprint of a hash): the statement
 *      writes the row, its entry is appended in the same transaction, and the rows are checked
 *      against the log before COMMIT (src/register/ledger.ts checkEntries);
 *   4. add the table to migration 800's baseline list if upgraded registers hold rows of it
 *      (src/register/baseline.ts), and a tamper case to test/register/ledger.test.ts.
 * Columns not listed in `columns` are not the log's (e.g. caches); they are neither written nor
 * compared.
 */
import { createHash } from 'node:crypto';
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
  /**
   * Who writes the rows. `own` (default): `appendEntry` writes the table from the entry. `check`:
   * the statement that makes the change writes the row (a scan creates a risk entry with its
   * computed columns; a password hash is never in the log), and the transaction that appends its
   * entry checks, before COMMIT, that every row the entry names is what the log says — a write out
   * of step with the log fails the transaction (src/register/backends/sql-store.ts).
   */
  mode?: 'own' | 'check';
  /** The row keys an entry changes (single-column keys): only those rows are read to apply or check it. */
  scope?(entry: AuditRecord): string[];
  /** Stored columns to read when they are not `columns` (derived columns: a fingerprint of a stored hash). */
  select?: string[];
  /** A stored row (of `select`) as the projection's columns; undefined: a row the log does not determine. */
  fromStored?(row: ProjRow): ProjRow | undefined;
}

const REGISTRY = new Map<string, Projection>();

export function registerProjection(p: Projection): void {
  if (REGISTRY.has(p.table)) throw new Error(`projection ${p.table} registered twice`);
  if (!/^[a-z_][a-z0-9_]*$/.test(p.table) || ![...p.columns].every((c) => /^[a-z_][a-z0-9_]*$/.test(c))) throw new Error(`projection ${p.table}: table and column names must be plain identifiers`);
  REGISTRY.set(p.table, p);
  BY_ACTION.clear();
}

/** Projections per action (every log append asks; a scan appends one entry per item). */
const BY_ACTION = new Map<string, Projection[]>();

export function projections(): Projection[] {
  return [...REGISTRY.values()];
}

/** Does `p` read entries of `action`? (`risk.*` in `actions`: every action of that prefix) */
export function reads(p: Projection, action: string): boolean {
  return p.actions.some((a) => a === action || (a.endsWith('.*') && action.startsWith(a.slice(0, -1))));
}

export function projectionsFor(action: string): Projection[] {
  let ps = BY_ACTION.get(action);
  if (!ps) BY_ACTION.set(action, (ps = projections().filter((p) => reads(p, action))));
  return ps;
}

/** The stored columns a projection reads. */
export function storedColumns(p: Projection): string[] {
  return p.select ?? p.columns;
}

/** Stored rows as the projection's rows (derived columns computed, rows the log does not determine left out). */
export function fromStored(p: Projection, stored: ProjRow[]): ProjRow[] {
  if (!p.fromStored) return stored;
  const out: ProjRow[] = [];
  for (const r of stored) {
    const x = p.fromStored(r);
    if (x) out.push(x);
  }
  return out;
}

export function rowKey(p: Projection, row: ProjRow): string {
  return p.key.map((k) => String(row[k] ?? '')).join('|');
}

/** The table as the log says it should be (pure). */
export function project(p: Projection, entries: Iterable<AuditRecord>): Map<string, ProjRow> {
  const rows = new Map<string, ProjRow>();
  for (const e of entries) if (reads(p, e.action)) p.apply(rows, e);
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

// ====================================================================== checked projections
// The tables below are written by the statement that makes the change, in the transaction that
// appends its entry; the entry carries what a human decided (never a secret: a password hash or a
// token hash appears only as a fingerprint of it), the transaction checks the row against it
// before COMMIT, and `audit verify` replays them. Registers from before hold a `ledger.baseline`
// entry per row that existed when they were upgraded (src/register/baseline.ts).

/** A fingerprint of a stored secret's hash (a password's argon2 hash, a token's SHA-256): the log holds this, never the hash. */
export function hashMarker(storedHash: string): string {
  return 'sha256:' + createHash('sha256').update(storedHash).digest('hex');
}

const BASELINE = 'ledger.baseline';
/** A stored row's JSON column (`data`); an unreadable one reads as empty (and then differs from the log). */
function dataOf(r: ProjRow): Record<string, any> {
  try {
    const d = JSON.parse(String(r.data));
    return d && typeof d === 'object' ? d : {};
  } catch {
    return {};
  }
}
const own = (e: AuditRecord) => [e.entity_id];
const flag = (v: unknown) => (v === true || v === 1 || v === '1' ? 1 : 0);
/** A baseline entry sets the row to what it says (the row as it stood when the register was upgraded). */
function baseline(rows: Map<string, ProjRow>, e: AuditRecord, table: string): boolean {
  if (e.action !== BASELINE) return false;
  if (e.entity_type !== table) return true;
  const a = after(e);
  if (a && typeof a === 'object') rows.set(e.entity_id, a as ProjRow);
  return true;
}

// ------------------------------------------------------------------ web users (name, role, disabled, password-change marker)

registerProjection({
  table: 'web_users',
  key: ['username'],
  columns: ['username', 'role', 'disabled', 'created_at', 'password'],
  select: ['username', 'role', 'disabled', 'created_at', 'password_hash'],
  fromStored: (r) => ({ username: r.username, role: r.role, disabled: flag(r.disabled), created_at: r.created_at, password: hashMarker(String(r.password_hash)) }),
  actions: ['user.created', 'user.updated', 'user.disabled', 'user.enabled', 'user.role-changed', 'user.removed', BASELINE],
  mode: 'check',
  scope: own,
  apply(rows, e) {
    if (baseline(rows, e, 'web_users')) return;
    const a = after(e) ?? {};
    const u = rows.get(e.entity_id);
    if (e.action === 'user.removed') rows.delete(e.entity_id);
    else if (e.action === 'user.created' || e.action === 'user.updated') {
      // a password set or reset: the log keeps a fingerprint of the new hash (a change marker), never the hash
      rows.set(e.entity_id, { username: e.entity_id, role: a.role ?? null, disabled: flag(a.disabled), created_at: u && e.action === 'user.updated' ? u.created_at : e.at, password: a.password ?? null });
    } else if (u && e.action === 'user.role-changed') rows.set(e.entity_id, { ...u, role: a.role ?? null });
    else if (u) rows.set(e.entity_id, { ...u, disabled: e.action === 'user.disabled' ? 1 : 0 });
  },
});

// ------------------------------------------------------------------ API tokens (owner, role, expiry, revoked; the secret never)

registerProjection({
  table: 'api_tokens',
  key: ['id'],
  columns: ['id', 'name', 'role', 'created_at', 'created_by', 'expires_at', 'revoked', 'token'],
  select: ['id', 'name', 'role', 'created_at', 'created_by', 'expires_at', 'revoked', 'token_hash'],
  fromStored: (r) => ({ id: r.id, name: r.name, role: r.role, created_at: r.created_at, created_by: r.created_by, expires_at: r.expires_at ?? null, revoked: flag(r.revoked), token: hashMarker(String(r.token_hash)) }),
  actions: ['token.created', 'token.revoked', BASELINE],
  mode: 'check',
  scope: own,
  apply(rows, e) {
    if (baseline(rows, e, 'api_tokens')) return;
    const a = after(e) ?? {};
    if (e.action === 'token.created') rows.set(e.entity_id, { id: e.entity_id, name: a.name ?? null, role: a.role ?? null, created_at: e.at, created_by: e.actor, expires_at: a.expiresAt ?? null, revoked: 0, token: a.token ?? null });
    else {
      const t = rows.get(e.entity_id);
      if (t) rows.set(e.entity_id, { ...t, revoked: 1 });
    }
  },
});

// ------------------------------------------------------------------ risk-entry decisions (intake state)

/**
 * The risk entry's columns a decision determines: status, tier, likelihood, impact, score,
 * treatment, owner, review date, impact assessment, suppression expiry, and `decision` — the
 * decision record kept in the entry's JSON (the approval or decline with its conditions, expiry,
 * block list and rationale; suppression and false-positive marks with who and why; who triaged
 * and who requested intake). A scan sets the first values (`risk.created`) and moves the status
 * (`risk.reopened`); intake actions (`risk.<action>`) set them all; an impact assessment recorded
 * by governance completes it. Left outside, because the scanner computes them from evidence: title,
 * item, service, vendor, category, evidence summary, subjects, seen times, references and the
 * computed reasons. The readers take these fields from the JSON, so a copy in the JSON that
 * disagrees with its column is a difference too.
 */
export const RISK_DECISION_FIELDS = ['decision', 'falsePositive', 'suppressionReason', 'suppressedBy', 'triagedBy', 'triagedAt', 'intakeRequestedBy', 'intakeRequestedAt'] as const;

/** The decision record of a risk entry (what `decision` holds). */
export function riskDecision(e: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of RISK_DECISION_FIELDS) if (e[f] !== undefined && e[f] !== null) out[f] = e[f];
  return out;
}

const RISK_COLUMN_FIELDS: Array<[string, string]> = [
  ['tier', 'tier'],
  ['likelihood', 'likelihood'],
  ['impact', 'impact'],
  ['inherent_score', 'inherentScore'],
  ['treatment', 'treatment'],
  ['owner', 'owner'],
  ['review_date', 'reviewDate'],
  ['impact_assessment', 'impactAssessment'],
  ['suppressed_until', 'suppressedUntil'],
];

registerProjection({
  table: 'risk_entries',
  key: ['id'],
  columns: ['id', 'status', ...RISK_COLUMN_FIELDS.map(([c]) => c), 'decision'],
  select: ['id', 'status', ...RISK_COLUMN_FIELDS.map(([c]) => c), 'data'],
  fromStored(r) {
    const d = dataOf(r);
    const out: ProjRow = { id: r.id, status: r.status };
    for (const [c, f] of RISK_COLUMN_FIELDS) {
      const col = r[c] ?? null;
      const json = d[f] ?? null;
      // the readers take the field from the JSON: a JSON copy that disagrees is named with the column
      out[c] = col === null ? (json === null ? null : `NULL (data.${f}: ${JSON.stringify(json)})`) : String(col) === String(json) || json === null ? col : `${col} (data.${f}: ${JSON.stringify(json)})`;
    }
    out.decision = canonical(riskDecision(d));
    return out;
  },
  json: ['decision'],
  actions: ['risk.*', 'governance.impact-assessed', BASELINE],
  mode: 'check',
  scope: own,
  apply(rows, e) {
    if (baseline(rows, e, 'risk_entries')) return;
    const a = after(e);
    if (!a || typeof a !== 'object') return;
    const r = rows.get(e.entity_id);
    if (e.action === 'governance.impact-assessed') {
      if (r && a.impactAssessment) rows.set(e.entity_id, { ...r, impact_assessment: 'completed' });
      return;
    }
    if (e.action === 'risk.created') {
      rows.set(e.entity_id, { id: e.entity_id, status: a.status ?? null, tier: a.tier ?? null, likelihood: a.likelihood ?? null, impact: a.impact ?? null, inherent_score: a.score ?? null, treatment: a.treatment ?? null, owner: null, review_date: a.reviewDate ?? null, impact_assessment: a.impactAssessment ?? null, suppressed_until: null, decision: '{}' });
      return;
    }
    if (!r) return;
    if (e.action === 'risk.reopened') {
      if (a.status) rows.set(e.entity_id, { ...r, status: a.status });
      return;
    }
    // an intake action: the entry's decision state after it
    if (!('status' in a) || !('tier' in a)) return;
    rows.set(e.entity_id, {
      id: e.entity_id, status: a.status, tier: a.tier, likelihood: a.likelihood ?? null, impact: a.impact ?? null, inherent_score: a.score ?? null, treatment: a.treatment ?? null, owner: a.owner ?? null,
      review_date: a.reviewDate ?? null, impact_assessment: a.impactAssessment ?? null, suppressed_until: a.suppressedUntil ?? null, decision: canonical(a.record ?? {}),
    });
  },
});

// ------------------------------------------------------------------ governance records and settings

/** What the log determines of a governance record: all of it but derived threats, the item id and the write time. */
export function governanceDecision(rec: Record<string, any>): Record<string, unknown> {
  const { updatedAt: _u, itemId: _i, riskEntryId: _r, threats, threatsSource, ...rest } = rec;
  return threatsSource === 'override' ? { ...rest, threatsSource, threats } : rest;
}

function governanceRow(id: string, rec: Record<string, any>): ProjRow {
  return {
    risk_entry_id: id,
    residual_score: rec.treatment?.residualScore ?? null,
    escalation_level: rec.escalation?.level ?? 0,
    paused_until: rec.pause && !rec.pause.ended ? rec.pause.until : null,
    review_due: rec.review?.due ?? null,
    record: canonical(governanceDecision(rec)),
  };
}

/** A record holding only derived stages and threats is not a decision (a scan's sync writes it without an entry). */
function derivedOnly(row: ProjRow): boolean {
  return row.record === '{}' && row.residual_score === null && Number(row.escalation_level) === 0 && row.paused_until === null && row.review_due === null;
}

registerProjection({
  table: 'governance_entries',
  key: ['risk_entry_id'],
  columns: ['risk_entry_id', 'residual_score', 'escalation_level', 'paused_until', 'review_due', 'record'],
  select: ['risk_entry_id', 'residual_score', 'escalation_level', 'paused_until', 'review_due', 'data'],
  fromStored(r) {
    const d = dataOf(r);
    const row: ProjRow = { risk_entry_id: r.risk_entry_id, residual_score: r.residual_score ?? null, escalation_level: Number(r.escalation_level ?? 0), paused_until: r.paused_until ?? null, review_due: r.review_due ?? null, record: canonical(governanceDecision(d)) };
    return derivedOnly(row) ? undefined : row;
  },
  json: ['record'],
  actions: ['governance.*', BASELINE],
  mode: 'check',
  scope: (e) => (e.entity_type === 'risk' || e.action === BASELINE ? [e.entity_id] : []),
  apply(rows, e) {
    if (baseline(rows, e, 'governance_entries')) return;
    if (e.entity_type !== 'risk') return;
    const a = after(e);
    if (!a || typeof a !== 'object' || a.riskEntryId !== e.entity_id) return;
    const row = governanceRow(e.entity_id, a);
    // back to derived only (threats reset to the evidence, nothing decided): not a row the log determines
    if (derivedOnly(row)) rows.delete(e.entity_id);
    else rows.set(e.entity_id, row);
  },
});

registerProjection({
  table: 'governance_settings',
  key: ['key'],
  columns: ['key', 'value', 'updated_by', 'updated_at'],
  json: ['value'],
  actions: ['governance.settings-changed', BASELINE],
  mode: 'check',
  scope: (e) => [e.action === BASELINE ? e.entity_id : 'settings'],
  apply(rows, e) {
    if (baseline(rows, e, 'governance_settings')) return;
    const a = after(e);
    if (a === undefined) return;
    rows.set('settings', { key: 'settings', value: canonical(a), updated_by: e.actor, updated_at: e.at });
  },
});
