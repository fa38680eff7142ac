/**
 * The CLI: a thin shell over the library. Exit 0 on success, 1 when --fail-on matches,
 * 2 on a usage / configuration error (printed in one line).
 */
import { Command, CommanderError, Option } from 'commander';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { isKnownError, RulesError, UsageError } from '../core/errors.js';
import { scanners } from '../../scanners/index.js';
import type { ScannerRun } from '../collect/run.js';
import { loadConfig, FAIL_ON, type Config } from '../config.js';
import { runScan, VERSION, type ScanReport } from '../pipeline.js';
import { render, FORMATS, type Format } from '../report/index.js';
import { DB_HELP, dbSpec, Register } from '../register/register.js';
import { registerCsv } from '../report/csv.js';
import { ruleIndex } from '../rules/load.js';
import { loadCatalog } from '../catalog/catalog.js';
import { safeText } from '../report/table.js';
import { Progress } from './progress.js';
import { extensions } from './extensions.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  isTTY: !!process.stderr.isTTY,
};

const collectRepeat = (v: string, prev: string[] = []) => [...prev, v];

/** Exit code for --fail-on. */
export function failOnMatches(report: ScanReport, failOn: string[]): string | undefined {
  for (const f of failOn) {
    if (f === 'unsanctioned') {
      const n = report.items.filter((i) => i.status === 'unsanctioned' || i.status === 'declined-but-in-use').length;
      if (n) return `${n} unsanctioned item(s)`;
    } else if (f === 'declined-in-use') {
      const n = report.items.filter((i) => i.status === 'declined-but-in-use').length;
      if (n) return `${n} declined-but-in-use item(s)`;
    } else if (f === 'new') {
      if (report.summary.items.new) return `${report.summary.items.new} new item(s)`;
    }
  }
  return undefined;
}

