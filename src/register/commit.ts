/**
 * A scan's commit: ONE transaction on the store. Findings are upserted by fingerprint (first
 * detection kept), presence findings no longer seen are marked gone where this run covered their
 * unit completely, the judge decides items, statuses and risk changes once, and the store
 * persists exactly that. A crash before COMMIT leaves the previous state intact.
 */
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import type { Catalog } from '../catalog/catalog.js';
import type { Coverage, Finding } from '../core/types.js';
import { DerivationFacts, derivedOfFacts, storeDerived } from '../governance/derived.js';
import { mergeDecisions } from '../intake/catalog.js';
import { ItemGrouper, itemIdFor } from '../resolve/resolve.js';
import type { RuleIndex } from '../rules/compile.js';
import { Reconciler } from '../reconcile/reconcile.js';
import { decideGone, judge, mergeFigures, runStatus, type Judgement } from './judge.js';
import type { CommitSummary, FindingWrite, RegisterStore, RiskEntry, RunMeta, StoredFigures } from './store.js';

export interface CommitInput {
  runId: string;
  findings: Finding[];
  coverage: Coverage[];
  errors: Record<string, string>;
  state: Record<string, Record<string, unknown>>;
  scannerVersions: Record<string, string>;
  /** The catalog file (catalog-as-code); the register's decisions are merged in inside the transaction. */
  catalog: Catalog;
  rules: RuleIndex;
  now: Date;
  /** A full re-read (`--full`): figures replace stored ones even for incremental findings. */
  full?: boolean;
}

export interface CommitResult {
  summary: CommitSummary;
  judgement: Judgement;
  /** This run's findings with their stored figures (incremental counts added). */
  findings: Finding[];
  /** The risk entry of every judged item that has one, after this commit. */
  risks: Map<string, RiskEntry>;
  /** The effective catalog the run was judged against. */
  catalog: Catalog;
}

/** Starts a run; runs a killed process left 'running' are marked aborted (their transaction never committed). */
export async function startRun(store: RegisterStore, meta: RunMeta): Promise<string> {
  const startedAt = meta.startedAt ?? new Date().toISOString();
  return store.transaction(async (tx) => {
    await tx.abortRunningRuns();
    const n = await tx.countRuns();
    const id = `run-${startedAt.replace(/[-:.TZ]/g, '').slice(0, 14)}-${String(n + 1).padStart(4, '0')}`;
    await tx.startRun({ ...meta, startedAt }, id);
    return id;
  });
}

function* idsOf(fs: readonly Finding[]): Iterable<string> {
  for (const f of fs) yield f.id;
}

/**
 * The unit a finding's row records: the scanner's own (`attrs.unit`: a repository, an account and
 * region), or none — a reader takes the locator's path then (goneCandidates), so a million egress
 * rows do not each store their log file's path twice.
 */
export function unitOf(f: Finding): string | null {
  const u = f.attrs?.unit;
  return typeof u === 'string' && u ? u : null;
}

/**
 * `SHADOWSCAN_TIMINGS=1` prints the commit's wall and CPU time, phase by phase, on stderr — how
 * the commit benchmark reports the commit apart from the scan (the whole process is timed too) —
 * with the garbage collector's pauses during the commit and the V8 heap at its start and end.
 */
