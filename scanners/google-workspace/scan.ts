import type { Coverage, ScanContext, Sink } from '../../src/core/types.js';
import { candidateHeuristic } from '../audit-export/lib/candidates.js';
import { AuditCollector } from '../audit-export/lib/collector.js';
import { baseUrl, httpClient } from '../audit-export/lib/live.js';
import { pullUnit, throwIfAllAuthFailed, type UnitResult } from '../audit-export/lib/pull.js';
import { get, gs, isoTime } from '../audit-export/lib/util.js';
import { parseGoogle } from '../audit-export/parsers/google.js';
import { accessToken, activityPages } from './client.js';
import type { GoogleWorkspaceOptions } from './index.js';

export const SCANNER_ID = 'google-workspace';

export async function scan(ctx: ScanContext<GoogleWorkspaceOptions>, sink: Sink): Promise<Coverage> {
  const o = ctx.options;
  const collector = new AuditCollector(SCANNER_ID, ctx, sink, candidateHeuristic(o.candidatesFile));
  const http = httpClient(SCANNER_ID, ctx, sink);
  const copts = { ...o, baseUrl: baseUrl(o.baseUrl, ['SHADOWSCAN_GOOGLE_REPORTS_URL'], 'https://admin.googleapis.com') };
  const token = await accessToken(copts);
  const end = ctx.now().toISOString();
  const results: UnitResult[] = [];
  for (const app of o.applications) {
    if (ctx.signal.aborted) break;
    results.push(await pullUnit(ctx, sink, collector, {
      unit: `google-workspace:${o.customerId ?? 'my_customer'}:${app}`,
      vendor: 'google',
      stateKey: `cursor:${app}`,
      pages: (since) => activityPages(http, copts, token, app, since, end),
      parse: (r) => parseGoogle(r),
      timeOf: (r) => isoTime(get(r, 'id.time')),
      idOf: (r) => gs(r, 'id.uniqueQualifier'),
    }));
  }
  collector.finish();
  sink.stat('http.requests', http.requests);
  throwIfAllAuthFailed(results);
  return sink.coverage();
}
