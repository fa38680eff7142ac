/**
 * The governance tables' statements (migrations 500–599), for both backends: per-entry governance
 * records (lifecycle / STRIDE, treatment and residual risk, pause, escalation, review, impact
 * assessment) and the register's governance settings.
 */
import type { GovernanceFilter, GovernanceRecord } from '../../governance/record.js';
import { likeContains, type Conn, type Dialect, type Row } from './conn.js';

const list = (xs: string[]) => (xs.length ? `,${xs.join(',')},` : '');

function toRecord(r: Row): GovernanceRecord {
  return JSON.parse(r.data) as GovernanceRecord;
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
    const stages = [...new Set(g.threats.map((t) => t.stage))];
    const threats = [...new Set(g.threats.map((t) => t.threat))];
    const paused = g.pause && !g.pause.ended ? g.pause.until : null;
    await this.c.run(
      `INSERT INTO governance_entries (risk_entry_id, item_id, stages, threats, overridden, residual_score, escalation_level, paused_until, review_due, updated_at, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (risk_entry_id) DO UPDATE SET item_id = excluded.item_id, stages = excluded.stages, threats = excluded.threats, overridden = excluded.overridden,
         residual_score = excluded.residual_score, escalation_level = excluded.escalation_level, paused_until = excluded.paused_until, review_due = excluded.review_due,
         updated_at = excluded.updated_at, data = excluded.data`,
      [g.riskEntryId, g.itemId, list(stages), list(threats), g.threatsSource === 'override' ? 1 : 0, g.treatment?.residualScore ?? null, g.escalation?.level ?? 0, paused, g.review?.due ?? null, g.updatedAt, JSON.stringify(g)],
    );
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
