/** `shadowscan audit verify`: the tamper-evident audit log. */
import type { Command } from 'commander';
import { DB_HELP, Register } from '../../index.js';
import type { Io } from '../io.js';

export function auditCommands(program: Command, io: Io, state: { code: number }): void {
  void state;
  // ------------------------------------------------------------------ audit
  program
    .command('audit')
    .description('The tamper-evident audit log.')
    .command('verify')
    .description('Verify the hash chain: reports any edited, inserted or deleted record.')
    .option('--db <spec>', DB_HELP)
    .action(async (o) => {
      const r = await Register.open(o.db, { readonly: true });
      try {
        const v = await r.verifyAudit();
        if (v.ok) io.out(`audit log intact: ${v.records} records, head ${v.head}\n`);
        else {
          for (const p of v.problems) io.out(`record #${p.seq}: ${p.problem}\n`);
          io.out(`audit log TAMPERED: ${v.problems.length} problem(s) in ${v.records} records\n`);
          state.code = 1;
        }
      } finally {
        await r.close();
      }
    });
}
