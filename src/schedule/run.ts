/**
 * Runs the sources of a shadowscan.yaml: each source is its own scan run (so "what changed"
 * is per source, against that source's last complete run), under the source's cross-process
 * lock; then the change digest is recorded, notifications are sent, and `outputs[]` written.
 * Used by `shadowscan scan --config` and `shadowscan schedule run` (its jobs include the governance sweep).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { scannerById } from '../../scanners/index.js';
import type { Catalog } from '../catalog/catalog.js';
import type { ScannerRun } from '../collect/run.js';
import { GITHUB_SOURCE, loadConfig, type Config, type OutputFormat } from '../config.js';
import { ScanError, UsageError } from '../core/errors.js';
import type { Logger } from '../core/types.js';
import { getRunChanges, recordRunChanges, type RunChanges } from '../diff/diff.js';
import { diffToJson, diffToMarkdown } from '../diff/render.js';
import { EXPORT_FORMATS, loadExportData, renderExport, type ExportFormat } from '../export/index.js';
import { notifyChanges, type NotifyResult } from '../notify/notify.js';
import type { Sleep } from '../notify/webhook.js';
import { loadCatalogFor, runScan, type ScanReport } from '../pipeline.js';
import { dbSpec, Register, type RegisterStore } from '../register/register.js';
import { render, type Format } from '../report/index.js';
import { ruleIndex } from '../rules/load.js';
import type { RuleIndex } from '../rules/compile.js';
import { syncOrg, type SyncResult } from '../sources/github.js';
import { acquireSourceLock, HOLDER } from './lock.js';
import { Scheduler, systemClock, type Clock, type SchedulerEvent } from './scheduler.js';
import { sweep, type SweepOptions, type SweepResult } from '../governance/governance.js';

export const silent: Logger = { debug() {}, info() {}, warn() {} };

export interface RunOptions {
  now?: Date;
  full?: boolean;
  signal?: AbortSignal;
  log?: Logger;
  /** Overrides of the config (CLI flags). */
  db?: string;
  catalogFile?: string;
  rulesDirs?: string[];
  /** Per-scanner options from the command line: they replace that source's options. */
  cliRuns?: ScannerRun[];
  /** For tests: HTTP client for webhooks and the GitHub API, sleep for back-off. */
  fetch?: typeof fetch;
  sleep?: Sleep;
  baseDelayMs?: number;
  /** What to do when another process holds a source's lock (default 'fail'). */
  onLocked?: 'fail' | 'skip';
  /** Wait this long for a held lock before onLocked applies (ms). */
  lockWaitMs?: number;
  onProgress?: (scanner: string, done: number, total?: number, label?: string) => void;
  git?: string;
  /** The caller (the Scheduler) already holds the source's lock. */
  lockHeld?: boolean;
}

export interface SourceRunResult {
  source: string;
  runId?: string;
  status: string;
  skipped?: string;
  report?: ScanReport;
  changes?: RunChanges;
  notifications: NotifyResult[];
  github?: SyncResult;
}

interface Ctx {
  rules: RuleIndex;
  catalog: Catalog;
  catalogFile?: string;
  db: string;
}

function context(cfg: Config, opts: RunOptions): Ctx {
  const rulesDirs = [...cfg.rules, ...(opts.rulesDirs ?? [])];
  const { index } = ruleIndex(rulesDirs);
  const catalogFile = opts.catalogFile ?? cfg.catalog;
  return { rules: index, catalog: loadCatalogFor(index, catalogFile), catalogFile, db: dbSpec(opts.db ?? cfg.db) };
}


/** The sources a run covers: every configured one, plus scanners named only on the command line. */
export function sourceNames(cfg: Config, opts: Pick<RunOptions, 'cliRuns'> = {}): string[] {
  const names = cfg.sourceSpecs.map((s) => s.name);
  for (const r of opts.cliRuns ?? []) if (!names.includes(r.scanner.id)) names.push(r.scanner.id);
  return names;
}

