/** `shadowscan catalog validate`: the sanctioned catalog file. */
import type { Command } from 'commander';
import { loadCatalog, ruleIndex } from '../../index.js';
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
}
