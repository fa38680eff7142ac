import { UsageError } from '../../src/core/errors.js';
import type { Coverage, ScanContext, Sink } from '../../src/core/types.js';
import { candidateHeuristic } from '../audit-export/lib/candidates.js';
import { AuditCollector } from '../audit-export/lib/collector.js';
import { baseUrl, httpClient } from '../audit-export/lib/live.js';
import { pullUnit, throwIfAllAuthFailed, type UnitResult } from '../audit-export/lib/pull.js';
import { gs, isoTime } from '../audit-export/lib/util.js';
import { parseGithub } from '../audit-export/parsers/github.js';
import { auditPages, token } from './client.js';
import type { GithubAuditOptions } from './index.js';

export const SCANNER_ID = 'github-audit';

export async function scan(ctx: ScanContext<GithubAuditOptions>, sink: Sink): Promise<Coverage> {
  const o = ctx.options;
  const scopes = [...o.orgs.map((x) => `orgs/${x}`), ...o.enterprises.map((x) => `enterprises/${x}`)];
  if (!scopes.length) throw new UsageError('github-audit: name at least one organisation or enterprise');
  const copts = { ...o, baseUrl: baseUrl(o.baseUrl, ['GITHUB_API_URL'], 'https://api.github.com') };
  const tok = token(copts);
  const collector = new AuditCollector(SCANNER_ID, ctx, sink, candidateHeuristic(o.candidatesFile));
  const http = httpClient(SCANNER_ID, ctx, sink);
  const results: UnitResult[] = [];
  for (const scope of scopes) {
    if (ctx.signal.aborted) break;
    results.push(await pullUnit(ctx, sink, collector, {
      unit: `github-audit:${scope}`,
      vendor: 'github',
      stateKey: `cursor:${scope}`,
      pages: (since) => auditPages(http, copts, tok, scope, since),
      parse: (rec) => parseGithub(rec),
      timeOf: (rec) => isoTime(rec['@timestamp'] ?? rec.created_at),
      idOf: (rec) => gs(rec, '_document_id'),
    }));
  }
  collector.finish();
  sink.stat('http.requests', http.requests);
  throwIfAllAuthFailed(results);
  return sink.coverage();
}
