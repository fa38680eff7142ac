/**
 * Small helpers shared by the code parsers: extensions, line lookup, safe snippets.
 * Nothing here knows about any AI service; recognition is always delegated to the RuleIndex.
 */
import { shannonEntropy } from '../../../../src/rules/compile.js';

/** Lower-cased extension including the dot ('' when none). `.d.ts` style double extensions are not special. */
export function extOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(i).toLowerCase() : '';
}

/** Fast 1-based line lookup for many offsets in the same text (line starts indexed on first use: most files emit nothing). */
export class Lines {
  private idx?: number[];
  constructor(readonly text: string) {}
  private get starts(): number[] {
    if (!this.idx) {
      const starts = [0];
      const text = this.text;
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.idx = starts;
    }
    return this.idx;
  }
  /** 1-based line containing offset. */
  lineAt(offset: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
  /** Text of a 1-based line, without the newline. */
  line(n: number): string {
    const starts = this.starts;
    const s = starts[n - 1];
    if (s === undefined) return '';
    const e = n < starts.length ? starts[n] - 1 : this.text.length;
    return this.text.slice(s, e).replace(/\r$/, '');
  }
  /** Offset of the first character of a 1-based line. */
  start(n: number): number {
    return this.starts[n - 1] ?? this.text.length;
  }
  get count(): number {
    return this.starts.length;
  }
}

const SECRETISH_NAME = /(key|token|secret|passw|pwd|auth|credential|bearer|signature|cookie|session)/i;
const LONG_TOKEN = /[A-Za-z0-9_\-+/=.~]{20,}/g;

/**
 * Redacts anything that could be a secret in a line of source or config:
 * URL user-info and query values, values assigned to secret-looking names, Authorization
 * headers, and long high-entropy tokens. Then trims to `max` characters.
 */
export function safeSnippet(line: string, max = 200): string {
  // bound the work on pathological lines: redact a window, then trim
  let s = line.trim();
  if (s.length > max * 2) s = s.slice(0, max * 2);
  // https://user:pass@host → https://***@host
  s = s.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@"'`]+@/gi, '$1***@');
  // ?key=value&x=y → values redacted
  s = s.replace(/([?&][^=&#\s"'`]+=)[^&#\s"'`]+/g, '$1***');
  // Authorization: Bearer xyz
  s = s.replace(/\b(bearer|basic|token)\s+[A-Za-z0-9_\-+/=.~]{8,}/gi, '$1 ***');
  // name = "value", name: value, name=value where the name looks secret
  s = s.replace(
    /([A-Za-z0-9_.-]{0,64}(?:key|token|secret|passw|pwd|auth|credential|signature|cookie|session)[A-Za-z0-9_.-]{0,64}["']?[ \t]{0,8}(?::=|=>|[:=])[ \t]{0,8})("[^"]*"|'[^']*'|`[^`]*`|[^\s,;)}\]]+)/gi,
    (_m, k: string, v: string) => (looksLikePlaceholderValue(v) ? k + v : k + '***'),
  );
  // long high-entropy tokens anywhere
  s = s.replace(LONG_TOKEN, (t) => (isSecretLike(t) ? '***' : t));
  if (s.length > max) s = s.slice(0, max - 1) + '…';
  return s;
}

/** A value that is clearly not a secret: a variable reference, a call, empty. */
function looksLikePlaceholderValue(v: string): boolean {
  const u = v.replace(/^["'`]|["'`]$/g, '');
  if (u === '') return true;
  if (/^(os\.|process\.env|env\b|ENV\b|System\.|Environment\.|getenv|\$\{|\$\(|\{\{|\$[A-Za-z_])/.test(u)) return true;
  if (/^[A-Za-z_][\w.]*\($/.test(u) || /^[A-Za-z_][\w.]*\(/.test(u)) return true;
  if (/^(none|null|nil|undefined|true|false|\*+)$/i.test(u)) return true;
  return false;
}

function isSecretLike(t: string): boolean {
  if (/^https?:/i.test(t)) return false;
  if (/^[a-z]+([._/-][a-z]+)*$/i.test(t)) return false; // dotted / slashed words
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((r) => r.test(t)).length;
  return classes >= 2 && shannonEntropy(t) >= 3.5;
}

/** Whether a variable name looks like it holds a secret (its value must never be shown). */
export function isSecretName(name: string): boolean {
  return SECRETISH_NAME.test(name);
}

/** Replaces an env assignment's value by *** (values of env assignments are always redacted). */
export function redactedAssignment(name: string, sep = '='): string {
  return `${name}${sep}***`;
}

/** 1-entry memo: the walker runs every parser on one file in turn, so parsers share work. */
export function memo1<R>(fn: (text: string) => R): (text: string) => R {
  let lastText: string | undefined;
  let lastResult: R;
  return (text: string) => {
    if (lastText !== undefined && text === lastText) return lastResult;
    const r = fn(text);
    lastText = text;
    lastResult = r;
    return r;
  };
}

/** Tracks what was already emitted so a parser never emits the same fact twice for a line. */
export class Dedupe {
  private seen = new Set<string>();
  first(...parts: Array<string | number | undefined>): boolean {
    const k = parts.join('\u0000');
    if (this.seen.has(k)) return false;
    this.seen.add(k);
    return true;
  }
}
