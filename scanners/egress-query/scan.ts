/**
 * One coverage unit per query run: compile the rules for the engine → run it over the window
 * [watermark, now − lag) → rows → observations. A query's failure (the engine's error, a
 * timeout, a refused credential) is that unit failing; the other queries still run. The
 * watermark moves only when the query succeeded, so a failed window is asked again next time,
 * and the half-open windows never count an event twice.
 */
import { createHash } from 'node:crypto';
import type { Coverage, ScanContext, Sink } from '../../src/core/types.js';
import { UsageError } from '../../src/core/errors.js';
import { compileQuery } from '../../src/pushdown/compile.js';
import { egressObservations, auditObservations } from '../../src/pushdown/observe.js';
import { auditRow, egressRow, RowError, type RawRow } from '../../src/pushdown/rows.js';
import { queryHash } from '../../src/pushdown/rule-table.js';
import { DuckdbRunner } from '../../src/pushdown/runners/duckdb.js';
import type { QueryRunner } from '../../src/pushdown/runners/types.js';
import { autoMap } from '../../src/pushdown/auto-map.js';
import { parseDuration, parseSince, windowLabel } from '../../src/pushdown/window.js';
import type { AuditRowOut, EgressRow, FieldMap, TimeType } from '../../src/pushdown/types.js';
import { USAGE } from '../audit-export/parsers/cloudtrail.js';
import { ENGINE_TARGET, createRunner, type Engine } from './client.js';
import type { EgressQueryOptions, QuerySpec } from './index.js';

export const STATE_KEY = 'watermarks';
const SCANNER = 'egress-query';

/** The watermark belongs to what is read (engine, source, mapping), not to the rules: a rules update must not re-count old events. */
export function watermarkKey(q: QuerySpec, map: FieldMap | undefined, timeType: TimeType | undefined): string {
  const canon = JSON.stringify([q.engine, q.source, q.from.trim(), Object.entries(map ?? {}).sort(), timeType ?? 'timestamp']);
  return createHash('sha256').update(canon).digest('hex').slice(0, 16);
}

export async function scanQueries(ctx: ScanContext<EgressQueryOptions>, sink: Sink): Promise<Coverage> {
  const o = ctx.options;
  const now = ctx.now();
  const to = new Date(now.getTime() - (o.lag ? parseDuration(o.lag, 'lag') : 0));
  const since = o.since ? parseSince(o.since, now) : undefined;
  if (since && since >= to) throw new UsageError(`egress-query: since (${since.toISOString()}) is not before the window's end (${to.toISOString()})`);
  const marks: Record<string, string> = { ...(ctx.state.get<Record<string, string>>(STATE_KEY) ?? {}) };
  const runners = new Map<Engine, QueryRunner>();
  try {
    for (const q of o.queries) {
      if (ctx.signal.aborted) break;
      let runner = runners.get(q.engine);
      if (!runner) runners.set(q.engine, (runner = await createRunner(q.engine, o)));
      const name = `${q.engine}:${q.from}`;
      let map = q.map as FieldMap | undefined;
      let timeType = q.timeType;
      if (runner instanceof DuckdbRunner && (!map || !timeType)) {
        try {
          const auto = await autoMap(runner, q.from, q.source, map ?? {}, timeType);
          map = auto.map;
          timeType = auto.timeType;
        } catch (e) {
          sink.unitFailed(name, (e as Error).message);
          continue;
        }
      }
      const wkey = watermarkKey(q, map, timeType);
      const mark = !ctx.full && marks[wkey] ? new Date(marks[wkey]) : undefined;
      const from = mark ?? since;
      const window = windowLabel(from, to);
      if (from && from >= to) {
        sink.unitSkipped(`${name}@${window}`, 'nothing new since the last run (empty window)');
        continue;
      }
      let text: string;
      try {
        text = compileQuery(ctx.rules, { target: ENGINE_TARGET[q.engine], source: q.source, from: q.from, map, timeType, window: { from, to } }).query;
      } catch (e) {
        sink.unitFailed(name, (e as Error).message);
        continue;
      }
      const hash = queryHash(text);
      const unit = `${q.engine}#${hash}:${window}`;
      const t0 = performance.now();
      let rows: RawRow[];
      let stats;
      try {
        ({ rows, stats } = await runner.run(text, ctx.signal, { from, to }));
      } catch (e) {
        sink.unitFailed(unit, `${name}: ${(e as Error).message}`);
        continue;
      }
      const ms = Math.round(performance.now() - t0);
      const attrs = { engine: q.engine, window, query: hash };
      const good: Array<EgressRow | AuditRowOut> = [];
      rows.forEach((r, i) => {
        try {
          good.push(q.source === 'audit' ? auditRow(r) : egressRow(r));
        } catch (e) {
          if (!(e instanceof RowError)) throw e;
          sink.problem(`${unit}:row ${i + 1}`, e.message);
        }
      });
      if (q.source === 'audit') {
        for (const ob of auditObservations(good as AuditRowOut[], { scanner: SCANNER, locator: unit, attrs, usage: USAGE, source: 'cloud' })) sink.observe(ob);
      } else {
        const { observations, dropped } = egressObservations(ctx.rules, good as EgressRow[], { scanner: SCANNER, locator: unit, attrs });
        for (const ob of observations) sink.observe(ob);
        if (dropped) sink.stat('eventsWithoutRulePath', dropped);
      }
      sink.stat('queries', 1);
      sink.stat('rowsReturned', rows.length);
      sink.stat('events', good.reduce((n, r) => n + r.events, 0));
      if (stats.rowsScanned !== undefined) sink.stat('rowsScanned', stats.rowsScanned);
      if (stats.bytesScanned !== undefined) sink.stat('bytesScanned', stats.bytesScanned);
      // the engine's own execution time when it reports one (wall time only goes to the log: coverage stays deterministic)
      if (stats.engineMs !== undefined) sink.stat('engineMs', stats.engineMs);
      ctx.log.info('egress-query: query done', { unit, source: q.from, rows: rows.length, ms, ...stats });
      marks[wkey] = to.toISOString();
      sink.unitScanned(unit);
    }
  } finally {
    for (const r of runners.values()) await r.close?.().catch(() => undefined);
  }
  ctx.state.set(STATE_KEY, marks);
  return sink.coverage();
}