async function scannerRunFor(cfg: Config, source: string, opts: RunOptions, log: Logger): Promise<{ run?: ScannerRun; github?: SyncResult; skipped?: string }> {
  const fromCli = opts.cliRuns?.find((r) => r.scanner.id === source);
  if (fromCli) return { run: fromCli };
  if (source === GITHUB_SOURCE) {
    if (!cfg.github) throw new UsageError(`${cfg.file}: no github source configured`);
    const scanner = scannerById('repo');
    if (!scanner) throw new UsageError('the github source needs the repo scanner');
    const github = await syncOrg(cfg.github, { fetch: opts.fetch, log, git: opts.git });
    log.info(`github: ${cfg.github.org}: ${github.cloned.length} cloned, ${github.updated.length} updated, ${github.skipped.length} skipped, ${github.failed.length} failed`);
    if (!github.paths.length) return { github, skipped: github.failed.length ? `no repository could be fetched (${github.failed.length} failed)` : 'the organisation has no repositories to scan' };
    return { run: { scanner, options: { ...cfg.github.scan, paths: github.paths } }, github };
  }
  const scanner = scannerById(source);
  if (!scanner) throw new UsageError(`${cfg.file}: sources: unknown source "${source}"`);
  if (!(source in cfg.sources)) throw new UsageError(`${cfg.file}: sources: "${source}" is not configured`);
  return { run: { scanner, options: cfg.sources[source] } };
}

async function runOne(cfg: Config, source: string, ctx: Ctx, opts: RunOptions): Promise<SourceRunResult> {
  const log = opts.log ?? silent;
  const reg = await Register.open(ctx.db);
  const release = opts.lockHeld ? async () => {} : await acquireSourceLock(reg, source, { waitMs: opts.lockWaitMs, log });
  if (!release) {
    await reg.close();
    const msg = `source ${source} is being scanned by another process (lease in ${reg.location})`;
    if ((opts.onLocked ?? 'fail') === 'fail') throw new ScanError(msg);
    log.warn(msg + ': skipped');
    return { source, status: 'skipped', skipped: 'locked by another process', notifications: [] };
  }
  try {
    const { run, github, skipped } = await scannerRunFor(cfg, source, opts, log);
    if (!run) return { source, status: 'skipped', skipped, notifications: [], github };
    {
      const now = opts.now ?? new Date();
      const report = await runScan({ runs: [run], source, leaseHeld: true, rulesDirs: [...cfg.rules, ...(opts.rulesDirs ?? [])], catalog: ctx.catalog, catalogFile: ctx.catalogFile, db: reg, now: opts.now, full: opts.full, signal: opts.signal, log, onProgress: opts.onProgress, governanceSweep: sweepOptions(cfg, opts) });
      const changes = await recordRunChanges(reg, { runId: report.run.id, source, scanner: run.scanner.id, status: report.summary.status, coverage: report.coverage, catalog: ctx.catalog, now, expiringWithinDays: cfg.diff.expiringWithinDays });
      const notifications = await notifyChanges(reg, cfg.notifications, changes, { rules: ctx.rules, log, fetch: opts.fetch, sleep: opts.sleep, baseDelayMs: opts.baseDelayMs });
      return { source, runId: report.run.id, status: report.summary.status, report, changes, notifications, github };
    }
  } finally {
    await release();
    await reg.close();
  }
}

/** The name the governance sweep has among the scheduled jobs (its lease and tick claims). */
export const GOVERNANCE_SWEEP_JOB = 'governance-sweep';

function sweepOptions(cfg: Config, opts: RunOptions): SweepOptions {
  return { targets: cfg.notifications.targets, fetch: opts.fetch, sleep: opts.sleep, baseDelayMs: opts.baseDelayMs };
}

/**
 * The governance sweep as a scheduled job: escalation, reviews and their notifications (once
 * each, the config's targets) at the clock's time, with no human and no scan.
 */
