/**
 * The whole pipeline as one library call: collect → match → resolve → reconcile → register,
 * returning the scan report every output format is rendered from.
 */
import { createRequire } from 'node:module';
import { collect, type ScannerRun } from './collect/run.js';
import { EMPTY_CATALOG, loadCatalog, type Catalog } from './catalog/catalog.js';
import type { Coverage, Finding, Logger } from './core/types.js';
import { matchAll } from './match/match.js';
import { itemIdFor } from './resolve/resolve.js';
import { commitScan, startRun, type CommitResult } from './register/commit.js';
import { scanCatalog } from './catalog/record.js';
import { acquireSourceLock, sourceLockHolder } from './schedule/lock.js';
import { ScanError } from './core/errors.js';
import { openRegister, type CommitSummary, type RegisterStore } from './register/register.js';
import { ruleIndex } from './rules/load.js';
import type { SweepOptions } from './governance/governance.js';
import type { RuleIndex } from './rules/compile.js';

const require = createRequire(import.meta.url);
export const VERSION: string = (require('../package.json') as { version: string }).version;

export interface ScanOptions {
  runs: ScannerRun[];
  /** Extra rule folders (`--rules DIR`). */
  rulesDirs?: string[];
  catalogFile?: string;
  /** Already-loaded catalog (wins over catalogFile). */
  catalog?: Catalog;
  /** Register spec (file or postgres:// URL), or an open register. */
  db: string | RegisterStore;
  now?: Date;
  full?: boolean;
  /**
   * The source this run scans (a schedule's job, a runner's source). Scanner state (offsets,
   * cursors) is kept per source, so runners scanning different sources of one scanner never
   * overwrite each other's state. Default: the scanner id.
   */
  source?: string;
  /** The caller already holds the source's lease (the scheduler, a runner); otherwise runScan takes it. */
  leaseHeld?: boolean;
  /** How long to wait for another process's lease on the same source (ms; default 10 minutes). */
  leaseWaitMs?: number;
  signal?: AbortSignal;
  log?: Logger;
  onProgress?: (scanner: string, done: number, total?: number, label?: string) => void;
  /**
   * The governance sweep after the commit (escalation, reviews, their notifications once each):
   * the webhook targets and delivery options, or false for none. Default: a sweep without targets
   * (a later sweep with targets notifies what it recorded).
   */
  governanceSweep?: SweepOptions | false;
}

export interface ReportFinding extends Finding {
  status: string;
  statusReason: string;
  itemId: string;
  /** For network findings: the host (same as value). */
  host?: string;
}

export interface ReportItem {
  id: string;
  kind: string;
  service: string;
  name: string;
  vendor: string;
  category: string;
  status: string;
  statusReason: string;
  /** usage: usage-grade evidence; candidate: mentioned only (tests, docs, examples …), not in the intake queue. */
  basis: 'usage' | 'candidate';
  riskEntry?: string;
  riskStatus?: string;
  tier?: number;
  score?: number;
  treatment?: string;
  sources: string[];
  signals: string[];
  subjects: Array<{ kind: string; id: string; name?: string }>;
  findings: number;
  events: number;
  bytesOut?: number;
  firstSeen?: string;
  lastSeen?: string;
  firstDetected: string;
  artifact?: { type: string; key: string; name?: string };
}

export interface ScanReport {
  tool: { name: 'shadowscan'; version: string };
  run: { id: string; started: string; finished: string; status: string; scanners: Record<string, string>; db: string };
  coverage: Coverage[];
  errors: Record<string, string>;
  findings: ReportFinding[];
  items: ReportItem[];
  summary: CommitSummary;
}

export function loadCatalogFor(rules: RuleIndex, file?: string): Catalog {
  if (!file) return EMPTY_CATALOG;
  return loadCatalog(file, new Set(rules.services.map((s) => s.id)), rules);
}

