/** `shadowscan scan`: collect → match → resolve → reconcile → judge → store, then report. */
import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { scanners } from '../../../scanners/index.js';
import { UsageError } from '../../core/errors.js';
import { cliScannerRuns } from '../../config.js';
import { existingPathOrGlob } from '../../core/validate.js';
import { checkOutputPaths, dbSpec, DB_HELP, FAIL_ON, isPostgresUrl, FORMATS, loadConfig, Register, render, runScan, type Config, type Format, type ScannerRun } from '../../index.js';
import { safeText } from '../../report/table.js';
import { Progress } from '../progress.js';
import { checkOutputPath, collectRepeat, failOnMatches, scannedNothing, writeOut, type Io } from '../io.js';
import { EXIT, worseExit } from '../../collect/partial.js';

export function scanCommand(program: Command, io: Io, state: { code: number }): void {
  // ------------------------------------------------------------------ scan
  const scan = program
    .command('scan')
    .description('Run scanners, match against the rules, reconcile with the catalog and commit to the register.')
    .option('--config <file>', 'shadowscan.yaml naming sources, catalog, db and outputs')
    .option('--catalog <file>', 'sanctioned AI catalog (YAML); recorded as the catalog of record when it differs (default: the stored one, `catalog import`)')
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
    // command-line scanner flags merge with the config's options for that source (cliScannerRuns)
    const runs: ScannerRun[] = cliScannerRuns(opts, cfg);
    for (const s of scanners) {
      const fromCfg = cfg?.sources[s.id];
      if (fromCfg !== undefined && !runs.some((r) => r.scanner.id === s.id)) runs.push({ scanner: s, options: fromCfg });
    }
    const unknown = Object.keys(cfg?.sources ?? {}).filter((id) => !scanners.some((s) => s.id === id));
    if (unknown.length) throw new UsageError(`${opts.config}: sources: unknown scanner id(s) ${unknown.join(', ')} (expected one of: ${scanners.map((s) => s.id).join(', ')})`);
    if (!runs.length && !cfg?.github) throw new UsageError(`nothing to scan: give a source (${scanners.flatMap((s) => (s.cli ?? []).map((c) => c.flags.split(' ')[0])).join(', ')}) or --config`);
    checkPathFlags(opts);
    const format: Format = opts.format ?? cfg?.format ?? 'table';
    checkOutputPath(opts.output ?? cfg?.output);
    // an output may never be the register, the config or the catalog, a folder, or another output
    const dbForCheck = dbSpec(opts.db ?? cfg?.db);
    // config outputs[] create their folders when written; the rest of the check applies to them
    checkOutputPaths([opts.output ?? cfg?.output, ...(cfg?.outputs ?? []).map((o) => (o.path === '-' || !existsSync(dirname(o.path)) ? undefined : o.path))], {
      db: isPostgresUrl(dbForCheck) ? undefined : dbForCheck.replace(/^sqlite:/, ''),
      config: opts.config,
      catalog: opts.catalog ?? cfg?.catalog,
    });
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
    const report = await (cfg ? import('./schedule.js').then((m) => m.scanWithConfig(cfg, opts, scanOpts, io)) : runScan({ runs, ...scanOpts })).finally(() => progress.stop());
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
      state.code = worseExit(state.code, EXIT.gate);
    }
    if (report.run.status === 'failed') {
      // nothing at all could be scanned: a scheduled job must not look green
      io.err(`shadowscan: scan failed: ${Object.entries(report.errors).map(([s, e]) => (e.startsWith(`${s}:`) ? e : `${s}: ${e}`)).join('; ')}\n`);
      state.code = worseExit(state.code, EXIT.failed);
    } else if (scannedNothing(report)) {
      // every unit failed (unreadable files, unknown log formats …): as good as a failed scan
      const first = report.coverage.flatMap((c) => c.failed)[0];
      const firstWhy = first ? (first.reason.startsWith(first.unit) ? first.reason : `${first.unit}: ${first.reason}`) : '';
      io.err(`shadowscan: scan failed: nothing could be scanned (${report.coverage.reduce((n, c) => n + c.failed.length, 0)} unit(s) failed; first: ${safeText(firstWhy)})\n`);
      state.code = worseExit(state.code, EXIT.failed);
    } else if (report.run.status === 'partial') {
      const failed = report.coverage.reduce((n, c) => n + c.failed.length, 0);
      io.err(`shadowscan: partial coverage: ${failed} unit(s) failed${Object.keys(report.errors).length ? `, scanner(s) failed: ${Object.keys(report.errors).join(', ')}` : ''} (see coverage; exit ${EXIT.partial})\n`);
      state.code = worseExit(state.code, EXIT.partial);
    }
  });
}

/**
 * Local paths on the command line, checked before anything is opened. A scanner's own input file
 * (`--egress-identity <csv>`) must exist. Source paths (`--repo`, `--egress`, `--audit` …) must
 * exist or, for a glob, match; when none of them does, nothing could be scanned: one line, exit 2,
 * and no register file created. When some do, the missing ones are failed units (partial coverage).
 */
function checkPathFlags(opts: Record<string, unknown>): void {
  const sources: Array<[string, string, string]> = [];
  for (const s of scanners) {
    for (const o of s.cli ?? []) {
      const m = /^(--[\w-]+) <(path|file|csv)>/.exec(o.flags);
      if (!m) continue;
      for (const p of [opts[new Option(o.flags).attributeName()]].flat()) {
        if (typeof p !== 'string') continue;
        if (o.repeatable) sources.push([m[1], p, s.id]);
        else existingPathOrGlob(p, m[1]);
      }
    }
  }
  const problems: string[] = [];
  for (const [flag, p] of sources) {
    try {
      existingPathOrGlob(p, flag);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const ids = [...new Set(sources.map((x) => x[2]))];
  if (sources.length && problems.length === sources.length) throw new UsageError(`scan failed: ${ids.length === 1 ? `${ids[0]}: ` : ''}nothing to scan (${problems.join('; ')})`);
}
