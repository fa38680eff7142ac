/**
 * CLI commands of scheduled operation: `schedule run|list`, `diff`, `export`, and the config
 * path of `scan --config` (per-source runs, change digests, notifications, outputs).
 */
import { Command, Option } from 'commander';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ScannerRun } from '../../collect/run.js';
import { cliScannerRuns, loadConfig, type Config } from '../../config.js';
import { UsageError } from '../../core/errors.js';
import { positiveIntFlag } from '../../core/validate.js';
import type { Logger } from '../../core/types.js';
import { getRunChanges } from '../../diff/diff.js';
import { diffToJson, diffToMarkdown } from '../../diff/render.js';
import { EVIDENCE_PACK, EXPORT_FORMATS, loadExportData, renderExport, writeEvidencePack, type ExportFormat } from '../../export/index.js';
import { sigmaRules } from '../../export/sigma.js';
import { stringify } from 'yaml';
import { loadCatalogFor, type ScanOptions, type ScanReport } from '../../pipeline.js';
import { DB_HELP, dbSpec, Register } from '../../index.js';
import { ruleIndex } from '../../rules/load.js';
import { runExitCode, worseExit } from '../../collect/partial.js';
import type { Io } from '../io.js';
import { GOVERNANCE_SWEEP_JOB, mergeReports, runSources, schedulerFor, sourceNames, writeOutputs } from '../../schedule/run.js';

function ioLogger(io: Io, verbose = true): Logger {
  const ts = () => new Date().toISOString();
  return {
    debug() {},
    info: (m) => verbose && io.err(`${ts()} ${m}\n`),
    warn: (m) => io.err(`${ts()} warning: ${m}\n`),
  };
}

/**
 * `scan --config`: every configured source runs as its own scan (CLI scanner flags override
 * the options they name; the source's other options are kept), each records what changed and notifies; outputs[] are written; one
 * merged report is returned for the primary --format/--output.
 */
export async function scanWithConfig(cfg: Config, cliOpts: Record<string, any>, scanOpts: Omit<ScanOptions, 'runs'>, io: Io): Promise<ScanReport> {
  // CLI scanner flags merge with that source's options in the config (src/config.ts)
  const cliRuns: ScannerRun[] = cliScannerRuns(cliOpts, cfg);
  const log = ioLogger(io, false);
  const common = {
    db: typeof scanOpts.db === 'string' ? scanOpts.db : undefined,
    catalogFile: scanOpts.catalogFile,
    rulesDirs: (cliOpts.rules as string[] | undefined) ?? [],
    now: scanOpts.now,
    full: scanOpts.full,
    onProgress: scanOpts.onProgress,
    log,
    cliRuns,
    lockWaitMs: 30_000,
  };
  const results = await runSources(cfg, common);
  for (const r of results) {
    if (r.skipped) io.err(`shadowscan: source ${r.source} skipped: ${r.skipped}\n`);
    for (const n of r.notifications) if (n.delivery && !n.delivery.ok) io.err(`shadowscan: notification ${n.target} failed after ${n.delivery.attempts} attempt(s): ${n.delivery.error}\n`);
  }
  await writeOutputs(cfg, results, { ...common, out: io.out });
  const report = mergeReports(results);
  if (!report) throw new UsageError(`${cfg.file}: no source could be scanned (${results.map((r) => `${r.source}: ${r.skipped}`).join('; ')})`);
  return report;
}