export async function runScan(opts: ScanOptions): Promise<ScanReport> {
  const { index: rules } = ruleIndex(opts.rulesDirs ?? []);
  const now = opts.now ?? new Date();
  const register = typeof opts.db === 'string' ? await openRegister(opts.db) : opts.db;
  // one lease per source for every scan path: two scans of one source never run at once
  const releases: Array<() => Promise<void>> = [];
  try {
    if (!opts.leaseHeld) {
      for (const source of [...new Set(opts.source ? [opts.source] : opts.runs.map((r) => r.scanner.id))].sort()) {
        const wait = opts.leaseWaitMs ?? 600_000;
        let release = await acquireSourceLock(register, source, { waitMs: 0, log: opts.log });
        if (!release) {
          opts.log?.warn(`source ${source} is being scanned by another process (${(await sourceLockHolder(register, source)) ?? 'unknown holder'}): waiting up to ${Math.round(wait / 1000)} s`);
          release = await acquireSourceLock(register, source, { waitMs: wait, log: opts.log });
        }
        if (!release) throw new ScanError(`source ${source} is being scanned by another process (lease in ${register.location}); try again when it has finished`);
        releases.push(release);
      }
    }
    // the catalog of record: a --catalog file is imported when it differs; without one, the stored version
    const { catalog } = await scanCatalog(register, { file: opts.catalogFile, loaded: opts.catalog === EMPTY_CATALOG ? undefined : opts.catalog, load: (f) => loadCatalogFor(rules, f), warn: (m) => opts.log?.warn(m), now: opts.now });
    const started = new Date().toISOString();
    const runId = await startRun(register, { scanners: opts.runs.map((r) => r.scanner.id), catalogFile: opts.catalogFile, startedAt: opts.now ? now.toISOString() : started });
    const scope = (id: string) => (opts.source && opts.source !== id ? `${id}@${opts.source}` : id);
    const stored = opts.full ? {} : await register.getAllState();
    const state = Object.fromEntries(opts.runs.map((r) => [r.scanner.id, stored[scope(r.scanner.id)] ?? {}]));
    const res = await collect(opts.runs, { rules, now: () => now, signal: opts.signal, log: opts.log, full: opts.full, state, onProgress: opts.onProgress });
    const newState = Object.fromEntries(Object.entries(res.state).map(([id, kv]) => [scope(id), kv]));
    const findings = matchAll(rules, res.observations);
    // matched: the observations are not needed again, and a million of them need not outlive the commit
    res.observations.length = 0;
    // judged once against the file catalog merged with the register's intake decisions
    const committed = await commitScan(register, { runId, findings, coverage: res.coverage, errors: res.errors, state: newState, scannerVersions: res.scannerVersions, catalog, rules, now, full: opts.full });
    await sweepAfterCommit(register, catalog, now, opts);
    const run = await register.getRun(runId);
    return buildReport(committed, { id: runId, started: run?.startedAt ?? started, finished: run?.finishedAt ?? new Date().toISOString(), db: register.location }, res.coverage, res.errors, res.scannerVersions);
  } finally {
    for (const r of releases.reverse()) await r();
    if (typeof opts.db === 'string') await register.close();
  }
}

/**
 * Every scan commit runs the governance clock (issue 15): overdue entries escalate, lapsed reviews
 * expire, each event is notified once. The scan is committed already: a failed sweep is a warning
 * (the next sweep, after the next scan or on schedule, does the same work).
 */
async function sweepAfterCommit(register: RegisterStore, catalog: Catalog, now: Date, opts: ScanOptions): Promise<void> {
  if (opts.governanceSweep === false) return;
  try {
    const { sweep } = await import('./governance/governance.js');
    const r = await sweep({ register, baseCatalog: catalog, now: () => now }, opts.governanceSweep ?? {});
    for (const n of r.notifications) if (!n.ok) opts.log?.warn(`governance notification ${n.event} ${n.riskEntryId} to ${n.target} failed: ${n.error} (retried by the next sweep)`);
  } catch (e) {
    opts.log?.warn(`governance sweep after the scan failed: ${(e as Error).message} (the next sweep retries)`);
  }
}

/** The report renders from the commit's judgement: nothing is resolved or reconciled a second time. */
export function buildReport(
  c: CommitResult,
  run: { id: string; started: string; finished: string; db: string },
  coverage: Coverage[],
  errors: Record<string, string>,
  scanners: Record<string, string>,
): ScanReport {
  const rf: ReportFinding[] = [];
  const seen = new Set<string>();
  for (const f of c.findings) {
    const v = c.judgement.verdictOf(f);
    // the item the judge put it in (resolve groups by this id): no map of every finding id
    const itemId = itemIdFor(f);
    seen.add(itemId);
    // what `{ ...f, host?, count, bytesOut, bytesIn, status, statusReason, itemId }` builds (the same
    // keys in the same order), one property at a time: a shared hidden class, where the spread gave
    // each of a million report findings a map of its own
    const r: Record<string, unknown> = {};
    const src = f as unknown as Record<string, unknown>;
    for (const k in src) r[k] = src[k];
    if (f.kind === 'host') r.host = f.value;
    r.count = f.count ?? 1;
    r.bytesOut = f.bytesOut;
    r.bytesIn = f.bytesIn;
    r.status = v?.status ?? 'unsanctioned';
    r.statusReason = v?.reason ?? '';
    r.itemId = itemId;
    rf.push(r as unknown as ReportFinding);
  }
  const ri: ReportItem[] = [];
  // in the judge's (resolve's) order
  for (const x of c.judgement.items) {
    const id = x.item.id;
    if (!seen.has(id)) continue;
    const it = x.item;
    const risk = c.risks.get(id);
    ri.push({
      id,
      kind: it.kind,
      service: it.service,
      name: it.name,
      vendor: it.vendor,
      category: it.category,
      status: x.verdict.status,
      statusReason: x.verdict.reason,
      basis: x.basis.basis,
      riskEntry: risk?.id,
      riskStatus: risk?.status,
      tier: risk?.tier,
      score: risk?.inherentScore,
      treatment: risk?.treatment,
      sources: it.sources,
      signals: it.signals,
      subjects: it.subjects,
      findings: it.findingIds.length,
      events: it.count,
      bytesOut: it.bytesOut,
      firstSeen: it.firstSeen,
      lastSeen: it.lastSeen,
      firstDetected: x.firstDetectedAt,
      artifact: it.artifact ? { type: it.artifact.type, key: it.artifact.key, name: it.artifact.name } : undefined,
    });
  }
  return {
    tool: { name: 'shadowscan', version: VERSION },
    run: { id: run.id, started: run.started, finished: run.finished, status: c.summary.status, scanners, db: run.db },
    coverage,
    errors,
    findings: rf,
    items: ri,
    summary: c.summary,
  };
}
