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
  for (const [k, lk, ck] of pathKeys(path)) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    const o = cur as Rec;
    let v = o[k];
    if (v === undefined && lk !== undefined) v = o[lk];
    if (v === undefined && ck !== undefined) v = o[ck];
    cur = v;
  }
  return cur;
}

/** A path's keys with their lower-case and capitalised forms (undefined when the same), split once per path. */
const keyCache = new Map<string, Array<[string, string | undefined, string | undefined]>>();
function pathKeys(path: string): Array<[string, string | undefined, string | undefined]> {
  let keys = keyCache.get(path);
  if (!keys) {
    keys = path.split('.').map((k) => {
      const lk = k.toLowerCase();
      const ck = k ? k[0].toUpperCase() + k.slice(1) : k;
      return [k, lk !== k ? lk : undefined, ck !== k ? ck : undefined];
    });
    // paths are the parsers' literals: a handful; the bound only guards against callers building them
    if (keyCache.size < 10_000) keyCache.set(path, keys);
  }
  return keys;
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
