/**
 * Upgrading a register to decision tables that are projections of the log: rows written before
 * (users, tokens, risk entries, governance records and settings) have no entry that explains them.
 * Migration 800 marks each such table that holds rows; the first writable open records one
 * `ledger.baseline` entry per existing row — the row as it stood, in its projected form (a
 * password or token hash only as a fingerprint) — in one transaction per table, and the mark goes.
 * From then on `audit verify` replays the baseline and every later decision, so an upgraded
 * register verifies, and an edit made after the upgrade is caught like any other.
 */
import { fromStored, projections, rowKey, storedColumns } from './projections.js';
import type { RegisterStore } from './store.js';

export const BASELINE_ACTOR = 'system:ledger';

/** Records the baseline of every pending table; returns the entries written. */
export async function baselinePending(store: RegisterStore): Promise<number> {
  let n = 0;
  for (const table of await store.pendingBaselines()) {
    const p = projections().find((x) => x.table === table);
    n += await store.transaction(async (tx) => {
      if (!(await tx.pendingBaselines()).includes(table)) return 0; // another process did it meanwhile
      let written = 0;
      if (p) {
        const rows = fromStored(p, await tx.projectionRows(p.table, storedColumns(p))).sort((a, b) => (rowKey(p, a) < rowKey(p, b) ? -1 : 1));
        const at = new Date().toISOString();
        for (const r of rows) {
          await tx.appendAudit({ at, actor: BASELINE_ACTOR, action: 'ledger.baseline', entityType: p.table, entityId: rowKey(p, r), after: r, rationale: `upgrade: ${p.table} row as it stood before the decision log determined the table` });
          written++;
        }
      }
      await tx.baselineDone(table);
      return written;
    });
  }
  return n;
}
