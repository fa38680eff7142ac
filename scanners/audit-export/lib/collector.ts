/**
 * What every audit scanner does with parsed events: drops cloud audit events no rule knows
 * (a rule-driven pre-filter — CloudTrail holds every API call of an account), folds the rest
 * into observations and emits them at the end of the scan.
 */
import type { ScanContext, Sink, SourceKind } from '../../../src/core/types.js';
import { Aggregator } from './aggregate.js';
import { candidateHeuristic, type CandidateHeuristic } from './candidates.js';
import type { AuditEvent } from './types.js';

export class AuditCollector {
  readonly agg: Aggregator;
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
    return new AuditCollector(this.scanner, this.ctx, this.sink, this.heuristic, this.source, this.allApps);
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
