/**
 * What every audit scanner does with parsed events: drops cloud audit events no rule knows
 * (a rule-driven pre-filter — CloudTrail holds every API call of an account), folds the rest
 * into observations and emits them at the end of the scan.
 */
import type { ScanContext, Sink, SourceKind } from '../../../src/core/types.js';
import { Aggregator } from './aggregate.js';
import { candidateHeuristic, type CandidateHeuristic } from './candidates.js';
import type { AuditEvent } from './types.js';

/** Request ids seen in this scan (bounded: cleared when full, so memory stays flat on huge logs). */
const MAX_REQUEST_IDS = 1_000_000;

export class AuditCollector {
  readonly agg: Aggregator;
  /** Shared with staging collectors: a call logged by two sources counts once in the scan. */
  private requests: Set<string> = new Set();
  constructor(
    private scanner: string,
    private ctx: Pick<ScanContext, 'rules'>,
    private sink: Sink,
    private heuristic: CandidateHeuristic | undefined = candidateHeuristic(),
    private source: SourceKind = 'saas',
    private allApps = false,
  ) {
    this.agg = new Aggregator(scanner, ctx.rules, heuristic, source, allApps);
  }

  /**
   * A staging collector for one unit (a live pull, an ordered run of trail files): what it
   * gathers reaches this collector only through commit(); a unit that fails is dropped whole.
   */
  stage(): AuditCollector {
    const c = new AuditCollector(this.scanner, this.ctx, this.sink, this.heuristic, this.source, this.allApps);
    c.requests = this.requests;
    return c;
  }

  /** Merges a staging collector's events into this one. */
  commit(staged: AuditCollector): void {
    this.agg.absorb(staged.agg);
  }

  add(events: readonly AuditEvent[], locator: (ev: AuditEvent) => string): void {
    for (const ev of events) {
      if (ev.kind === 'audit-event' && !this.ctx.rules.matchAuditEvent(ev.namespace ?? '', ev.value)) {
        this.sink.stat('events.unmatchedCloud', 1);
        continue;
      }
      if (ev.requestId && ev.kind === 'audit-event') {
        const k = `${ev.namespace ?? ''}\u0000${ev.value}\u0000${ev.requestId}`;
        if (this.requests.has(k)) {
          this.sink.stat('events.sameRequest', 1);
          continue;
        }
        if (this.requests.size >= MAX_REQUEST_IDS) this.requests.clear();
        this.requests.add(k);
      }
      this.agg.add(ev, locator(ev));
    }
  }

  finish(): void {
    this.sink.stat('events', this.agg.events);
    this.sink.stat('events.notAi', this.agg.dropped);
    if (this.agg.removed) this.sink.stat('events.removal', this.agg.removed);
    this.sink.stat('observations', this.agg.flush(this.sink));
  }
}