export async function runGovernanceSweep(cfg: Config, opts: RunOptions = {}): Promise<SweepResult> {
  const ctx = context(cfg, opts);
  const reg = await Register.open(ctx.db);
  try {
    const now = opts.now ?? new Date();
    const r = await sweep({ register: reg, baseCatalog: ctx.catalog, now: () => now }, sweepOptions(cfg, opts));
    const log = opts.log ?? silent;
    log.info(`governance sweep: ${r.escalated.length} escalated, ${r.reviewsDue.length} reviews due, ${r.lapsed.length} lapsed, ${r.notifications.filter((n) => n.ok).length} notifications sent`);
    const failed = r.notifications.filter((n) => !n.ok);
    if (failed.length) throw new ScanError(`governance sweep: ${failed.length} notification(s) failed (retried by the next sweep): ${failed.map((f) => `${f.event} ${f.riskEntryId} to ${f.target}: ${f.error}`).join('; ')}`);
    return r;
  } finally {
    await reg.close();
  }
}

/** Runs one configured source (under its lock). */
export async function runSource(cfg: Config, source: string, opts: RunOptions = {}): Promise<SourceRunResult> {
  return runOne(cfg, source, context(cfg, opts), opts);
}

/** Runs the given (default: all) sources one after another. */
export async function runSources(cfg: Config, opts: RunOptions & { sources?: string[] } = {}): Promise<SourceRunResult[]> {
  const ctx = context(cfg, opts);
  const names = opts.sources ?? sourceNames(cfg, opts);
  const out: SourceRunResult[] = [];
  for (const s of names) out.push(await runOne(cfg, s, ctx, opts));
  return out;
}

/** One report for several source runs (for the CLI's single output): items and summary merged. */
export function mergeReports(results: SourceRunResult[]): ScanReport | undefined {
  const reps = results.map((r) => r.report).filter((r): r is ScanReport => !!r);
  if (!reps.length) return undefined;
  if (reps.length === 1) return reps[0];
  const last = reps[reps.length - 1];
  const items = new Map<string, ScanReport['items'][number]>();
  for (const r of reps) for (const i of r.items) items.set(i.id, i);
  const statuses = reps.map((r) => r.summary.status);
  const status = statuses.every((s) => s === 'failed') ? 'failed' : statuses.every((s) => s === 'complete') ? 'complete' : 'partial';
  const byStatus: Record<string, number> = {};
  for (const i of items.values()) byStatus[i.status] = (byStatus[i.status] ?? 0) + 1;
  const sum = (f: (r: ScanReport) => number) => reps.reduce((a, r) => a + f(r), 0);
  return {
    tool: last.tool,
    run: { id: reps.map((r) => r.run.id).join(','), started: reps[0].run.started, finished: last.run.finished, status, scanners: Object.assign({}, ...reps.map((r) => r.run.scanners)), db: last.run.db },
    coverage: reps.flatMap((r) => r.coverage),
    errors: Object.assign({}, ...reps.map((r) => r.errors)),
    findings: reps.flatMap((r) => r.findings),
    items: [...items.values()].sort((a, b) => a.id.localeCompare(b.id)),
    summary: {
      runId: reps.map((r) => r.run.id).join(','),
      status,
      findings: { total: sum((r) => r.summary.findings.total), new: sum((r) => r.summary.findings.new), gone: sum((r) => r.summary.findings.gone) },
      items: { total: items.size, new: sum((r) => r.summary.items.new), gone: sum((r) => r.summary.items.gone), byStatus },
      riskEntries: { created: sum((r) => r.summary.riskEntries.created), reopened: sum((r) => r.summary.riskEntries.reopened) },
    },
  };
}

const REPORT_FORMATS = new Set(['table', 'json', 'csv', 'sarif', 'markdown']);

