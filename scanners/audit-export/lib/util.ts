/** Small vendor-neutral helpers for reading loosely-typed audit records. */

export type Rec = Record<string, unknown>;

export function obj(v: unknown): Rec | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * Reads a dotted path (`a.b.c`) from a record. Keys are tried as written, all lower-case and
 * capitalised — SIEM and Azure Monitor exports lower-case or capitalise some field names.
 */
export function get(rec: unknown, path: string): unknown {
  let cur: unknown = rec;
  const parts = path.includes('.') ? path.split('.') : [path];
  for (const k of parts) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    const o = cur as Rec;
    let v = o[k];
    if (v === undefined) {
      const lk = k.toLowerCase();
      v = lk !== k ? o[lk] : undefined;
      if (v === undefined) {
        const ck = k[0].toUpperCase() + k.slice(1);
        v = ck !== k ? o[ck] : undefined;
      }
    }
    cur = v;
  }
  return cur;
}

export function gs(rec: unknown, ...paths: string[]): string | undefined {
  for (const p of paths) {
    const v = str(get(rec, p));
    if (v) return v;
  }
  return undefined;
}

/**
 * Normalises a time to ISO-8601 UTC: ISO strings (with or without zone; no zone = UTC),
 * `YYYY-MM-DD HH:MM:SS[.fff…]`, epoch seconds / milliseconds / nanoseconds (numbers or digit strings).
 */
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ISO_S = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

export function isoTime(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number' || (typeof v === 'string' && /^\d{9,19}(\.\d+)?$/.test(v))) {
    let n = Number(v);
    if (!Number.isFinite(n)) return undefined;
    if (n > 1e17) n = n / 1e6; // ns
    else if (n > 1e14) n = n / 1e3; // µs
    else if (n < 1e11) n = n * 1000; // s
    const d = new Date(n);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  if (typeof v !== 'string') return undefined;
  // fast path: already ISO-8601 UTC
  if (ISO_MS.test(v)) return v;
  if (ISO_S.test(v)) return `${v.slice(0, 19)}.000Z`;
  let s = v.trim().replace(' ', 'T');
  // trim fractional seconds to milliseconds (Date cannot parse nanoseconds)
  s = s.replace(/(\.\d{3})\d+/, '$1');
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(s)) s += 'Z';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Splits scope lists written as arrays, space- or comma-separated strings. */
export function scopeList(...vs: unknown[]): string[] {
  const out = new Set<string>();
  for (const v of vs) {
    const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[\s,]+/) : [];
    for (const i of items) {
      const s = typeof i === 'string' ? i.trim() : '';
      if (s) out.add(s);
    }
  }
  return [...out].sort();
}

export function lower(s: string | undefined): string {
  return (s ?? '').toLowerCase();
}
