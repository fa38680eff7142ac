/**
 * Moving a register between backends (`shadowscan db migrate --from sqlite:FILE --to postgres://…`):
 * every table is copied as it is — the audit chain's records with their hashes — into an empty
 * target, then the copy is checked: row counts per table equal, and the audit chain verifies with
 * the same head as the source's.
 */
import { RegisterError } from '../core/errors.js';
import { openRegister } from './register.js';
import type { RegisterStore } from './store.js';

export interface MigrateResult {
  from: string;
  to: string;
  tables: Array<{ table: string; source: number; copied: number }>;
  audit: { ok: boolean; records: number; head: string; sourceHead: string };
}

export async function copyRegister(src: RegisterStore, dst: RegisterStore, opts: { batch?: number; onTable?: (table: string, rows: number) => void } = {}): Promise<MigrateResult> {
  const sv = await src.schemaVersion();
  const dv = await dst.schemaVersion();
  if (sv !== dv) throw new RegisterError(`schema versions differ: ${src.location} is at ${sv}, ${dst.location} at ${dv} — open the source with this version of shadowscan first (it upgrades in place)`);
  for (const t of dst.tables()) {
    const n = await dst.countRows(t);
    if (n > 0) throw new RegisterError(`${dst.location}: table ${t} already holds ${n} row(s) — db migrate copies into an empty register only`);
  }
  const tables: MigrateResult['tables'] = [];
  const sources: Record<string, number> = {};
  for (const t of src.tables()) sources[t] = await src.countRows(t);
  // every table in one transaction through the target's bulk path: a failed copy leaves the target empty
  const batch = opts.batch ?? 5000;
  async function* dumps() {
    for (const t of src.tables()) yield* src.dumpTable(t, batch);
  }
  await dst.loadTables(dumps());
  for (const t of src.tables()) {
    const copied = await dst.countRows(t);
    tables.push({ table: t, source: sources[t], copied });
    opts.onTable?.(t, copied);
  }
  await dst.analyze();
  const before = await src.verifyAudit();
  const after = await dst.verifyAudit();
  return { from: src.location, to: dst.location, tables, audit: { ok: after.ok && after.head === before.head && after.records === before.records, records: after.records, head: after.head, sourceHead: before.head } };
}

/** Opens both registers (the target is created / migrated to the current schema) and copies. */
export async function migrateRegister(from: string, to: string, opts: { batch?: number; onTable?: (table: string, rows: number) => void } = {}): Promise<MigrateResult> {
  const src = await openRegister(from);
  try {
    const dst = await openRegister(to);
    try {
      return await copyRegister(src, dst, opts);
    } finally {
      await dst.close();
    }
  } finally {
    await src.close();
  }
}
