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
    scanner: string,
    private ctx: Pick<ScanContext, 'rules'>,
    private sink: Sink,
    heuristic: CandidateHeuristic | undefined = candidateHeuristic(),
    source: SourceKind = 'saas',
    allApps = false,
  ) {
    this.agg = new Aggregator(scanner, ctx.rules, heuristic, source, allApps);
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
    this.sink.stat('observations', this.agg.flush(this.sink));
  }
}
