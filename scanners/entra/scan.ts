import type { Coverage, ScanContext, Sink } from '../../src/core/types.js';
import { candidateHeuristic } from '../audit-export/lib/candidates.js';
import { AuditCollector } from '../audit-export/lib/collector.js';
import { AuthError } from '../audit-export/lib/http.js';
import { baseUrl, httpClient } from '../audit-export/lib/live.js';
import { pullUnit, throwIfAllAuthFailed, type UnitResult } from '../audit-export/lib/pull.js';
import type { ParseContext } from '../audit-export/lib/types.js';
import { gs, isoTime } from '../audit-export/lib/util.js';
import { parseEntra } from '../audit-export/parsers/entra.js';
import { parseM365 } from '../audit-export/parsers/m365.js';
import { GRAPH_SCOPE, graphPages, graphUrl, MGMT_SCOPE, mgmtPages, tokenFor } from './client.js';
import type { EntraOptions } from './index.js';

export const SCANNER_ID = 'entra';

export async function scan(ctx: ScanContext<EntraOptions>, sink: Sink): Promise<Coverage> {
  const o = ctx.options;
  const tenant = o.tenantId ?? process.env.AZURE_TENANT_ID ?? 'tenant';
  const collector = new AuditCollector(SCANNER_ID, ctx, sink, candidateHeuristic(o.candidatesFile));
  const http = httpClient(SCANNER_ID, ctx, sink);
  const graph = baseUrl(o.graphUrl, ['SHADOWSCAN_GRAPH_URL'], 'https://graph.microsoft.com/v1.0');
  const pctx: ParseContext = { servicePrincipals: new Map(), tenant };
  const results: UnitResult[] = [];
  const until = ctx.now().toISOString();
  const wantGraph = o.sources.some((s) => s !== 'management-activity');
  let graphToken: string | undefined;
  if (wantGraph) {
    try {
      graphToken = await tokenFor(GRAPH_SCOPE, ['ENTRA_ACCESS_TOKEN', 'GRAPH_ACCESS_TOKEN'], o.accessToken, o.accessTokenFile);
    } catch (e) {
      for (const s of o.sources.filter((x) => x !== 'management-activity')) {
        sink.unitFailed(`entra:${tenant}:${s}`, `cannot get a Graph token: ${(e as Error).message}`);
        results.push({ unit: s, ok: false, auth: true, error: (e as Error).message, records: 0 });
      }
    }
  }
  const pages = (first: string) => () => graphPages(http, first, graphToken!, o.maxPages);
  const ordered = [...o.sources].sort((a, b) => order(a) - order(b));
  for (const source of ordered) {
    if (ctx.signal.aborted) break;
    const unit = `entra:${tenant}:${source}`;
    if (source === 'management-activity') {
      let mtoken: string;
      try {
        mtoken = await tokenFor(MGMT_SCOPE, ['O365_MGMT_ACCESS_TOKEN'], undefined, undefined);
      } catch (e) {
        sink.unitFailed(unit, `cannot get a Management Activity API token: ${(e as Error).message}`);
        results.push({ unit, ok: false, auth: true, error: (e as Error).message, records: 0 });
        continue;
      }
      const mbase = baseUrl(o.managementUrl, ['SHADOWSCAN_O365_MGMT_URL'], `https://manage.office.com/api/v1.0/${tenant}/activity/feed`);
      for (const contentType of o.contentTypes) {
        results.push(await pullUnit(ctx, sink, collector, {
          unit: `${unit}:${contentType}`, vendor: 'm365', stateKey: `cursor:mgmt:${contentType}`,
          pages: (since) => mgmtPages(http, mbase, mtoken, contentType, since, until, o.maxPages),
          parse: (r) => parseM365(r), timeOf: (r) => isoTime(r.CreationTime), idOf: (r) => gs(r, 'Id'),
        }));
      }
      continue;
    }
    if (!graphToken) continue;
    const common = { unit, vendor: 'entra', parse: (r: Record<string, unknown>) => parseEntra(r, pctx) };
    if (source === 'signIns') {
      results.push(await pullUnit(ctx, sink, collector, {
        ...common, stateKey: 'cursor:signIns',
        pages: (since) => pages(graphUrl(graph, 'auditLogs/signIns', { $filter: `createdDateTime ge ${since}`, $top: String(o.pageSize) }))(),
        timeOf: (r) => isoTime(r.createdDateTime), idOf: (r) => gs(r, 'id'),
      }));
    } else if (source === 'directoryAudits') {
      results.push(await pullUnit(ctx, sink, collector, {
        ...common, stateKey: 'cursor:directoryAudits',
        pages: (since) => pages(graphUrl(graph, 'auditLogs/directoryAudits', { $filter: `activityDateTime ge ${since}`, $top: String(o.pageSize) }))(),
        timeOf: (r) => isoTime(r.activityDateTime), idOf: (r) => gs(r, 'id'),
      }));
    } else if (source === 'servicePrincipals') {
      // inventory: read whole each time; remembered so grants can name their app
      results.push(await pullUnit(ctx, sink, collector, {
        ...common,
        pages: () => pages(graphUrl(graph, 'servicePrincipals', { $top: String(Math.min(o.pageSize, 999)), $select: 'id,appId,displayName,appDisplayName,servicePrincipalType,publisherName,verifiedPublisher,accountEnabled,appOwnerOrganizationId' }))(),
        parse: (r) => {
          const id = gs(r, 'id');
          if (id) pctx.servicePrincipals!.set(id, { name: gs(r, 'displayName', 'appDisplayName') ?? '', appId: gs(r, 'appId') });
          return parseEntra(r, pctx);
        },
        timeOf: () => undefined, idOf: (r) => gs(r, 'id'),
      }));
    } else if (source === 'oauth2PermissionGrants') {
      results.push(await pullUnit(ctx, sink, collector, {
        ...common,
        pages: () => pages(graphUrl(graph, 'oauth2PermissionGrants', { $top: String(Math.min(o.pageSize, 999)) }))(),
        timeOf: () => undefined, idOf: (r) => gs(r, 'id'),
      }));
    }
  }
  collector.finish();
  sink.stat('http.requests', http.requests);
  throwIfAllAuthFailed(results);
  return sink.coverage();
}

/** Service principals first, so permission grants can be named. */
function order(s: string): number {
  return ['servicePrincipals', 'oauth2PermissionGrants', 'signIns', 'directoryAudits', 'management-activity'].indexOf(s);
}

export { AuthError };
