import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Coverage, ScanContext, Sink } from '../../src/core/types.js';
import type { AuditExportOptions } from './index.js';
import { candidateHeuristic } from './lib/candidates.js';
import { AuditCollector } from './lib/collector.js';
import { unitPartial } from '../../src/collect/partial.js';
import { readRecordBatches, unflatten, type Container } from './lib/records.js';
import type { ParseContext, Vendor } from './lib/types.js';
import { gs, type Rec } from './lib/util.js';
import { isPermissionGrant, isServicePrincipal } from './parsers/entra.js';
import { fromAuditData } from './parsers/m365.js';
import { ARRAY_KEYS, detectVendor, parseRecord } from './parsers/index.js';

export const SCANNER_ID = 'audit-export';

/** Entra portal CSV downloads (sign-ins, audit logs) → the Graph record shape. */
export function csvRow(row: Record<string, string>): Rec | undefined {
  const m365 = fromAuditData(row);
  if (m365) return m365;
  const col = (...names: string[]) => {
    for (const n of names) {
      const k = Object.keys(row).find((x) => x.toLowerCase() === n.toLowerCase());
      if (k && row[k]) return row[k];
    }
    return undefined;
  };
  const date = col('Date (UTC)', 'Date', 'createdDateTime', 'activityDateTime');
  const app = col('Application', 'appDisplayName');
  const activity = col('Activity', 'activityDisplayName');
  if (app !== undefined && col('Application ID', 'Application Id', 'appId') !== undefined && !col('eventType', 'action')) {
    const code = col('Sign-in error code', 'Sign-in error code ', 'errorCode');
    return {
      id: col('Request ID', 'Id', 'id'), createdDateTime: date, userPrincipalName: col('Username', 'User principal name', 'userPrincipalName', 'User'),
      appDisplayName: app, appId: col('Application ID', 'Application Id', 'appId'), resourceDisplayName: col('Resource'),
      status: { errorCode: code ?? (/^(success|)$/i.test(col('Status') ?? '') ? 0 : 1) },
    };
  }
  if (activity !== undefined && col('Target1DisplayName', 'Target1 display name') !== undefined) {
    const targets: Rec[] = [];
    for (let i = 1; i <= 5; i++) {
      const dn = col(`Target${i}DisplayName`);
      if (dn) targets.push({ displayName: dn, type: col(`Target${i}Type`), id: col(`Target${i}ObjectId`) });
    }
    return {
      id: col('CorrelationId', 'Correlation ID'), activityDateTime: date, activityDisplayName: activity, result: col('Result'),
      initiatedBy: { user: { userPrincipalName: col('ActorUserPrincipalName', 'Actor UPN') } }, targetResources: targets,
    };
  }
  const google = googleConsoleRow(col);
  if (google) return google;
  return unflatten(row);
}

/**
 * Google Admin console exports of the OAuth token audit log (Reporting › Audit and investigation ›
 * OAuth log events, "Download" as CSV): one row per event with `Event name` (Authorize / Revoke /
 * Activity), `User` / `Actor`, `Application name` / `App name`, `Client ID`, `Scope`, `Date` →
 * the Reports API activity shape (applicationName `token`), so the token parser reads it.
 */
function googleConsoleRow(col: (...names: string[]) => string | undefined): Rec | undefined {
  const event = col('Event name', 'Event');
  const user = col('User', 'Actor', 'User email', 'Actor email');
  const app = col('Application name', 'App name', 'OAuth app name');
  const clientId = col('Client ID', 'OAuth client ID', 'Application ID');
  if (!event || !user || (!app && !clientId) || (!clientId && col('Scope', 'Scopes') === undefined)) return undefined;
  const date = col('Date', 'Time', 'Timestamp');
  // ISO-like dates go to the parser as written (no zone = UTC); the console's display form
  // ("Jan 12, 2026, 10:00:00 AM GMT+1") carries its zone
  const parsed = date && !/^\d{4}-\d\d-\d\d/.test(date) ? Date.parse(date) : NaN;
  const scopes = (col('Scope', 'Scopes') ?? '').split(/[\s,]+/).filter(Boolean);
  const name = event.trim().toLowerCase().replace(/\s+/g, '_');
  const parameters: Rec[] = [];
  if (app) parameters.push({ name: 'app_name', value: app });
  if (clientId) parameters.push({ name: 'client_id', value: clientId });
  if (scopes.length) parameters.push({ name: 'scope', multiValue: scopes });
  const api = col('API name');
  if (api) parameters.push({ name: 'api_name', value: api });
  return {
    kind: 'admin#reports#activity',
    id: { applicationName: 'token', time: Number.isNaN(parsed) ? date : new Date(parsed).toISOString() },
    actor: { email: user },
    events: [{ name, parameters }],
  };
}

