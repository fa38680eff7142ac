/**
 * The web's item page reads, for both backends, in three statements (was ten: item, findings,
 * risk entry, history, the risk entry again, settings, governance record, policy …):
 *
 * 1. the item row (by its id, or by its risk entry's id), its risk entry, the entry's governance
 *    record and the register generation, in one statement and one snapshot;
 * 2. its findings and 3. its history (audit records of the item and its risk entry), sent together
 *    (on PostgreSQL outside a transaction: two pooled connections, one round trip of wall time).
 *
 * What the page needs beyond the item (governance settings, policy) the caller caches per register
 * generation (src/web/routes/pages.ts).
 */
import type { GovernanceRecord } from '../../governance/record.js';
import type { ItemPageData, RiskEntry } from '../store.js';
import type { Conn } from './conn.js';
import { auditRow, findingOf, toItemRow } from './ops.js';
import { hasGeneration, ITEM_SUMMARY_SELECT } from './query-ops.js';

const itemSql = (withGen: boolean) => `SELECT ${ITEM_SUMMARY_SELECT}, i.data, r.data AS risk_data, g.data AS gov_data${withGen ? ', (SELECT n FROM register_generation WHERE id = 1) AS gen_n' : ''}
FROM items i LEFT JOIN risk_entries r ON r.item_id = i.id LEFT JOIN governance_entries g ON g.risk_entry_id = r.id
WHERE i.id IN (?, (SELECT item_id FROM risk_entries WHERE id = ?)) ORDER BY CASE WHEN i.id = ? THEN 0 ELSE 1 END LIMIT 1`;

const FINDINGS_SQL = 'SELECT * FROM findings WHERE item_id = ? ORDER BY source, locator';
const HISTORY_SQL = "SELECT * FROM audit_log WHERE (entity_type = 'item' AND entity_id = ?) OR (entity_type = 'risk' AND entity_id = ?) ORDER BY seq";

/** An item for its page, by its id or (when no item has that id) its risk entry's id. */
export async function itemPage(c: Conn, idOrRisk: string): Promise<ItemPageData | undefined> {
  const withGen = await hasGeneration(c);
  const row = await c.get(itemSql(withGen), [idOrRisk, idOrRisk, idOrRisk]);
  if (!row) return undefined;
  const id = row.id as string;
  let risk: RiskEntry | undefined;
  if (row.risk_data !== null && row.risk_data !== undefined) {
    risk = JSON.parse(row.risk_data) as RiskEntry;
    risk.status = row.risk_status; // the column is authoritative
  }
  const [frows, hrows] = await Promise.all([c.all(FINDINGS_SQL, [id]), c.all(HISTORY_SQL, [id, risk?.id ?? ''])]);
  return {
    item: toItemRow(row),
    findings: frows.map(findingOf),
    findingStates: Object.fromEntries(frows.map((r) => [r.id, { state: r.state, status: r.status, statusReason: r.status_reason, firstDetectedAt: r.first_detected_at, lastDetectedAt: r.last_detected_at }])),
    risk,
    history: hrows.map(auditRow),
    governance: risk && row.gov_data !== null && row.gov_data !== undefined ? (JSON.parse(row.gov_data) as GovernanceRecord) : undefined,
    generation: withGen ? Number(row.gen_n) : undefined,
  };
}