export function scheduleCommands(program: Command, io: Io, state: { code: number }): void {
  // ------------------------------------------------------------------ schedule
  const sched = program.command('schedule').description('Run the per-source cron schedules of shadowscan.yaml (foreground, no web UI).');
  sched
    .command('run')
    .description('Run the schedules in the foreground until interrupted (or each source once with --once).')
    .requiredOption('--config <file>', 'shadowscan.yaml')
    .option('--source <name>', 'only this source (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--once', 'run each selected source once now, then exit (for cron / systemd timers)')
    .option('--db <spec>', `${DB_HELP}; overrides the config`)
    .action(async (o) => {
      const cfg = loadConfig(o.config);
      const log = ioLogger(io);
      const known = sourceNames(cfg);
      for (const s of o.source ?? []) if (!known.includes(s)) throw new UsageError(`--source ${s}: not a configured source (${known.join(', ')})`);
      if (o.once) {
        const results = await runSources(cfg, { sources: o.source ?? known, db: o.db, log, onLocked: 'skip' });
        await writeOutputs(cfg, results, { db: o.db, log, out: io.out });
        for (const r of results) {
          io.out(`${r.source}: ${r.skipped ? `skipped (${r.skipped})` : `${r.runId} ${r.status}; ${r.changes ? `${r.changes.newItems.length} new, ${r.changes.newSubjects.length} with new subjects, ${r.changes.goneItems.length} gone` : ''}`}\n`);
          if (!r.skipped) state.code = worseExit(state.code, runExitCode(r.status, r.report?.coverage ?? []));
        }
        return;
      }
      const scheduler = schedulerFor(cfg, { db: o.db, log, sources: o.source });
      const jobs = scheduler.status().filter((j) => j.source !== GOVERNANCE_SWEEP_JOB);
      if (!jobs.length) throw new UsageError(`${o.config}: no source has a schedule (add \`schedule: "0 3 * * *"\` under a source)`);
      scheduler.start();
      for (const j of scheduler.status()) io.err(`schedule: ${j.source} "${j.schedule}" — next ${j.next}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          io.err('schedule: stopping (waiting for running scans)…\n');
          void scheduler.stop().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
  sched
    .command('list')
    .description('Show each source, its schedule and its next run times.')
    .requiredOption('--config <file>', 'shadowscan.yaml')
    .option('--count <n>', 'next N run times (1–1000)', positiveIntFlag('--count', 1000), 3)
    .action(async (o) => {
      const cfg = loadConfig(o.config);
      const s = schedulerFor(cfg, {});
      // the governance sweep is a job of every schedule (and runs after every scan commit)
      for (const spec of [...cfg.sourceSpecs, { name: GOVERNANCE_SWEEP_JOB, schedule: cfg.governance.sweep }]) {
        if (!spec.schedule) {
          io.out(`${spec.name.padEnd(18)}(no schedule — runs only with scan --config / schedule run --once)\n`);
          continue;
        }
        const next: string[] = [];
        let from = new Date();
        for (let i = 0; i < Number(o.count); i++) {
          const n = s.nextRun(spec.name, from);
          if (!n) break;
          next.push(n.toISOString());
          from = new Date(n.getTime() + 1000);
        }
        io.out(`${spec.name.padEnd(18)}${spec.schedule.padEnd(20)}${next.join('  ')}\n`);
      }
    });

  // ------------------------------------------------------------------ diff
  program
    .command('diff')
    .description('What changed in a run, per source, against that source\'s last complete run.')
    .option('--db <spec>', DB_HELP)
    .option('--run <id>', 'run id (default: the latest run)')
    .option('--source <name>', 'only this source')
    .addOption(new Option('--format <format>', 'output').choices(['markdown', 'json']).default('markdown'))
    .option('--output <file>', 'write to FILE')
    .action(async (o) => {
      const reg = await Register.open(o.db, { readonly: true });
      try {
        if (o.run && !(await getRunChanges(reg, o.run, { source: o.source })).length) throw new UsageError(`no recorded changes for run ${o.run} in ${reg.location}`);
        const changes = await getRunChanges(reg, o.run, { source: o.source });
        const text = o.format === 'json' ? diffToJson(changes) : diffToMarkdown(changes);
        if (o.output && o.output !== '-') writeFileSync(o.output, text);
        else io.out(text);
      } finally {
        await reg.close();
      }
    });

  // ------------------------------------------------------------------ export
  program
    .command('export')
    .description('Export the inventory and register: CycloneDX 1.6 AI-BOM, OCSF JSON lines, Sigma rules, Statement of Applicability, register CSV.')
    .addOption(new Option('--format <format>', 'export format (evidence-pack: a folder for auditors, see docs/governance.md)').choices([...EXPORT_FORMATS, EVIDENCE_PACK]).makeOptionMandatory())
    .option('--zip', 'evidence-pack: also write OUTPUT.zip')
    .option('--from <date>', 'evidence-pack: first day of the scan-coverage period')
    .option('--to <date>', 'evidence-pack: last day of the scan-coverage period (default: now)')
    .option('--db <spec>', DB_HELP)
    .option('--catalog <file>', 'sanctioned AI catalog (for data classifications, SoA decisions, declined levels)')
    .option('--config <file>', 'take db, catalog and rules from shadowscan.yaml')
    .option('--rules <dir>', 'extra rule folder (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--output <file>', 'write to FILE (for sigma: a folder gets one .yml per rule)')
    .addOption(new Option('--now <iso>', 'generation time (reproducible output)').hideHelp())
    .action(async (o) => {
      const cfg = o.config ? loadConfig(o.config) : undefined;
      const { index } = ruleIndex([...(cfg?.rules ?? []), ...(o.rules ?? [])]);
      const catalogFile = o.catalog ?? cfg?.catalog;
      const catalog = catalogFile ? loadCatalogFor(index, catalogFile) : undefined;
      const now = o.now ? new Date(o.now) : new Date();
      const format = o.format as ExportFormat;
      if (format === 'sigma' && o.output && (o.output.endsWith('/') || !/\.ya?ml$/.test(o.output))) {
        mkdirSync(o.output, { recursive: true });
        const rules = sigmaRules(index, { date: now.toISOString().slice(0, 10), catalog });
        for (const r of rules) writeFileSync(join(o.output, `${r.logsource.category}_${r.tags[2].replace(/^shadowscan\./, '')}.yml`), stringify(r, { lineWidth: 0 }));
        io.out(`${rules.length} Sigma rules written to ${o.output}\n`);
        return;
      }
      const db = dbSpec(o.db ?? cfg?.db);
      if (o.format === EVIDENCE_PACK) {
        if (!o.output || o.output === '-') throw new UsageError('--format evidence-pack writes a folder: give --output DIR');
        const reg = await Register.open(db, { readonly: true });
        try {
          const res = await writeEvidencePack(reg, o.output, { now, catalog, rules: index, zip: !!o.zip, from: o.from, to: o.to });
          const v = res.verification.exported;
          io.out(`evidence pack written to ${res.dir}${res.zip ? ` and ${res.zip}` : ''}: ${res.files.length} files, ${res.controls} Annex A controls, ${res.runs} scan runs, decision log ${v.ok ? 'verified' : 'FAILED verification'} (${v.records} records)\n`);
          if (!v.ok || !res.verification.register.ok) state.code = 1;
        } finally {
          await reg.close();
        }
        return;
      }
      const reg = await Register.open(db, { readonly: true });
      try {
        const data = await loadExportData(reg, { now, catalog, rules: index });
        const text = renderExport(format, data);
        if (o.output && o.output !== '-') {
          mkdirSync(dirname(o.output), { recursive: true });
          writeFileSync(o.output, text);
        } else io.out(text);
      } finally {
        await reg.close();
      }
    });
}
