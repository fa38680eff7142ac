/**
 * The governance tables' statements (migrations 500–599), for both backends: per-entry governance
 * records (lifecycle / STRIDE, treatment and residual risk, pause, escalation, review, impact
 * assessment) and the register's governance settings.
 */
import type { GovernanceFilter, GovernanceRecord } from '../../governance/record.js';
import { chunks, likeContains, marks, type Conn, type Dialect, type Row } from './conn.js';

const list = (xs: string[]) => (xs.length ? `,${xs.join(',')},` : '');

function toRecord(r: Row): GovernanceRecord {
  return JSON.parse(r.data) as GovernanceRecord;
}

const PUT_COLS = ['risk_entry_id', 'item_id', 'stages', 'threats', 'overridden', 'residual_score', 'escalation_level', 'paused_until', 'review_due', 'updated_at', 'data'];

/** A record's columns (the filterable ones and the whole record as JSON), in PUT_COLS order. */
function row(g: GovernanceRecord): unknown[] {
  const stages = [...new Set(g.threats.map((t) => t.stage))];
  const threats = [...new Set(g.threats.map((t) => t.threat))];
  const paused = g.pause && !g.pause.ended ? g.pause.until : null;
  return [g.riskEntryId, g.itemId, list(stages), list(threats), g.threatsSource === 'override' ? 1 : 0, g.treatment?.residualScore ?? null, g.escalation?.level ?? 0, paused, g.review?.due ?? null, g.updatedAt, JSON.stringify(g)];
}

export class GovernanceOps {
  constructor(
    private readonly c: Conn,
    private readonly d: Dialect,
  ) {}

  async get(riskEntryId: string): Promise<GovernanceRecord | undefined> {
    const r = await this.c.get('SELECT data FROM governance_entries WHERE risk_entry_id = ?', [riskEntryId]);
    return r ? toRecord(r) : undefined;
  }

  async put(g: GovernanceRecord): Promise<void> {
    await this.putMany([g]);
  }

  /** Several records, written with multi-row upserts (the scan commit stores derived threats this way). */
  async putMany(gs: readonly GovernanceRecord[]): Promise<void> {
    if (!gs.length) return;
    const per = Math.max(1, Math.min(this.d.maxRowsPerInsert, Math.floor(this.d.maxParams / PUT_COLS.length)));
    const sql = (n: number) =>
      `INSERT INTO governance_entries (${PUT_COLS.join(', ')}) VALUES ${Array.from({ length: n }, () => `(${marks(PUT_COLS.length)})`).join(', ')}
       ON CONFLICT (risk_entry_id) DO UPDATE SET item_id = excluded.item_id, stages = excluded.stages, threats = excluded.threats, overridden = excluded.overridden,
         residual_score = excluded.residual_score, escalation_level = excluded.escalation_level, paused_until = excluded.paused_until, review_due = excluded.review_due,
         updated_at = excluded.updated_at, data = excluded.data`;
    for (const chunk of chunks(gs, per)) await this.c.run(sql(chunk.length), chunk.flatMap(row));
  }

  /** The records of these entries, by risk entry id (absent ones are not in the map). */
  async getMany(riskEntryIds: readonly string[]): Promise<Map<string, GovernanceRecord>> {
    const out = new Map<string, GovernanceRecord>();
    for (const chunk of chunks(riskEntryIds, Math.min(5000, this.d.maxParams))) {
      const l = this.d.inList('risk_entry_id', chunk.length);
      for (const r of await this.c.all(`SELECT data FROM governance_entries WHERE ${l.sql}`, l.params(chunk))) {
        const g = toRecord(r);
        out.set(g.riskEntryId, g);
      }
    }
    return out;
  }

  /** Governance records matching a filter (stage, threat, active pause). */
  async list(f: GovernanceFilter = {}): Promise<GovernanceRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.stage) (where.push(`stages LIKE ? ESCAPE '\\'`), params.push(likeContains(`,${f.stage},`)));
    if (f.threat) (where.push(`threats LIKE ? ESCAPE '\\'`), params.push(likeContains(`,${f.threat},`)));
    if (f.escalated) where.push('escalation_level > 0');
    if (f.reviewDueBy) (where.push('review_due IS NOT NULL AND review_due <= ?'), params.push(f.reviewDueBy));
    if (f.pausedAt) (where.push('paused_until IS NOT NULL AND paused_until >= ?'), params.push(f.pausedAt));
    const rows = await this.c.all(`SELECT data FROM governance_entries ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY risk_entry_id`, params);
    return rows.map(toRecord);
  }

  async getSettings(): Promise<unknown | undefined> {
    const r = await this.c.get(`SELECT value FROM governance_settings WHERE key = 'settings'`);
    return r ? JSON.parse(r.value) : undefined;
  }

  async putSettings(value: unknown, by: string, at: string): Promise<void> {
    await this.c.run(
      `INSERT INTO governance_settings (key, value, updated_by, updated_at) VALUES ('settings', ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      [JSON.stringify(value), by, at],
    );
  }

  get dialect(): Dialect['name'] {
    return this.d.name;
  }
}
