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

/** How many leading characters are kept: the vendor prefix (up to the last '-' or '_' in the first 16) or 4. */
export function secretPrefix(secret: string): string {
  const head = secret.slice(0, 16);
  const cut = Math.max(head.lastIndexOf('-'), head.lastIndexOf('_'));
  const n = cut >= 2 ? cut + 1 : 4;
  // Never reveal more than a third of a short secret.
  return secret.slice(0, Math.min(n, Math.floor(secret.length / 3)));
}

export function redactSecret(secret: string): RedactedSecret {
  const prefix = secretPrefix(secret);
  const last4 = secret.length > 12 ? secret.slice(-4) : '';
  const fingerprint = 'sha256:' + createHash('sha256').update(secret, 'utf8').digest('hex');
  return { prefix, last4, fingerprint, display: `${prefix}…${last4}`, length: secret.length };
}

/** Replaces every occurrence of `secret` in `text` with its display form. */
export function redactIn(text: string, secret: string): string {
  if (!secret) return text;
  return text.split(secret).join(redactSecret(secret).display);
}
