import { createHash } from 'node:crypto';

/**
 * The only form in which a credential is ever kept: a short prefix, the last four characters
 * and a SHA-256 fingerprint of the whole value. The full key never leaves this function.
 */
export interface RedactedSecret {
  prefix: string;
  last4: string;
  /** `sha256:<hex>` of the whole secret. */
  fingerprint: string;
  /** `prefix…last4`, for display. */
  display: string;
  length: number;
}

/**
 * How many leading characters are kept. With `vendorPrefix` (the literal start of the rule that
 * matched: `sk-proj-`, `gsk_`; '' for a rule without one) exactly that prefix, or 4 characters;
 * without it, a guess: up to the last '-' or '_' in the first 16, or 4. The guess can run into
 * the random part of a URL-safe key (`sk-proj-Ab_…`), so callers that know the rule pass it.
 */
export function secretPrefix(secret: string, vendorPrefix?: string): string {
  let n: number;
  if (vendorPrefix !== undefined) {
    n = vendorPrefix && secret.startsWith(vendorPrefix) ? vendorPrefix.length : 4;
  } else {
    const head = secret.slice(0, 16);
    const cut = Math.max(head.lastIndexOf('-'), head.lastIndexOf('_'));
    n = cut >= 2 ? cut + 1 : 4;
  }
  // Never reveal more than a third of a short secret.
  return secret.slice(0, Math.min(n, Math.floor(secret.length / 3)));
}

export function redactSecret(secret: string, vendorPrefix?: string): RedactedSecret {
  const prefix = secretPrefix(secret, vendorPrefix);
  const last4 = secret.length > 12 ? secret.slice(-4) : '';
  const fingerprint = 'sha256:' + createHash('sha256').update(secret, 'utf8').digest('hex');
  return { prefix, last4, fingerprint, display: `${prefix}…${last4}`, length: secret.length };
}

/** Replaces every occurrence of `secret` in `text` with its display form. */
export function redactIn(text: string, secret: string): string {
  if (!secret) return text;
  return text.split(secret).join(redactSecret(secret).display);
}

/** Words that mark a documentation value or a stand-in, never a live key (`sk-proj-EXAMPLE…`, `your_api_key`). */
const PLACEHOLDER_WORDS = /example|placeholder|your[_-]?(?:api[_-]?)?(?:key|token|secret)|replace[_-]?me|change[_-]?me|dummy|redacted|fake/i;

/**
 * True for a value shaped like a key but written by hand: a placeholder word, a run of one
 * repeated unit (`xxxx…`, `0000…`, `abc123abc123…`, period up to 16, 12 repeats of the step) or
 * a counting sequence (`12345678`, `abcdefgh`). A random key of any alphabet in use here meets
 * none of these except with vanishing probability (< 1e-6), so no live key is dropped.
 */
export function isPlaceholderSecret(secret: string): boolean {
  if (PLACEHOLDER_WORDS.test(secret)) return true;
  for (let p = 1; p <= 16; p++) {
    let run = 0;
    for (let i = p; i < secret.length; i++) {
      if (secret[i] === secret[i - p]) {
        if (++run >= 12) return true;
      } else run = 0;
    }
  }
  let up = 0;
  let down = 0;
  for (let i = 1; i < secret.length; i++) {
    const d = secret.charCodeAt(i) - secret.charCodeAt(i - 1);
    up = d === 1 ? up + 1 : 0;
    down = d === -1 ? down + 1 : 0;
    if (up >= 7 || down >= 7) return true;
  }
  return false;
}

/**
 * Mask, then cut: `text` with each secret span replaced by its display form before any snippet
 * is cut from it, so a snippet edge can never hold half a key. Newlines inside a span are kept
 * (as newlines after the display form), so line numbers of everything after it stay right.
 */
export function maskSpans(text: string, spans: ReadonlyArray<{ index: number; length: number; display: string }>): string {
  if (!spans.length) return text;
  let out = '';
  let at = 0;
  for (const s of [...spans].sort((a, b) => a.index - b.index)) {
    if (s.index < at) continue; // overlapping: the earlier (longer-first by the detector) span already covers it
    const raw = text.slice(s.index, s.index + s.length);
    const newlines = raw.split('\n').length - 1;
    out += text.slice(at, s.index) + s.display + '\n'.repeat(newlines);
    at = s.index + s.length;
  }
  return out + text.slice(at);
}