function phaseClock(findings: number) {
  const on = !!process.env.SHADOWSCAN_TIMINGS;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const heap0 = on ? process.memoryUsage().heapUsed : 0;
  let gcMs = 0;
  let gcs = 0;
  const gc = on ? new PerformanceObserver((l) => count(l.getEntries())) : undefined;
  const count = (es: readonly PerformanceEntry[]) => {
    for (const e of es) if (e.startTime >= t0) (gcMs += e.duration), gcs++;
  };
  gc?.observe({ entryTypes: ['gc'] });
  let last = t0;
  let lastCpu = c0;
  const parts: string[] = [];
  return {
    mark(name: string): void {
      if (!on) return;
      const t = performance.now();
      const c = process.cpuUsage();
      parts.push(`${name} ${Math.round(t - last)}/${Math.round((c.user - lastCpu.user + c.system - lastCpu.system) / 1000)}`);
      last = t;
      lastCpu = c;
    },
    async done(): Promise<void> {
      if (!on) return;
      const t = performance.now();
      const c = process.cpuUsage(c0);
      const heap = process.memoryUsage().heapUsed;
      // GC entries are queued from the collector's epilogue: let them arrive, then take what is pending
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      count(gc!.takeRecords());
      gc!.disconnect();
      const mb = (n: number) => Math.round(n / 2 ** 20);
      process.stderr.write(
        `shadowscan timings: commit of ${findings} findings: ${Math.round(t - t0)} ms wall, ${Math.round((c.user + c.system) / 1000)} ms CPU (phases, wall/CPU ms: ${parts.join(', ')}); GC ${Math.round(gcMs)} ms in ${gcs} pauses; heap ${mb(heap0)} → ${mb(heap)} MB\n`,
      );
    },
  };
}

export async function commitScan(store: RegisterStore, input: CommitInput): Promise<CommitResult> {
  const clock = phaseClock(input.findings.length);
  const r = await commitInTransaction(store, input, clock);
  await clock.done();
  return r;
}

