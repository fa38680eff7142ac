import type { Coverage, ScanContext, Sink } from '../../src/core/types.js';
import { candidateHeuristic } from '../audit-export/lib/candidates.js';
import { AuditCollector } from '../audit-export/lib/collector.js';
import { baseUrl, httpClient } from '../audit-export/lib/live.js';
import { pullUnit, throwIfAllAuthFailed, type UnitResult } from '../audit-export/lib/pull.js';
import { gs, isoTime } from '../audit-export/lib/util.js';
import { parseOkta } from '../audit-export/parsers/okta.js';
import { UsageError } from '../../src/core/errors.js';
import { authHeader, logPages } from './client.js';
import type { OktaOptions } from './index.js';

export const SCANNER_ID = 'okta';

export async function scan(ctx: ScanContext<OktaOptions>, sink: Sink): Promise<Coverage> {
  const o = ctx.options;
  const urls = o.orgUrls.length ? o.orgUrls : [process.env.OKTA_ORG_URL ?? process.env.OKTA_DOMAIN ?? ''].filter(Boolean);
  if (!urls.length) throw new UsageError('okta: no org URL: set orgUrls or OKTA_ORG_URL (https://<org>.okta.com)');
  const collector = new AuditCollector(SCANNER_ID, ctx, sink, candidateHeuristic(o.candidatesFile));
  const http = httpClient(SCANNER_ID, ctx, sink);
  const until = ctx.now().toISOString();
  const results: UnitResult[] = [];
  for (const raw of urls) {
    if (ctx.signal.aborted) break;
    const base = baseUrl(raw, [], '');
    const copts = { ...o, baseUrl: /^https?:\/\//.test(base) ? base : `https://${base}` };
    const auth = authHeader(copts);
    const host = new URL(copts.baseUrl).host;
    results.push(await pullUnit(ctx, sink, collector, {
      unit: `okta:${host}:logs`,
      vendor: 'okta',
      stateKey: `cursor:${host}`,
      pages: (since) => logPages(http, copts, auth, since, until),
      parse: (rec) => parseOkta(rec),
      timeOf: (rec) => isoTime(rec.published),
      idOf: (rec) => gs(rec, 'uuid'),
    }));
  }
  collector.finish();
  sink.stat('http.requests', http.requests);
  throwIfAllAuthFailed(results);
  return sink.coverage();
}
