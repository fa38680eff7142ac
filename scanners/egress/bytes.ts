/**
 * Byte-level helpers shared by the egress parsers. Everything works on a Buffer and a
 * [start, end) range, so a line is never copied or split into strings unless it matters.
 */
import { normalizeHost } from '../../src/core/host.js';

export const SP = 32;
export const TAB = 9;
export const NL = 10;
export const CR = 13;
export const QUOTE = 34;
export const COMMA = 44;

/** Skips spaces and tabs. */
export function skipBlank(buf: Buffer, i: number, e: number): number {
  while (i < e) {
    const c = buf[i];
    if (c !== SP && c !== TAB) break;
    i++;
  }
  return i;
}

/** Index of the next space / tab at or after i (or e). */
export function nextBlank(buf: Buffer, i: number, e: number): number {
  while (i < e) {
    const c = buf[i];
    if (c === SP || c === TAB) break;
    i++;
  }
  return i;
}

/** Index of byte `b` in [i, e), or -1. */
export function indexIn(buf: Buffer, b: number, i: number, e: number): number {
  while (i < e) {
    if (buf[i] === b) return i;
    i++;
  }
  return -1;
}

/** Index of a byte sequence inside [i, e) (never looks past e), or -1. */
export function findIn(buf: Buffer, needle: Buffer, i: number, e: number): number {
  if (e - i < needle.length) return -1;
  const first = needle[0];
  const last = e - needle.length;
  outer: for (let p = i; p <= last; p++) {
    if (buf[p] !== first) continue;
    for (let k = 1; k < needle.length; k++) if (buf[p + k] !== needle[k]) continue outer;
    return p;
  }
  return -1;
}

/** Non-negative decimal integer in [s, e); -1 when not a number (`-`, empty, junk). */
export function parseUint(buf: Buffer, s: number, e: number): number {
  if (s >= e) return -1;
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Decimal `123.456` seconds → milliseconds; NaN when not a number. */
export function parseEpochMs(buf: Buffer, s: number, e: number): number {
  let n = 0;
  let i = s;
  let digits = 0;
  for (; i < e; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
    digits++;
  }
  if (!digits) return NaN;
  let ms = n * 1000;
  if (i < e && buf[i] === 46) {
    let scale = 100;
    for (i++; i < e; i++) {
      const c = buf[i] - 48;
      if (c < 0 || c > 9) return NaN;
      ms += c * scale;
      scale /= 10;
    }
  }
  return i === e ? Math.floor(ms) : NaN;
}

export function latin1(buf: Buffer, s: number, e: number): string {
  return buf.toString('latin1', s, e);
}

export function utf8(buf: Buffer, s: number, e: number): string {
  return buf.toString('utf8', s, e);
}

/**
 * Host from the bytes of an authority (`Host`, `host:port`, `[v6]:port`, a name with upper-case,
 * a trailing dot, or UTF-8). The common case — lower-case ASCII letters, digits, `-`, `.`, `_` —
 * becomes a string without further work; anything else goes through normalizeHost.
 */
export function hostFromBytes(buf: Buffer, s: number, e: number): string {
  if (s >= e) return '';
  let simple = true;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    // a-z 0-9 - . _
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95) continue;
    simple = false;
    break;
  }
  if (simple && buf[e - 1] !== 46) return buf.toString('latin1', s, e);
  return validHost(normalizeHost(buf.toString('utf8', s, e)));
}

/** '' unless the normalised host holds only DNS-name / IP-literal characters (garbage never matches a suffix rule). */
export function validHost(h: string): string {
  if (!h || h.length > 253) return '';
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95 || c === 58) continue;
    return '';
  }
  return h;
}

/**
 * Locates the authority of a URL (`scheme://host:port/path`, `host:port`, `host/path`) in
 * [s, e): returns [hostStart, hostEnd, pathStart] — pathStart = e when there is no path.
 * The host range excludes the port; a bracketed IPv6 literal keeps its brackets.
 */
export function urlParts(buf: Buffer, s: number, e: number, out: Int32Array): void {
  let hs = s;
  // scheme
  for (let i = s; i < e && i < s + 12; i++) {
    const c = buf[i];
    if (c === 58) {
      if (i + 2 < e && buf[i + 1] === 47 && buf[i + 2] === 47) hs = i + 3;
      break;
    }
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) break;
  }
  let he = hs;
  let ps = e;
  let colon = -1;
  let bracket = false;
  for (let i = hs; i < e; i++) {
    const c = buf[i];
    if (c === 47 || c === 63 || c === 35) {
      ps = i;
      break;
    }
    if (c === 64) {
      // userinfo@host
      hs = i + 1;
      colon = -1;
      continue;
    }
    if (c === 91 && i === hs) bracket = true;
    if (c === 93) bracket = false;
    if (c === 58 && !bracket && colon < 0) colon = i;
  }
  he = colon >= 0 ? colon : ps;
  out[0] = hs;
  out[1] = he;
  out[2] = ps;
}

/** The path of a URL up to `?` / `#` (`/v1/chat`), from a byte range starting at '/' or '?'. */
export function pathFromBytes(buf: Buffer, s: number, e: number): string {
  if (s >= e) return '';
  let end = e;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c === 63 || c === 35 || c === SP || c === TAB) {
      end = i;
      break;
    }
  }
  if (buf[s] !== 47) return '/';
  return buf.toString('utf8', s, end);
}

/** True for `-`, empty, `(empty)`, `None`, `null`: a log's way of saying "no value". */
export function isUnset(v: string): boolean {
  return v === '' || v === '-' || v === '(empty)' || v === 'None' || v === 'null' || v === '""';
}

const BLOCKED = /(?:^|[^a-z])(?:block|den(?:y|ied)|drop|reset|reject|refuse)/i;

/**
 * A proxy / firewall / DNS-policy decision that stopped the request: `Blocked`, `BLOCKED`,
 * `block-url`, `deny`, `TCP_DENIED`, `DENIED`, `drop`, `reset-both`, `blockedByCategory`,
 * `REJECT`. Allowed / observed / alert / continue / override are not.
 */
export function isBlockedAction(v: string): boolean {
  return !!v && BLOCKED.test(v);
}

/**
 * A DNS response code that is not a success: anything but `NOERROR` / `0` (NXDOMAIN, REFUSED,
 * SERVFAIL, 3, 5 …). Unset (no answer seen) is not a failure: the outcome is unknown.
 */
export function isDnsFailure(v: string): boolean {
  if (isUnset(v)) return false;
  const t = v.trim();
  return !(t === '0' || /^noerror$/i.test(t));
}

/** `Doe, Jane (jane.doe@example.com)` → `jane.doe@example.com` (directory display names); else unchanged. */
export function userOf(v: string): string {
  const m = /\(([^()\s@]+@[^()\s]+)\)\s*$/.exec(v);
  return m ? m[1] : v;
}
