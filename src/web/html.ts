/**
 * Server-side HTML with escaping by construction: every value interpolated into `html\`…\``
 * is escaped unless it is itself the result of `html` (or `raw`, used only for constant markup).
 * Values from logs and repositories are attacker-controlled; this is what keeps
 * `<img src=x onerror=alert(1)>` a piece of text.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESC[c]);
}

type Value = SafeHtml | string | number | boolean | null | undefined | Value[];

/** Any character that `text` changes: most values (ids, names, dates) have none and are returned as they are. */
const SPECIAL = /[&<>"'`\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * A value as page text: escaped, control characters (other than tab / newline) replaced. For
 * markup built by concatenation in hot loops (the register's rows), where every data value goes
 * through `text` exactly as `html` would put it.
 */
export function text(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : String(v);
  if (!SPECIAL.test(s)) return s;
  // strip control characters that have no business in a page (keep tab / newline)
  return escapeHtml(s.replace(CONTROL, '\uFFFD'));
}

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) {
    let out = '';
    for (const x of v) out += render(x);
    return out;
  }
  return text(v as string | number);
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Constant markup only — never data. */
export function raw(s: string): SafeHtml {
  return new SafeHtml(s);
}

/** A URL path built from literal segments and encoded values. */
export function path(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += encodeURIComponent(String(values[i])) + strings[i + 1];
  return out;
}

/** Query string from defined, non-empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? '?' + s : '';
}
