import type { Coverage, ScanContext, Sink } from '../../src/core/types.js';
import { UsageError } from '../../src/core/errors.js';
import { unitPartial } from '../../src/collect/partial.js';
import { AuditCollector } from '../audit-export/lib/collector.js';
import { pullUnit, startTime } from '../audit-export/lib/pull.js';
import { gs, isoTime } from '../audit-export/lib/util.js';
import { parseCloudTrail, unwrapLookup } from '../audit-export/parsers/cloudtrail.js';
import { cloudTrailClient, lookupPages, parseTrailObject, s3Client, trailKeys, trailObject } from './client.js';
import type { Rec } from '../audit-export/lib/util.js';
import type { CloudTrailOptions } from './index.js';

export const SCANNER_ID = 'cloudtrail';

/** Event sources the rules know (data, not code): LookupEvents takes one source per call. */
export function ruleEventSources(ctx: ScanContext<unknown>): string[] {
  const set = new Set<string>();
  for (const s of ctx.rules.services) for (const e of s.match.cloud.aws.eventSources) set.add(e.toLowerCase());
  return [...set].sort();
}

export async function scan(ctx: ScanContext<CloudTrailOptions>, sink: Sink): Promise<Coverage> {
  const o = ctx.options;
  const regions = o.regions.length ? o.regions : [process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? ''].filter(Boolean);
  if (!regions.length && !o.trails.length) throw new UsageError('cloudtrail: name at least one region (or AWS_REGION) or a trail bucket');
  const collector = new AuditCollector(SCANNER_ID, ctx, sink, undefined, 'cloud');
  const aws = { endpoint: o.endpoint, maxAttempts: o.maxAttempts, forcePathStyle: o.forcePathStyle };
  const end = ctx.now();
  if (o.lookup) {
    const sources = o.eventSources.length ? o.eventSources : ruleEventSources(ctx);
    for (const region of regions) {
      const ct = cloudTrailClient(region, aws);
      try {
        for (const source of sources) {
          if (ctx.signal.aborted) break;
          await pullUnit(ctx, sink, collector, {
            unit: `cloudtrail:${region}:${source}`, vendor: 'cloudtrail', stateKey: `cursor:${region}:${source}`,
            pages: (since) => lookupPages(ct, source, new Date(since), end, o.maxPages, ctx.signal),
            parse: (r) => parseCloudTrail(r),
            timeOf: (r) => isoTime(unwrapLookup(r).eventTime ?? r.EventTime),
            idOf: (r) => gs(r, 'EventId') ?? gs(unwrapLookup(r), 'eventID'),
          });
        }
      } finally {
        ct.destroy();
      }
    }
  }
  for (const t of o.trails) {
    const region = t.region ?? regions[0] ?? 'us-east-1';
    const s3 = s3Client(region, aws);
    const unit = `cloudtrail:s3://${t.bucket}/${t.prefix ?? ''}`;
    const key = `s3:${t.bucket}/${t.prefix ?? ''}`;
    // Trail files are listed in key order (their names carry the time) and the stored state is
    // the last key read whole. A file or listing that fails stops the unit there: the files
    // before it count and the state stops just before it, so the next run retries it and
    // nothing is skipped or counted twice.
    const after = ctx.full ? undefined : ctx.state.get<string>(key);
    let last = after;
    let files = 0;
    const cutFiles: string[] = [];
    try {
      const sinceIso = after ? undefined : startTime(ctx, undefined);
      for await (const k of trailKeys(s3, t.bucket, t.prefix ?? '', after, o.maxPages, ctx.signal)) {
        if (ctx.signal.aborted) break;
        // first run: skip files older than the look-back window (their names carry the time: …_20240102T0305Z_…)
        const m = /_(\d{8}T\d{4})Z_/.exec(k);
        if (sinceIso && m && `${m[1].slice(0, 4)}-${m[1].slice(4, 6)}-${m[1].slice(6, 8)}T${m[1].slice(9, 11)}:${m[1].slice(11, 13)}` < sinceIso.slice(0, 16)) { last = k; continue; }
        let bytes: Buffer;
        try {
          bytes = await trailObject(s3, t.bucket, k, ctx.signal);
        } catch (e) {
          throw new Error(`s3://${t.bucket}/${k}: ${(e as Error).message} (stopped here; the next run resumes at this file)`);
        }
        let recs: Rec[];
        let cut: string | undefined;
        try {
          const obj = parseTrailObject(bytes, `s3://${t.bucket}/${k}`, (where, msg) => sink.problem(where, msg));
          recs = obj.records;
          cut = obj.truncated;
          if (obj.bad) sink.stat('records.malformed', obj.bad);
        } catch (e) {
          // a damaged file will not read better next time: reported, counted, passed over
          sink.problem(`s3://${t.bucket}/${k}`, (e as Error).message);
          sink.stat('s3.filesUnreadable', 1);
          last = k;
          continue;
        }
        recs.forEach((r, i) => {
          try {
            collector.add(parseCloudTrail(r), () => `s3://${t.bucket}/${k}:${i + 1}`);
          } catch (e) {
            // one record with a field of the wrong type: that record, not the file or the unit
            sink.problem(`s3://${t.bucket}/${k}:${i + 1}`, `record not understood: ${(e as Error).message.slice(0, 120)}`);
          }
        });
        if (cut) {
          // a damaged object will not read better next time: its complete records count, the cut is reported
          sink.problem(`s3://${t.bucket}/${k}`, `${cut}; the ${recs.length} complete records were kept`);
          sink.stat('s3.filesTruncated', 1);
          cutFiles.push(`${k} (${cut})`);
        }
        sink.stat('records', recs.length);
        files++;
        last = k;
      }
      if (cutFiles.length) unitPartial(sink, unit, `${cutFiles.length} log file(s) end early, their complete records were kept: ${cutFiles.slice(0, 3).join('; ')}`);
      else sink.unitScanned(unit);
    } catch (e) {
      sink.unitFailed(unit, (e as Error).message);
    } finally {
      sink.stat('s3.files', files);
      if (last && last !== after) ctx.state.set(key, last);
      s3.destroy();
    }
  }
  collector.finish();
  return sink.coverage();
}
