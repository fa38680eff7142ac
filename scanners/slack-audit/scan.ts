import type { Coverage, ScanContext, Sink } from '../../src/core/types.js';
import { candidateHeuristic } from '../audit-export/lib/candidates.js';
import { AuditCollector } from '../audit-export/lib/collector.js';
import { baseUrl, httpClient } from '../audit-export/lib/live.js';
import { pullUnit, throwIfAllAuthFailed, type UnitResult } from '../audit-export/lib/pull.js';
import { gs, isoTime } from '../audit-export/lib/util.js';
import { parseSlack } from '../audit-export/parsers/slack.js';
import { logPages, token } from './client.js';
import type { SlackAuditOptions } from './index.js';

export const SCANNER_ID = 'slack-audit';

export async function scan(ctx: ScanContext<SlackAuditOptions>, sink: Sink): Promise<Coverage> {
  const o = ctx.options;
  const copts = { ...o, baseUrl: baseUrl(o.baseUrl, ['SHADOWSCAN_SLACK_AUDIT_URL'], 'https://api.slack.com/audit/v1') };
  const tok = token(copts);
  const collector = new AuditCollector(SCANNER_ID, ctx, sink, candidateHeuristic(o.candidatesFile));
  const http = httpClient(SCANNER_ID, ctx, sink);
  const results: UnitResult[] = [];
  // one unit (and cursor) per action: a rejected action fails alone
  for (const action of o.actions.length ? o.actions : ['']) {
    if (ctx.signal.aborted) break;
    results.push(await pullUnit(ctx, sink, collector, {
      unit: `slack-audit:${action || 'all'}`,
      vendor: 'slack',
      stateKey: `cursor:${action || 'all'}`,
      pages: (since) => logPages(http, copts, tok, action, since),
      parse: (rec) => parseSlack(rec),
      timeOf: (rec) => isoTime(rec.date_create),
      idOf: (rec) => gs(rec, 'id'),
    }));
  }
  collector.finish();
  sink.stat('http.requests', http.requests);
  throwIfAllAuthFailed(results);
  return sink.coverage();
}
