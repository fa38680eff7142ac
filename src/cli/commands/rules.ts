/** `shadowscan rules list | test`: the AI service rules. */
import { Option, type Command } from 'commander';
import { RulesError } from '../../core/errors.js';
import { ruleIndex } from '../../index.js';
import { registerRulesCompileCommand } from '../../pushdown/cli.js';
import { collectRepeat, type Io } from '../io.js';

export function rulesCommands(program: Command, io: Io, state: { code: number }): void {
  void state;
  // ------------------------------------------------------------------ rules
  const rules = program.command('rules').description('The AI service rules catalog.');
  registerRulesCompileCommand(rules, { ruleIndex, out: io.out, err: io.err });
  rules
    .command('list')
    .description('List the AI services the rules know.')
    .option('--rules <dir>', 'extra rule folder (repeatable)', collectRepeat)
    .addOption(new Option('--format <format>', 'output').choices(['table', 'json']).default('table'))
    .action(async (o) => {
      const { index } = ruleIndex(o.rules ?? []);
      if (o.format === 'json') {
        io.out(JSON.stringify(index.services.map((s) => ({ id: s.id, name: s.name, vendor: s.vendor, category: s.category, status: s.status })), null, 2) + '\n');
        return;
      }
      for (const s of index.services) {
        const m = s.match;
        const n = m.domains.length + m.apiBaseUrls.length + Object.values(m.packages).flat().length + m.envVars.length + m.credentials.length;
        io.out(`${s.id.padEnd(28)}${s.category.padEnd(22)}${s.name.slice(0, 40).padEnd(41)}${n} rules\n`);
      }
      io.out(`${index.services.length} services\n`);
    });
  rules
    .command('test')
    .description('Check every rule file: schema, credential examples and counter-examples, domain overlaps.')
    .option('--rules <dir>', 'extra rule folder (repeatable)', collectRepeat)
    .action(async (o) => {
      const { testRules } = await import('./rules-test.js');
      let res;
      try {
        res = testRules(o.rules ?? []);
      } catch (e) {
        // a rule file that does not load (schema, YAML, file name) is a problem the test found
        if (!(e instanceof RulesError)) throw e;
        const problems = e.message.split('\n');
        for (const p of problems) io.err(`${p}\n`);
        io.out(`rules could not be loaded — ${problems.length} problem(s)\n`);
        state.code = 1;
        return;
      }
      for (const p of res.problems) io.err(`${p}\n`);
      io.out(`${res.services} services, ${res.patterns} credential patterns, ${res.examples} examples checked, ${res.domains} domain rules — ${res.problems.length ? `${res.problems.length} problem(s)` : 'all good'}\n`);
      if (res.problems.length) state.code = 1;
    });
}
