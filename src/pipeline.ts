/**
 * The whole pipeline as one library call: collect → match → resolve → reconcile → register,
 * returning the scan report every output format is rendered from.
 */
import { createRequire } from 'node:module';
import { collect, type ScannerRun } from './collect/run.js';
import { EMPTY_CATALOG, loadCatalog, type Catalog } from './catalog/catalog.js';
import type { Coverage, Finding, Logger } from './core/types.js';
import { matchAll } from './match/match.js';
import { Reconciler } from './reconcile/reconcile.js';
import { effectiveCatalogSync } from './intake/catalog.js';
import { Register, type CommitSummary } from './register/register.js';
import { resolve as resolveItems } from './resolve/resolve.js';
import { ruleIndex } from './rules/load.js';
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
  /** Register file, or an open register. */
  db: string | Register;
  now?: Date;
  full?: boolean;
  signal?: AbortSignal;
  log?: Logger;
  onProgress?: (scanner: string, done: number, total?: number, label?: string) => void;
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
  const catalog = opts.catalog ?? loadCatalogFor(rules, opts.catalogFile);
  const now = opts.now ?? new Date();
  const register = typeof opts.db === 'string' ? await Register.open(opts.db) : opts.db;
  try {
    const started = new Date().toISOString();
    const runId = await register.startRun({ scanners: opts.runs.map((r) => r.scanner.id), catalogFile: opts.catalogFile, startedAt: opts.now ? now.toISOString() : started });
    const state = opts.full ? {} : await register.getAllState();
    const res = await collect(opts.runs, { rules, now: () => now, signal: opts.signal, log: opts.log, full: opts.full, state, onProgress: opts.onProgress });
    const findings = matchAll(rules, res.observations);
    const reconciler = new Reconciler(effectiveCatalogSync(catalog, register.db), now); // file catalog + intake decisions
    const summary = await register.commitScan({ runId, findings, coverage: res.coverage, errors: res.errors, state: res.state, scannerVersions: res.scannerVersions, reconciler, rules, now, full: opts.full });
    const report = await buildReport(register, runId, findings, res.coverage, res.errors, summary, res.scannerVersions, started);
    return report;
  } finally {
    if (typeof opts.db === 'string') await register.close();
  }
}

async function buildReport(
  register: Register,
  runId: string,
  findings: Finding[],
  coverage: Coverage[],
  errors: Record<string, string>,
  summary: CommitSummary,
  scanners: Record<string, string>,
  started: string,
): Promise<ScanReport> {
  const items = resolveItems(findings);
  const rf: ReportFinding[] = [];
  const stored = await register.findingsOfRun(runId);
  const itemOf = new Map<string, string>();
  for (const it of items) for (const id of it.findingIds) itemOf.set(id, it.id);
  for (const f of findings) {
    const s = stored.get(f.id);
    rf.push({ ...f, ...(f.kind === 'host' ? { host: f.value } : {}), count: s?.count ?? f.count, bytesOut: s?.bytesOut ?? f.bytesOut, bytesIn: s?.bytesIn ?? f.bytesIn, status: s?.status ?? 'unsanctioned', statusReason: s?.statusReason ?? '', itemId: itemOf.get(f.id)! });
  }
  const rows = await register.itemsByIds(items.map((i) => i.id));
  const ri: ReportItem[] = [];
  for (const it of items) {
    const row = rows.get(it.id);
    if (!row) continue;
    ri.push({
      id: it.id,
      kind: it.kind,
      service: it.service,
      name: row.name,
      vendor: it.vendor,
      category: it.category,
      status: row.status,
      statusReason: row.statusReason,
      riskEntry: row.riskEntryId,
      riskStatus: row.riskStatus,
      tier: row.tier,
      score: row.score,
      treatment: row.treatment,
      sources: row.sources,
      signals: row.signals,
      subjects: row.subjects,
      findings: row.findingCount,
      events: row.eventCount,
      bytesOut: row.bytesOut,
      firstSeen: row.seenFirst,
      lastSeen: row.seenLast,
      firstDetected: row.firstDetectedAt,
      artifact: it.artifact ? { type: it.artifact.type, key: it.artifact.key, name: it.artifact.name } : undefined,
    });
  }
  const run = (await register.listRuns(5)).find((r) => r.id === runId)!;
  return {
    tool: { name: 'shadowscan', version: VERSION },
    run: { id: runId, started: run.startedAt ?? started, finished: run.finishedAt ?? new Date().toISOString(), status: summary.status, scanners, db: register.file },
    coverage,
    errors,
    findings: rf,
    items: ri,
    summary,
  };
}

