/** `shadowscan catalog validate|import|versions`: the sanctioned catalog and the catalog of record. */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { DB_HELP, loadCatalog, Register, ruleIndex } from '../../index.js';
import { currentCatalog, describeDiff, importCatalog } from '../../catalog/record.js';
import { resolveCliActor } from '../../intake/policy.js';
import { collectRepeat, type Io } from '../io.js';

export function catalogCommands(program: Command, io: Io, state: { code: number }): void {
  void state;
  // ------------------------------------------------------------------ catalog
  const cat = program.command('catalog').description('The sanctioned AI catalog.');
  cat
    .command('validate <file>')
    .description('Validate a catalog file; errors name the file, the path inside it and what was expected.')
    .option('--rules <dir>', 'extra rule folder (repeatable)', collectRepeat)
    .action(async (file: string, o) => {
      const { index } = ruleIndex(o.rules ?? []);
      const c = loadCatalog(file, new Set(index.services.map((s) => s.id)));
      io.out(`${file}: valid — ${c.approved.length} approved, ${c.declined.length} declined\n`);
    });

  cat
    .command('import <file>')
    .description('Record the catalog file as the catalog of record (a new version in the decision log: who, when, diff); scans without --catalog, serve and blocklist use it.')
    .option('--db <spec>', DB_HELP)
    .option('--rules <dir>', 'extra rule folder (repeatable)', collectRepeat)
    .option('--actor <name>', 'who imports: a web account allowed to decide, or local-admin', 'local-admin')
    .action(async (file: string, o) => {
      const { index } = ruleIndex(o.rules ?? []);
      const c = loadCatalog(file, new Set(index.services.map((s) => s.id)), index);
      const r = await Register.open(o.db);
      try {
        const actor = await resolveCliActor(r, o.actor, 'decide');
        const x = await importCatalog(r, c, { actor, source: file });
        if (!x.changed) io.out(`${file}: unchanged — the catalog of record is already version ${x.version} (sha256 ${x.sha256.slice(0, 16)}…)\n`);
        else io.out(`${file}: catalog of record version ${x.version}${x.previous ? ` (was ${x.previous})` : ''}: ${describeDiff(x.diff)}\n`);
      } finally {
        await r.close();
      }
    });

  cat
    .command('current')
    .description('Show the catalog of record: version, who imported it, when, and what changed.')
    .option('--db <spec>', DB_HELP)
    .action(async (o) => {
      const r = await Register.open(o.db, { readonly: true });
      try {
        const c = await currentCatalog(r);
        if (!c) throw new UsageError(`no catalog of record in ${r.location}: import one with \`shadowscan catalog import FILE\``);
        io.out(`catalog of record version ${c.version}: ${c.catalog.approved.length} approved, ${c.catalog.declined.length} declined; imported by ${c.importedBy} at ${c.importedAt}${c.source ? ` from ${c.source}` : ''}; ${describeDiff(c.diff)}\n`);
      } finally {
        await r.close();
      }
    });
}
