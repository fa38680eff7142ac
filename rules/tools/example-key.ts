/**
 * Deterministic fake keys for rule examples. Keys are derived from a seed string with a small
 * PRNG (mulberry32 over an FNV-1a hash), so they look random, have realistic entropy, are stable
 * across runs, and are never real credentials.
 *
 *   node bin/run-ts.mjs rules/tools/example-key.ts <seed> <charset> <length>
 *   charsets: alnum, lower-alnum, letters, hex, upper-hex, base64, base64url, urlsafe, digits
 */
export const CHARSETS: Record<string, string> = {
  alnum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  'lower-alnum': 'abcdefghijklmnopqrstuvwxyz0123456789',
  letters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  hex: '0123456789abcdef',
  'upper-hex': '0123456789ABCDEF',
  base64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  /** alphanumerics with a rare `_` / `-`, like many vendors' URL-safe keys */
  urlsafe: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  digits: '0123456789',
};

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function prng(seed: string): () => number {
  let a = fnv1a(seed);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` characters from `charset` (a name from CHARSETS or a literal alphabet), stable per seed. */
export function exampleKey(seed: string, charset: string, length: number): string {
  const alphabet = CHARSETS[charset] ?? charset;
  const next = prng(`${seed}/${charset}/${length}`);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
  return out;
}

/** A lower-case UUID (version 4 layout) stable per seed. */
export function exampleUuid(seed: string): string {
  const h = exampleKey(seed, 'hex', 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

if (process.argv[1] && /example-key\.ts$/.test(process.argv[1])) {
  const [seed, charset, len] = process.argv.slice(2);
  if (!seed || !charset || !len) {
    console.error('usage: example-key.ts <seed> <charset> <length>');
    process.exit(2);
  }
  console.log(exampleKey(seed, charset, Number(len)));
}
