/** `shadowscan register list | show | export`: the risk register. */
import { Option, type Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { DB_HELP, Register } from '../../index.js';
import { registerCsv } from '../../report/csv.js';
import { safeText } from '../../report/table.js';
import { collectRepeat, writeOut, type Io } from '../io.js';

export function registerCommands(program: Command, io: Io, state: { code: number }): void {
  void state;
  // ------------------------------------------------------------------ register
  const reg = program.command('register').description('Read the AI risk register.');
  reg
    .command('list')
    .description('List inventory items (default: the intake queue — everything not sanctioned).')
    .option('--db <spec>', DB_HELP)
    .option('--status <status>', 'filter by item status (repeatable); "all" for every status', collectRepeat)
    .option('--all', 'include gone items')
    .addOption(new Option('--format <format>', 'output').choices(['table', 'json', 'csv']).default('table'))
    .action(async (o) => {
      const r = await Register.open(o.db, { readonly: true });
      try {
        const status = o.status?.includes('all') ? undefined : o.status ?? ['unsanctioned', 'out-of-scope', 'approval-expired', 'declined-but-in-use'];
        const { rows: items } = await r.queryItems({ status, state: o.all ? 'all' : 'active', sort: 'tier' });
        if (o.format === 'json') io.out(JSON.stringify(items, null, 2) + '\n');
        else if (o.format === 'csv') io.out(registerCsv((await r.listRisks()).filter((x) => items.some((i) => i.id === x.itemId)), new Map(items.map((i) => [i.id, i]))));
        else {
          io.out(`${'ENTRY'.padEnd(10)}${'STATUS'.padEnd(21)}${'RISK STATUS'.padEnd(16)}${'TIER'.padEnd(5)}${'ITEM'.padEnd(44)}SUBJECTS\n`);
          for (const i of items) io.out(`${(i.riskEntryId ?? '-').padEnd(10)}${i.status.padEnd(21)}${(i.riskStatus ?? '-').padEnd(16)}${String(i.tier ?? '-').padEnd(5)}${safeText(i.name).slice(0, 43).padEnd(44)}${i.subjectCount}\n`);
          io.out(`${items.length} item(s)\n`);
        }
      } finally {
        await r.close();
      }
    });
  reg
    .command('show <id>')
    .description('Show an item or risk entry (AIR-0001 or an item id) with its evidence and history.')
    .option('--db <spec>', DB_HELP)
    .addOption(new Option('--format <format>', 'output').choices(['text', 'json']).default('text'))
    .action(async (id: string, o) => {
      const r = await Register.open(o.db, { readonly: true });
      try {
        const risk = await r.getRisk(id);
        const got = await r.getItem(risk?.itemId ?? id);
        if (!got) throw new UsageError(`no item or risk entry "${id}" in ${r.location}`);
        if (o.format === 'json') {
          io.out(JSON.stringify(got, null, 2) + '\n');
          return;
        }
        const it = got.item;
        io.out(`${safeText(it.name)} [${it.id}]\n  service ${it.service} (${safeText(it.vendor)}, ${it.category}) — ${it.status}: ${safeText(it.statusReason)}\n`);
        io.out(`  first detected ${it.firstDetectedAt}, last ${it.lastDetectedAt}; ${it.findingCount} findings, ${it.subjectCount} subjects, sources ${it.sources.join(', ')}\n`);
        if (got.risk) {
          const k = got.risk;
          io.out(`\nRisk entry ${k.id} — ${k.status}\n  ${safeText(k.title)}\n  tier ${k.tier} (${k.tierReason}); likelihood ${k.likelihood} (${k.likelihoodReason}); impact ${k.impact} (${k.impactReason}); score ${k.inherentScore} ${k.band}\n  treatment ${k.treatment}: ${k.treatmentReason}\n  owner ${k.owner ?? '(unassigned)'}; review by ${k.reviewDate ?? '-'}; impact assessment ${k.impactAssessment}\n`);
          io.out(`  references: ${k.references.map((x) => `${x.id} ${x.title}`).join('; ')}\n`);
        }
        io.out('\nEvidence\n');
        for (const f of got.findings) io.out(`  ${f.source.padEnd(8)}${f.signal.padEnd(11)}${safeText(f.subject.kind + ':' + (f.subject.name ?? f.subject.id)).slice(0, 40).padEnd(41)}${safeText(f.locator)}  ${f.kind} ${safeText(f.value)}${f.count && f.count > 1 ? ` ×${f.count}` : ''}${got.findingStates[f.id]?.state === 'gone' ? ' (gone)' : ''}\n`);
        io.out('\nHistory\n');
        for (const h of got.history) io.out(`  #${h.seq} ${h.at} ${safeText(h.actor)} ${h.action}${h.rationale ? ': ' + safeText(h.rationale) : ''}\n`);
      } finally {
        await r.close();
      }
    });
  reg
    .command('export')
    .description('Export the whole risk register (CSV for auditors, or JSON).')
    .option('--db <spec>', DB_HELP)
    .addOption(new Option('--format <format>', 'output').choices(['csv', 'json']).default('csv'))
    .option('--output <file>', 'write to FILE')
    .action(async (o) => {
      const r = await Register.open(o.db, { readonly: true });
      try {
        const risks = await r.listRisks();
        const { rows: items } = await r.queryItems({ state: 'all', sort: 'name' });
        const text = o.format === 'json' ? JSON.stringify({ items, risks }, null, 2) + '\n' : registerCsv(risks, new Map(items.map((i) => [i.id, i])));
        writeOut(io, o.output, text);
      } finally {
        await r.close();
      }
    });
}
