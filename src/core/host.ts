import { domainToASCII } from 'node:url';
import { isIP } from 'node:net';

/**
 * Normalises a host as found in logs, URLs or config: trims, lower-cases, strips a port, a
 * trailing dot, brackets around IPv6, and converts IDN (Unicode) labels to punycode.
 * Returns '' when nothing host-like is left.
 */
export function normalizeHost(raw: string): string {
  let h = raw.trim();
  if (!h) return '';
  // scheme://host/… given by mistake
  const scheme = h.indexOf('://');
  if (scheme >= 0) h = h.slice(scheme + 3);
  const slash = h.search(/[/?#]/);
  if (slash >= 0) h = h.slice(0, slash);
  const at = h.lastIndexOf('@');
  if (at >= 0) h = h.slice(at + 1);
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end).toLowerCase() : '';
  }
  // host:port (but not a bare IPv6 address)
  const colon = h.lastIndexOf(':');
  if (colon >= 0 && h.indexOf(':') === colon) h = h.slice(0, colon);
  while (h.endsWith('.')) h = h.slice(0, -1);
  if (!h) return '';
  if (isIP(h)) return h.toLowerCase();
  let ascii = true;
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if (c > 127) { ascii = false; break; }
  }
  if (ascii) return h.toLowerCase();
  const puny = domainToASCII(h);
  return puny ? puny.toLowerCase() : '';
}

export function isIpLiteral(host: string): boolean {
  return isIP(host) !== 0;
}

/** Splits a URL or `host/path` into a normalised host and a path ('' when absent). */
export function splitUrl(raw: string): { host: string; path: string } {
  let s = raw.trim();
  const scheme = s.indexOf('://');
  if (scheme >= 0 && scheme < 12) s = s.slice(scheme + 3);
  const i = s.search(/[/?#]/);
  const hostPart = i >= 0 ? s.slice(0, i) : s;
  let path = i >= 0 ? s.slice(i) : '';
  if (path.startsWith('?') || path.startsWith('#')) path = '/' + path;
  const q = path.search(/[?#]/);
  if (q >= 0) path = path.slice(0, q);
  return { host: normalizeHost(hostPart), path };
}