function writeOut(io: Io, output: string | undefined, text: string): void {
  if (output && output !== '-') {
    try {
      writeFileSync(output, text);
    } catch (e) {
      throw new UsageError(`${output}: cannot write the output: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else io.out(text);
}

/** Fails before a scan (not after it) when --output cannot be written: its folder must exist. */
export function checkOutputPath(output: string | undefined): void {
  if (!output || output === '-') return;
  const dir = dirname(resolvePath(output));
  if (!existsSync(dir)) throw new UsageError(`${output}: cannot write the output: folder ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`${output}: cannot write the output: ${dir} is not a folder`);
  if (existsSync(output) && statSync(output).isDirectory()) throw new UsageError(`${output}: cannot write the output: it is a folder (expected a file name)`);
}

/** Commander's own messages ("error: unknown option '--x'\n(Did you mean --y?)") as one line. */
export function oneLineUsage(message: string): string {
  const text = message
    .trim()
    .replace(/^error:\s*/, '')
    .replace(/\s*\n\s*\(Did you mean (.*)\?\)/, ' (did you mean $1?)')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\.$/, '');
  return `shadowscan: ${text} — run with --help for usage\n`;
}

/** A run in which units failed and not one unit was scanned or skipped: it covered nothing. */
export function scannedNothing(report: ScanReport): boolean {
  const failed = report.coverage.reduce((n, c) => n + c.failed.length, 0);
  return failed > 0 && report.coverage.every((c) => c.scanned === 0 && c.skipped.length === 0);
}

export function buildProgram(io: Io = defaultIo, state: { code: number } = { code: 0 }): Command {
  const program = new Command('shadowscan')
    .description('Find shadow AI across code, egress logs, SaaS audit logs and cloud accounts; keep an ISO/IEC 42001-style AI risk register.')
    .version(VERSION)
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (message, write) => write(oneLineUsage(message)) })
    .exitOverride();

  // ------------------------------------------------------------------ scan
  const scan = program
    .command('scan')
    .description('Run scanners, match against the rules, reconcile with the catalog and commit to the register.')
    .option('--config <file>', 'shadowscan.yaml naming sources, catalog, db and outputs')
    .option('--catalog <file>', 'sanctioned AI catalog (YAML)')
    .option('--db <spec>', DB_HELP)
    .option('--rules <dir>', "add an organisation's rule folder (repeatable)", collectRepeat)
    .addOption(new Option('--format <format>', 'output format').choices([...FORMATS]))
    .option('--output <file>', 'write the report to FILE instead of stdout')
    .addOption(new Option('--fail-on <what>', 'exit 1 when items match (repeatable)').choices([...FAIL_ON]).argParser(collectRepeat))
    .option('--full', 'ignore stored offsets / cursors and re-read everything')
    .option('--quiet', 'no progress display')
    .addOption(new Option('--now <iso>', 'evaluate approvals at this time (testing)').hideHelp());
  for (const s of scanners) {
    for (const o of s.cli ?? []) {
      const opt = new Option(o.flags, o.description);
      if (o.repeatable) opt.argParser(collectRepeat);
      scan.addOption(opt);
    }
  }
  scan.action(async (opts: Record<string, any>) => {
    const cfg: Config | undefined = opts.config ? loadConfig(opts.config) : undefined;
    const runs: ScannerRun[] = [];
    for (const s of scanners) {
      const fromCli = s.optionsFromCli?.(opts);
      const fromCfg = cfg?.sources[s.id];
      if (fromCli !== undefined) runs.push({ scanner: s, options: fromCli });
      else if (fromCfg !== undefined) runs.push({ scanner: s, options: fromCfg });
    }
    const unknown = Object.keys(cfg?.sources ?? {}).filter((id) => !scanners.some((s) => s.id === id));
    if (unknown.length) throw new UsageError(`${opts.config}: sources: unknown scanner id(s) ${unknown.join(', ')} (expected one of: ${scanners.map((s) => s.id).join(', ')})`);
    if (!runs.length && !cfg?.github) throw new UsageError(`nothing to scan: give a source (${scanners.flatMap((s) => (s.cli ?? []).map((c) => c.flags.split(' ')[0])).join(', ')}) or --config`);
    const format: Format = opts.format ?? cfg?.format ?? 'table';
    checkOutputPath(opts.output ?? cfg?.output);
    const progress = new Progress(io, !opts.quiet && io.isTTY);
    const scanOpts = {
      rulesDirs: [...(cfg?.rules ?? []), ...(opts.rules ?? [])],
      catalogFile: opts.catalog ?? cfg?.catalog,
      db: dbSpec(opts.db ?? cfg?.db),
      full: !!opts.full,
      now: opts.now ? new Date(opts.now) : undefined,
      onProgress: (s: string, d: number, t?: number, l?: string) => progress.update(s, d, t, l),
    };
    // With a config: one run per source, change digests, notifications and outputs[] (src/schedule).
    const report = await (cfg ? import('../schedule/cli.js').then((m) => m.scanWithConfig(cfg, opts, scanOpts, io)) : runScan({ runs, ...scanOpts })).finally(() => progress.stop());
    let risks;
    if (format === 'csv') {
      const reg = await Register.open(dbSpec(opts.db ?? cfg?.db));
      risks = await reg.listRisks();
      await reg.close();
    }
    writeOut(io, opts.output ?? cfg?.output, render(format, report, { risks }));
    const failOn: string[] = opts.failOn ?? cfg?.failOn ?? [];
    const why = failOnMatches(report, failOn);
    if (why) {
      io.err(`shadowscan: --fail-on matched: ${why}\n`);
      state.code = 1;
    }
    if (report.run.status === 'failed') {
      // nothing at all could be scanned: a scheduled job must not look green
      io.err(`shadowscan: scan failed: ${Object.entries(report.errors).map(([s, e]) => (e.startsWith(`${s}:`) ? e : `${s}: ${e}`)).join('; ')}\n`);
      state.code = 2;
    } else if (scannedNothing(report)) {
      // every unit failed (unreadable files, unknown log formats …): as good as a failed scan
      const first = report.coverage.flatMap((c) => c.failed)[0];
      const firstWhy = first ? (first.reason.startsWith(first.unit) ? first.reason : `${first.unit}: ${first.reason}`) : '';
      io.err(`shadowscan: scan failed: nothing could be scanned (${report.coverage.reduce((n, c) => n + c.failed.length, 0)} unit(s) failed; first: ${safeText(firstWhy)})\n`);
      state.code = 2;
    } else if (report.run.status === 'partial') {
      const failed = report.coverage.reduce((n, c) => n + c.failed.length, 0);
      io.err(`shadowscan: partial coverage: ${failed} unit(s) failed${Object.keys(report.errors).length ? `, scanner(s) failed: ${Object.keys(report.errors).join(', ')}` : ''} (see coverage)\n`);
    }
  });

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

  // ------------------------------------------------------------------ rules
  const rules = program.command('rules').description('The AI service rules catalog.');
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

  for (const ext of extensions) ext(program, io, state);
  return program;
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const state = { code: 0 };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (isKnownError(e)) {
      io.err(`shadowscan: ${e.message.split('\n').join('\nshadowscan: ')}\n`);
      return 2;
    }
    io.err(`shadowscan: internal error: ${(e as Error)?.stack ?? e}\n`);
    return 3;
  }
}
