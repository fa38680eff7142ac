/**
 * An engine's answer → typed rows. Engines answer in their own value types (DuckDB BIGINT as
 * bigint, Athena every cell as text, BigQuery numbers as strings, Splunk strings, Sentinel
 * numbers, ES|QL columns + values): each runner gives plain records keyed by column name, and
 * these readers take any of those forms, rejecting a row that lacks what it must have.
 */
import type { AuditRowOut, EgressRow } from './types.js';

export type Cell = string | number | bigint | boolean | null | undefined;
export type RawRow = Record<string, Cell>;

export class RowError extends Error {}

function num(v: Cell, what: string): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? Number(v) : Number(v);
  if (!Number.isFinite(n)) throw new RowError(`${what}: not a number: ${String(v)}`);
  return n;
}

function text(v: Cell): string {
  return v === null || v === undefined ? '' : String(v);
}

function bool(v: Cell): boolean {
  return v === true || v === 1 || v === 1n || v === '1' || v === 'true';
}

/** Column names as the targets write them (Splunk / ES|QL keep the query's names; KQL too). */
export function egressRow(r: RawRow): EgressRow {
  const events = num(r.events, 'events');
  const host = text(r.host);
  if (!host || events === null || events <= 0) throw new RowError(`row without host or events: ${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  return {
    subject: text(r.subject),
    host,
    pathGroup: text(r.path_group),
    samplePath: text(r.sample_path),
    failed: bool(r.failed),
    service: text(r.service),
    pattern: text(r.pattern),
    events,
    bytesOut: num(r.bytes_out, 'bytes_out'),
    bytesIn: num(r.bytes_in, 'bytes_in'),
    firstMs: num(r.first_ms, 'first_ms'),
    lastMs: num(r.last_ms, 'last_ms'),
    days: num(r.days, 'days') ?? 0,
  };
}

export function auditRow(r: RawRow): AuditRowOut {
  const events = num(r.events, 'events');
  const eventSource = text(r.event_source);
  if (!eventSource || !text(r.subject) || events === null || events <= 0) throw new RowError(`row without subject, event source or events: ${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  return {
    subject: text(r.subject),
    eventSource,
    eventName: text(r.event_name),
    failed: bool(r.failed),
    service: text(r.service),
    events,
    firstMs: num(r.first_ms, 'first_ms'),
    lastMs: num(r.last_ms, 'last_ms'),
  };
}
