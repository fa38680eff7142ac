/**
 * `shadowscan db migrate --from sqlite:FILE --to postgres://…`: moves a register to another
 * backend with its audit chain, then verifies the copy (row counts per table, `audit verify`).
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { migrateRegister } from '../../index.js';
import type { Io } from '../main.js';

export function dbCommand(program: Command, io: Io, state: { code: number }): void {
  const db = program.command('db').description('The register database.');
  db.command('migrate')
    .description('Copy a register (every table, the audit chain with its hashes) into an empty register of another backend, and verify the copy.')
    .requiredOption('--from <spec>', 'source register: FILE, sqlite:FILE or postgres://…')
    .requiredOption('--to <spec>', 'target register (empty): postgres://… or sqlite:FILE')
    .action(async (o: { from: string; to: string }) => {
      if (o.from === o.to) throw new UsageError('--from and --to name the same register');
      const r = await migrateRegister(o.from, o.to);
      io.out(`${'TABLE'.padEnd(22)}${'SOURCE'.padStart(10)}${'COPIED'.padStart(10)}\n`);
      for (const t of r.tables) io.out(`${t.table.padEnd(22)}${String(t.source).padStart(10)}${String(t.copied).padStart(10)}${t.source === t.copied ? '' : '  MISMATCH'}\n`);
      const mismatch = r.tables.filter((t) => t.source !== t.copied);
      io.out(`audit chain on the copy: ${r.audit.ok ? 'intact' : 'BROKEN'} — ${r.audit.records} records, head ${r.audit.head}${r.audit.head === r.audit.sourceHead ? ' (same as the source)' : ` (source head ${r.audit.sourceHead})`}\n`);
      if (mismatch.length || !r.audit.ok) {
        io.err(`shadowscan: the copy in ${r.to} does not match ${r.from}${mismatch.length ? `: ${mismatch.map((t) => t.table).join(', ')}` : ''}\n`);
        state.code = 1;
        return;
      }
      io.out(`register copied from ${r.from} to ${r.to}\n`);
    });
}