const CONTAINERS = new Set(['json', 'jsonl', 'csv']);

async function expand(paths: string[], sink: Sink): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string, top: boolean): Promise<void> => {
    let s;
    try {
      s = await stat(p);
    } catch (e) {
      sink.unitFailed(p, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return;
    }
    if (s.isDirectory()) {
      const names = (await readdir(p)).sort();
      for (const n of names) if (!n.startsWith('.')) await walk(join(p, n), false);
    } else if (s.isFile()) {
      if (!top && !/\.(json|jsonl|ndjson|log|csv|gz|txt)$/i.test(p)) { sink.unitSkipped(p, 'not an audit export (extension)'); return; }
      out.push(p);
    }
  };
  for (const p of paths) await walk(p, true);
  return out;
}

export async function scan(ctx: ScanContext<AuditExportOptions>, sink: Sink): Promise<Coverage> {
  const o = ctx.options;
  const collector = new AuditCollector(SCANNER_ID, ctx, sink, candidateHeuristic(o.candidatesFile), 'saas', o.allApps);
  const container = o.format && CONTAINERS.has(o.format) ? (o.format as Container) : undefined;
  const forced = o.vendor && o.vendor !== 'auto' ? (o.vendor as Vendor) : undefined;
  const pctx: ParseContext = { servicePrincipals: new Map(), tenant: o.tenant };
  const deferred: Array<{ rec: Rec; locator: string }> = [];
  const files = await expand(o.paths, sink);
  let done = 0;
  for (const file of files) {
    if (ctx.signal.aborted) break;
    sink.progress(done++, files.length, file);
    const vendors = new Set<string>();
    let records = 0;
    let unknown = 0;
    let malformed = 0;
    let truncated: string | undefined;
    try {
      const it = readRecordBatches(file, {
        problem: (line, msg, col) => { malformed++; sink.problem(`${file}:${line}${col ? `:${col}` : ''}`, msg); },
        isRecord: (r) => detectVendor(r),
        csvRow,
        arrayKeys: ARRAY_KEYS,
        bytes: (n) => sink.stat('bytes', n),
        truncated: (offset, why) => { truncated = `truncated after ${offset} bytes of content (${why.slice(0, 120)})`; },
      }, container);
      for await (const batch of it) {
        if (ctx.signal.aborted) break;
        for (const { rec, line, kind } of batch) {
          records++;
          // a JSON line's own object was recognised by isRecord already
          const vendor = forced ?? (kind as Vendor | undefined) ?? detectVendor(rec);
          if (!vendor) { unknown++; continue; }
          vendors.add(vendor);
          try {
            if (vendor === 'entra' && isServicePrincipal(rec)) {
              const id = gs(rec, 'id');
              if (id) pctx.servicePrincipals!.set(id, { name: gs(rec, 'displayName', 'appDisplayName') ?? '', appId: gs(rec, 'appId') });
            }
            if (vendor === 'entra' && isPermissionGrant(rec)) { deferred.push({ rec, locator: `${file}:${line}` }); continue; }
            const parsed = parseRecord(rec, vendor, pctx);
            if (parsed) collector.add(parsed.events, () => `${file}:${line}`);
          } catch (e) {
            // a record of the right shape with a field of the wrong type: that record only
            malformed++;
            sink.problem(`${file}:${line}`, `${vendor} record not understood: ${(e as Error).message.slice(0, 120)}`);
          }
        }
      }
      sink.stat('records', records);
      if (malformed) sink.stat('records.malformed', malformed);
      if (unknown) {
        sink.stat('records.unknown', unknown);
        sink.problem(file, `${unknown} of ${records} records are not in a known audit format${forced ? '' : ' (use --audit-format VENDOR to force one)'}`);
      }
      if (ctx.signal.aborted) break;
      if (records > 0 && unknown === records) sink.unitFailed(file, 'no record in a known audit format');
      else if (records === 0 && (malformed > 0 || truncated)) {
        // a non-empty file of which nothing could be read is never "complete"
        sink.unitFailed(file, `no readable record: ${truncated ? `${truncated}; ` : ''}${malformed} malformed (see problems)`);
      } else if (truncated) {
        sink.stat(`files.${[...vendors].sort().join('+') || 'empty'}`, 1);
        unitPartial(sink, file, `${truncated}; the ${records} records read were kept, the rest is missing`);
      } else {
        sink.stat(`files.${[...vendors].sort().join('+') || 'empty'}`, 1);
        sink.unitScanned(file);
      }
    } catch (e) {
      sink.unitFailed(file, (e as Error).message);
    }
  }
  for (const d of deferred) {
    const parsed = parseRecord(d.rec, 'entra', pctx);
    if (parsed) collector.add(parsed.events, () => d.locator);
  }
  collector.finish();
  sink.progress(files.length, files.length);
  return sink.coverage();
}
