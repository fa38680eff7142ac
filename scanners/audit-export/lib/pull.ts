/**
 * Resumable live pulls, vendor-neutral. Each unit (an API endpoint × org / region) keeps a
 * cursor in the scanner's state: the newest event time seen and the ids seen at that time, so
 * a scheduled scan asks the API only for events since then and drops the overlap.
 */
import { readFileSync } from 'node:fs';
import { ScanError } from '../../../src/core/errors.js';
import type { ScanContext, Sink } from '../../../src/core/types.js';
import type { AuditCollector } from './collector.js';
import { AuthError } from './http.js';
import type { AuditEvent } from './types.js';
import type { Rec } from './util.js';

export interface Cursor {
  /** ISO time of the newest event seen. */
  since?: string;
  /** Event ids seen at exactly `since` (the API's time filter is inclusive). */
  ids?: string[];
}

export class CursorTracker {
  private since?: string;
  private ids: Set<string>;
  private newest?: string;
  private newestIds = new Set<string>();
  constructor(prev?: Cursor) {
    this.since = prev?.since;
    this.ids = new Set(prev?.ids ?? []);
    this.newest = prev?.since;
    for (const id of this.ids) this.newestIds.add(id);
  }
  /** True when the event was already read by an earlier run. */
  isOld(time: string | undefined, id: string | undefined): boolean {
    if (!this.since || !time) return false;
    if (time < this.since) return true;
    return time === this.since && !!id && this.ids.has(id);
  }
  see(time: string | undefined, id: string | undefined): void {
    if (!time) return;
    if (!this.newest || time > this.newest) {
      this.newest = time;
      this.newestIds = new Set(id ? [id] : []);
    } else if (time === this.newest && id) this.newestIds.add(id);
  }
  next(): Cursor {
    return this.newest ? { since: this.newest, ids: [...this.newestIds].sort().slice(0, 1000) } : {};
  }
}

/** Where a pull starts: the stored cursor, else `now - lookbackDays`. */
export function startTime(ctx: ScanContext<{ lookbackDays?: number }>, cursor: Cursor | undefined): string {
  if (cursor?.since) return cursor.since;
  const days = ctx.options.lookbackDays ?? 30;
  return new Date(ctx.now().getTime() - days * 86_400_000).toISOString();
}

export interface UnitSpec {
  unit: string;
  vendor: string;
  /** Key in ctx.state; undefined for inventory units that are read whole every time. */
  stateKey?: string;
  /** Yields pages of raw records, starting at `since`. */
  pages(since: string, cursor: Cursor | undefined): AsyncIterable<Rec[]>;
  parse(rec: Rec): AuditEvent[];
  timeOf(rec: Rec, events: AuditEvent[]): string | undefined;
  idOf(rec: Rec, events: AuditEvent[]): string | undefined;
}

export interface UnitResult {
  unit: string;
  ok: boolean;
  auth?: boolean;
  error?: string;
  records: number;
}

export async function pullUnit(ctx: ScanContext<{ lookbackDays?: number }>, sink: Sink, collector: AuditCollector, spec: UnitSpec): Promise<UnitResult> {
  const prev = spec.stateKey && !ctx.full ? ctx.state.get<Cursor>(spec.stateKey) : undefined;
  const tracker = new CursorTracker(prev);
  const since = startTime(ctx, prev);
  // Events reach the scan only when the unit completes: a unit that fails after some pages
  // keeps its old cursor, so its next run re-reads those pages — counting them now as well
  // would count them twice.
  const staged = collector.stage();
  let records = 0;
  try {
    for await (const page of spec.pages(since, prev)) {
      if (ctx.signal.aborted) throw new Error('aborted');
      sink.stat('pages', 1);
      for (const rec of page) {
        records++;
        let events: AuditEvent[];
        let t: string | undefined;
        let id: string | undefined;
        // one record of a page (a null, a number, a field of the wrong type) fails alone
        try {
          if (!rec || typeof rec !== 'object' || Array.isArray(rec)) throw new Error(`expected a JSON object, got ${rec === null ? 'null' : Array.isArray(rec) ? 'an array' : typeof rec}`);
          events = spec.parse(rec);
          t = spec.timeOf(rec, events);
          id = spec.idOf(rec, events);
        } catch (e) {
          sink.stat('records.malformed', 1);
          sink.problem(`api:${spec.vendor}:${spec.unit}:record ${records}`, `record not understood: ${(e as Error).message.slice(0, 160)}`);
          continue;
        }
        if (tracker.isOld(t, id)) { sink.stat('records.alreadySeen', 1); continue; }
        tracker.see(t, id);
        staged.add(events, (ev) => `api:${spec.vendor}:${ev.eventId ?? id ?? spec.unit}`);
      }
      sink.progress(records, undefined, spec.unit);
    }
    sink.stat('records', records);
    collector.commit(staged);
    if (spec.stateKey) ctx.state.set(spec.stateKey, tracker.next());
    sink.unitScanned(spec.unit);
    return { unit: spec.unit, ok: true, records };
  } catch (e) {
    const msg = (e as Error).message;
    sink.stat('records', records);
    if (staged.agg.events) sink.stat('events.discardedWithFailedUnit', staged.agg.events);
    sink.unitFailed(spec.unit, `${msg}${records ? ` (the ${records} records read before the failure are not counted; the next run re-reads them from the stored cursor)` : ''}`);
    return { unit: spec.unit, ok: false, auth: e instanceof AuthError, error: msg, records };
  }
}

/** When every unit failed on credentials, nothing at all could be scanned: that is a scan error. */
export function throwIfAllAuthFailed(results: UnitResult[]): void {
  if (results.length && results.every((r) => !r.ok && r.auth)) throw new ScanError(results[0].error!);
}

/** A credential from an option, a file, or environment variables — in that order. Never logged. */
export function credential(opts: { value?: string; file?: string; env: string[] }): string | undefined {
  if (opts.value) return opts.value.trim();
  if (opts.file) return readFileSync(opts.file, 'utf8').trim();
  for (const e of opts.env) {
    const v = process.env[e];
    if (v && v.trim()) return v.trim();
    const f = process.env[`${e}_FILE`];
    if (f) return readFileSync(f, 'utf8').trim();
  }
  return undefined;
}
