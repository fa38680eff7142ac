/** Time windows: durations (`15m`, `30d`), `since` bounds and the ISO-8601 interval label. */
import { UsageError } from '../core/errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(v: string, what = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(v);
  if (!m) throw new UsageError(`egress-query: ${what} "${v}" is not a duration (e.g. 90s, 15m, 12h, 30d, 2w)`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2].toLowerCase()]);
}

/** An ISO date(-time) (UTC when no zone is written) or a duration back from now. */
export function parseSince(v: string, now: Date): Date {
  if (/^\s*\d+(\.\d+)?\s*[smhdw]\s*$/i.test(v)) return new Date(now.getTime() - parseDuration(v, 'since'));
  const s = v.trim();
  const withZone = /([zZ]|[+-]\d{2}:?\d{2})$/.test(s) || /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : `${s}Z`;
  const d = new Date(withZone);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(d.getTime())) throw new UsageError(`egress-query: since "${v}" is neither an ISO date-time (2026-12-01T00:00:00Z) nor a duration (30d)`);
  return d;
}

/** `2026-12-01T00:00:00.000Z/2026-12-02T00:00:00.000Z`, `../…` when open at the start. */
export function windowLabel(from: Date | undefined, to: Date | undefined): string {
  return `${from ? from.toISOString() : '..'}/${to ? to.toISOString() : '..'}`;
}