async function commitInTransaction(store: RegisterStore, input: CommitInput, clock: ReturnType<typeof phaseClock>): Promise<CommitResult> {
  const { runId, now } = input;
  const at = now.toISOString();
  const actor = `system:scan:${runId}`;
  const status = runStatus(input.coverage, input.errors);
  return store.transaction(async (tx) => {
    clock.mark('begin');
    const summary: CommitSummary = { runId, status, findings: { total: input.findings.length, new: 0, gone: 0 }, items: { total: 0, new: 0, gone: 0, byStatus: {} }, riskEntries: { created: 0, reopened: 0 } };
    // ---- findings: this run's figures merged with what was stored
    const prev = (await tx.hasFindings()) ? await tx.findingFigures(input.findings.map((f) => f.id)) : new Map<string, StoredFigures>();
    // nothing stored (a fresh register, a new source): the run's findings as they are, no copy
    let merged = input.findings;
    summary.findings.new = merged.length;
    if (prev.size) {
      // one lookup per finding: merged and counted in the same pass
      merged = new Array(input.findings.length);
      for (let i = 0; i < merged.length; i++) {
        const f = input.findings[i];
        const p = prev.get(f.id);
        if (p) summary.findings.new--;
        merged[i] = mergeFigures(p, f, !!input.full);
      }
    }
    clock.mark('stored figures');
    // the catalog of record first, so each finding is written once, with its verdict (no second pass over the rows)
    const catalog = mergeDecisions(input.catalog, await tx.listDecisions({ activeOnly: true }));
    // one reconciler decides each finding's verdict as its row is written, and the judge reuses it
    const reconciler = new Reconciler(catalog, now);
    clock.mark('verdicts');
    // written as built: one FindingWrite at a time, never an array of a million of them; the items
    // this run touched are gathered on the way (consecutive findings mostly share an item)
    const touched = new Set<string>();
    let lastItem: string | undefined;
    // each finding is grouped by item for the judge as it is written (its fields read once, here)
    const grouped = new ItemGrouper();
    // and the facts its stages and threats are derived from (derivedOfCommit's, in the same order)
    const facts = new DerivationFacts();
    const gather = (f: Finding, itemId: string) => {
      grouped.add(f, itemId);
      facts.add(f, itemId);
    };
    // one FindingWrite refilled per row: the store binds each row before it asks for the next
    const row: FindingWrite = { finding: merged[0], itemId: '', unit: null, status: '', statusReason: '' };
    await tx.upsertFindings(
      {
        length: merged.length,
        at: (i: number) => {
          const f = merged[i];
          const v = reconciler.finding(f);
          const itemId = itemIdFor(f);
          if (itemId !== lastItem) touched.add((lastItem = itemId));
          gather(f, itemId);
          row.finding = f;
          row.itemId = itemId;
          row.unit = unitOf(f);
          row.status = v.status;
          row.statusReason = v.reason;
          return row;
        },
      },
      runId,
      at,
    );
    clock.mark('findings written');

    // ---- gone: presence / credential findings of scanners that ran, in units fully covered now
    const ran = input.coverage.map((c) => c.scanner).filter((s) => !(s in input.errors));
    const candidates = await tx.goneCandidates(ran);
    const gone = candidates.length ? decideGone(candidates, new Set(idsOf(merged)), input.coverage, input.errors) : [];
    await tx.markFindingsGone(gone.map((g) => g.id), at);
    for (const g of gone) await tx.appendAudit({ at, actor, action: 'finding.gone', entityType: 'finding', entityId: g.id, after: { state: 'gone' }, rationale: `not seen in ${runId}, which fully covered ${g.why}` });
    summary.findings.gone = gone.length;
    clock.mark('gone');

    // ---- judge once: this run's findings as merged, and the active findings it did not write (read once)
    const others = await tx.otherActiveFindings(runId);
    for (const o of others) gather(o.finding, itemIdFor(o.finding));
    const priorRisks = await tx.risksByItem();
    const priorItems = await tx.priorItems();
    const j = judge({
      active: others.length ? [...merged, ...others.map((o) => o.finding)] : merged,
      grouped,
      reconciler,
      catalog,
      rules: input.rules,
      now,
      priorItems,
      priorRisks,
      riskCount: await tx.countRisks(),
      touched,
      actor,
      // items of sources this run did not scan keep their status
      ranScanners: new Set(ran),
    });
    clock.mark('judge');

    // ---- persist the judgement
    // only findings this run did not write can hold a stale verdict (a catalog decision since they were judged)
    await tx.setFindingVerdicts(
      others.flatMap((o) => {
        // no verdict: a finding of an item kept as it was (its sources were not scanned)
        const v = j.verdictOf(o.finding);
        return !v || (v.status === o.status && v.reason === o.statusReason) ? [] : [{ id: o.finding.id, status: v.status, reason: v.reason }];
      }),
    );
    // an item this run did not see keeps its stored last-detected time (read once, for the judge)
    const lastDetected = (x: (typeof j.items)[number]) => (x.touched ? at : (priorItems.get(x.item.id)?.lastDetectedAt ?? at));
    await tx.upsertItems(j.items.map((x) => ({ item: x.item, status: x.verdict.status, statusReason: x.verdict.reason, catalogEntry: x.verdict.entry, lastDetectedAt: lastDetected(x) })), at);
    await tx.markItemsGone(j.gone, at);
    const risks = new Map(priorRisks);
    for (const c of j.riskChanges) {
      if (c.kind === 'created') await tx.insertRisk(c.entry);
      else await tx.updateRisk(c.entry);
      risks.set(c.entry.itemId, c.entry);
    }
    for (const e of j.audit) await tx.appendAudit(e);
    summary.items.total = j.items.length;
    summary.items.new = j.items.filter((x) => x.isNew).length;
    summary.items.gone = j.gone.length;
    summary.items.byStatus = j.statuses;
    summary.riskEntries.created = j.riskChanges.filter((c) => c.kind === 'created').length;
    summary.riskEntries.reopened = j.riskChanges.filter((c) => c.kind === 'reopened').length;

    clock.mark('items, risks, audit');
    // each entry's evidence-derived lifecycle stages and STRIDE threats, stored with it (issue 15)
    const created = new Set(j.riskChanges.filter((c) => c.kind === 'created').map((c) => c.entry.id));
    await storeDerived(tx, derivedOfFacts(j.items, risks, facts), at, created);
    clock.mark('stages and threats');
    await tx.setState(input.state, at);
    await tx.finishRun(runId, { status, coverage: input.coverage, errors: input.errors, summary, scanners: input.scannerVersions });
    clock.mark('state, run');
    return { summary, judgement: j, findings: merged, risks, catalog };
  });
}