/** Renders every `outputs[]` entry; returns the files written. */
export async function writeOutputs(cfg: Config, results: SourceRunResult[], opts: RunOptions & { out?: (s: string) => void } = {}): Promise<string[]> {
  if (!cfg.outputs.length) return [];
  const ctx = context(cfg, opts);
  const report = mergeReports(results);
  const written: string[] = [];
  const reg = await Register.open(ctx.db);
  try {
    let data: Awaited<ReturnType<typeof loadExportData>> | undefined;
    for (const o of cfg.outputs) {
      let text: string;
      const f = o.format as OutputFormat;
      if (REPORT_FORMATS.has(f)) {
        if (!report) continue;
        text = render(f as Format, report, f === 'csv' ? { risks: await reg.listRisks() } : {});
      } else if (f === 'diff-markdown' || f === 'diff-json') {
        const changes: RunChanges[] = [];
        for (const r of results) if (r.runId) changes.push(...(await getRunChanges(reg, r.runId)));
        text = f === 'diff-json' ? diffToJson(changes) : diffToMarkdown(changes);
      } else if ((EXPORT_FORMATS as readonly string[]).includes(f)) {
        data ??= await loadExportData(reg, { now: opts.now, catalog: ctx.catalog, rules: ctx.rules });
        text = renderExport(f as ExportFormat, data);
      } else continue;
      if (o.path === '-') opts.out?.(text);
      else {
        mkdirSync(dirname(o.path), { recursive: true });
        writeFileSync(o.path, text);
        written.push(o.path);
      }
    }
  } finally {
    await reg.close();
  }
  return written;
}

export interface StartOptions extends RunOptions {
  clock?: Clock;
  onEvent?: (e: SchedulerEvent) => void;
  /** Only these sources. */
  sources?: string[];
}

/** A Scheduler for every source of the config that has a `schedule` (lock per source, skip when locked). */
export function schedulerFor(cfg: Config, opts: StartOptions = {}): Scheduler {
  const jobs = cfg.sourceSpecs.filter((s) => s.schedule && (!opts.sources || opts.sources.includes(s.name))).map((s) => ({ source: s.name, schedule: s.schedule! }));
  // the governance clock runs on its own schedule, whichever sources are selected
  jobs.push({ source: GOVERNANCE_SWEEP_JOB, schedule: cfg.governance.sweep });
  const clockNow = () => new Date((opts.clock ?? systemClock).now());
  const db = dbSpec(opts.db ?? cfg.db);
  const log = opts.log ?? silent;
  // one connection for the leases and tick claims of every job (opened at the first tick)
  let store: Promise<RegisterStore> | undefined;
  const reg = () => (store ??= Register.open(db));
  const scheduler = new Scheduler({
    jobs,
    clock: opts.clock,
    timezone: cfg.timezone,
    log,
    onEvent: opts.onEvent,
    lock: async (source) => acquireSourceLock(await reg(), source, { log }),
    claim: async (source, tickAt) => (await reg()).claimTick(source, tickAt.toISOString(), HOLDER),
    run: async (source, signal) => {
      if (source === GOVERNANCE_SWEEP_JOB) return void (await runGovernanceSweep(cfg, { ...opts, now: clockNow() }));
      // The Scheduler already holds the lock: run without taking it again.
      const results = [await runSource(cfg, source, { ...opts, signal, lockHeld: true })];
      await writeOutputs(cfg, results, opts);
    },
  });
  // stopping also closes the connection of the leases and tick claims
  const stop = scheduler.stop.bind(scheduler);
  scheduler.stop = async () => {
    await stop();
    const s = store;
    store = undefined;
    if (s) await (await s).close();
  };
  return scheduler;
}

/**
 * The hook for long-running processes (the web server): loads the config and starts its
 * schedules. `await scheduler.stop()` on shutdown.
 */
export async function startSchedules(configFile: string, opts: StartOptions = {}): Promise<Scheduler> {
  const cfg = loadConfig(configFile);
  return schedulerFor(cfg, opts).start();
}
