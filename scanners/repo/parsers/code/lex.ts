/**
 * A small, forgiving lexer: finds comments and string literals so parsers can ignore names in
 * comments / docstrings / prose while keeping offsets (and so line numbers) intact. Blanked text
 * keeps every newline, so an offset in the blanked text is the same offset in the original.
 * It never throws: unterminated constructs run to the end of the line or file.
 */
import { memo1 } from './util.js';

export interface StringSpan {
  /** offset of the opening quote (or prefix) */
  start: number;
  /** offset just after the closing quote */
  end: number;
  /** the literal's content (escapes left as written) */
  value: string;
  /** true for triple-quoted / text-block strings (Python docstrings …) */
  triple: boolean;
  /** true when the string contains interpolation (`${}` templates, f-strings are not detected) */
  template: boolean;
}

export interface Lexed {
  /** comments blanked, strings kept */
  code: string;
  strings: StringSpan[];
  /** comments and string contents blanked (quotes kept) */
  bare: string;
}

export type LexStyle = 'js' | 'c' | 'csharp' | 'go' | 'rust' | 'python' | 'ruby' | 'shell' | 'php' | 'hash' | 'hcl' | 'jsonc';

interface Opts {
  line: string[];
  hashNeedsSpace?: boolean;
  block?: [string, string];
  nestedBlock?: boolean;
  triple?: boolean;
  backtick: 'template' | 'raw' | 'none';
  single: 'string' | 'char' | 'rust';
  verbatimAt?: boolean;
  regex?: boolean;
  rustRaw?: boolean;
  multiline?: boolean;
  rubyBlock?: boolean;
}

const STYLES: Record<LexStyle, Opts> = {
  js: { line: ['//'], block: ['/*', '*/'], backtick: 'template', single: 'string', regex: true },
  c: { line: ['//'], block: ['/*', '*/'], triple: true, backtick: 'none', single: 'char' },
  csharp: { line: ['//'], block: ['/*', '*/'], triple: true, backtick: 'none', single: 'char', verbatimAt: true },
  go: { line: ['//'], block: ['/*', '*/'], backtick: 'raw', single: 'char' },
  rust: { line: ['//'], block: ['/*', '*/'], nestedBlock: true, backtick: 'none', single: 'rust', rustRaw: true, multiline: true },
  python: { line: ['#'], triple: true, backtick: 'none', single: 'string' },
  ruby: { line: ['#'], backtick: 'raw', single: 'string', multiline: true, rubyBlock: true },
  shell: { line: ['#'], hashNeedsSpace: true, backtick: 'raw', single: 'string', multiline: true },
  php: { line: ['//', '#'], block: ['/*', '*/'], backtick: 'raw', single: 'string', multiline: true },
  hash: { line: ['#'], hashNeedsSpace: true, backtick: 'none', single: 'string' },
  hcl: { line: ['#', '//'], block: ['/*', '*/'], backtick: 'none', single: 'string' },
  jsonc: { line: ['//'], block: ['/*', '*/'], backtick: 'none', single: 'string' },
};

const SPACES = ' '.repeat(1024);
/** `n` spaces (a slice of one long run: no new characters for the common lengths). */
function spaces(n: number): string {
  return n <= SPACES.length ? SPACES.slice(0, n) : ' '.repeat(n);
}

/** The text with every character but line breaks replaced by a space. */
function blank(s: string): string {
  // one line (most comments and string contents): a run of spaces; else one run per line
  return LINE_BREAK.test(s) ? s.replace(/[^\n\r]+/g, (m) => spaces(m.length)) : spaces(s.length);
}
const LINE_BREAK = /[\n\r]/;

/** The UTF-16 code unit is what `\s` matches (ECMAScript WhiteSpace and LineTerminator), without a regex call. */
export function isSpace(c: number): boolean {
  return c <= 0x20
    ? c === 0x20 || (c >= 0x09 && c <= 0x0d)
    : c >= 0xa0 && (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff);
}

const REGEX_PREV = new Set(['(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^']);
const REGEX_KW = /(?:^|[^\w$])(return|typeof|instanceof|in|of|new|delete|void|throw|case|do|else|yield|await)$/;

/** Characters that can start a comment, string or regex literal in a style; everything else is plain code. */
const STARTERS = new Map<LexStyle, { set: Set<string>; re: RegExp }>();
function starters(style: LexStyle): { set: Set<string>; re: RegExp } {
  let st = STARTERS.get(style);
  if (!st) {
    const o = STYLES[style];
    const set = new Set<string>(['"', "'"]);
    for (const lc of o.line) set.add(lc[0]);
    if (o.block) set.add(o.block[0][0]);
    if (o.backtick !== 'none') set.add('`');
    if (o.regex) set.add('/');
    if (o.rustRaw) { set.add('r'); set.add('b'); }
    if (o.verbatimAt) { set.add('@'); set.add('$'); }
    if (o.rubyBlock) set.add('=');
    const re = new RegExp('[' + [...set].map((c) => (/[A-Za-z0-9]/.test(c) ? c : '\\' + c)).join('') + ']', 'g');
    st = { set, re };
    STARTERS.set(style, st);
  }
  return st;
}

/** In a template literal, the characters that matter (escape, end, interpolation, braces). */
const TEMPLATE_STOP = /[\\`${}]/g;
const STRING_STOPS = new Map<string, RegExp>();
/** The characters that end a string literal opened by `quote` or escape one (see lex). */
function stringStop(quote: string, raw: boolean, singleLine: boolean): RegExp {
  const key = `${quote}${raw ? 'r' : ''}${singleLine ? 'l' : ''}`;
  let re = STRING_STOPS.get(key);
  if (!re) {
    re = new RegExp(`[${quote === '`' ? '`' : '\\' + quote}${raw ? '' : '\\\\'}${singleLine ? '\\n' : ''}]`, 'g');
    STRING_STOPS.set(key, re);
  }
  return re;
}

export function lex(text: string, style: LexStyle): Lexed {
  const o = STYLES[style];
  const start = starters(style);
  const n = text.length;
  const out: string[] = [];
  const strings: StringSpan[] = [];
  let i = 0;
  let last = 0; // start of pending verbatim chunk
  let lastSig = ''; // last significant code character (for regex detection)
  let lastSigEnd = 0;
  const flush = (to: number) => {
    if (to > last) out.push(text.slice(last, to));
  };
  const comment = (from: number, to: number) => {
    flush(from);
    out.push(blank(text.slice(from, to)));
    last = to;
  };
  const str = (from: number, to: number, vStart: number, vEnd: number, triple: boolean, template = false) => {
    strings.push({ start: from, end: to, value: text.slice(vStart, Math.max(vStart, vEnd)), triple, template });
    lastSig = '"';
    lastSigEnd = to;
  };
  const lineStart = (p: number) => p === 0 || text[p - 1] === '\n';

  while (i < n) {
    const c = text[i];
    if (!start.set.has(c)) {
      // plain code: jump to the next character that can start a comment / string / regex
      start.re.lastIndex = i;
      const next = start.re.test(text) ? start.re.lastIndex - 1 : n;
      for (let k = next - 1; k >= i; k--) {
        if (!isSpace(text.charCodeAt(k))) {
          lastSig = text[k];
          lastSigEnd = k + 1;
          break;
        }
      }
      i = next;
      continue;
    }
    // ruby =begin … =end
    if (o.rubyBlock && c === '=' && lineStart(i) && text.startsWith('=begin', i)) {
      const e = text.indexOf('\n=end', i);
      const to = e < 0 ? n : e + 5;
      comment(i, to);
      i = to;
      continue;
    }
    // line comments
    let isLine = false;
    for (const lc of o.line) {
      if (text.startsWith(lc, i)) {
        if (lc === '#' && o.hashNeedsSpace && i > 0 && !isSpace(text.charCodeAt(i - 1))) continue;
        isLine = true;
        break;
      }
    }
    if (isLine) {
      let e = text.indexOf('\n', i);
      if (e < 0) e = n;
      comment(i, e);
      i = e;
      continue;
    }
    // block comments
    if (o.block && text.startsWith(o.block[0], i)) {
      let depth = 1;
      let j = i + o.block[0].length;
      if (!o.nestedBlock) {
        // the first closer (a native search, not a test at every character)
        const e = text.indexOf(o.block[1], j);
        j = e < 0 ? n : e + o.block[1].length;
        depth = 0;
      }
      while (j < n && depth > 0) {
        if (text.startsWith(o.block[1], j)) {
          depth--;
          j += o.block[1].length;
        } else if (o.nestedBlock && text.startsWith(o.block[0], j)) {
          depth++;
          j += o.block[0].length;
        } else j++;
      }
      comment(i, j);
      i = j;
      continue;
    }
    // JS regex literal
    if (o.regex && c === '/' && text[i + 1] !== '/' && text[i + 1] !== '*') {
      const before = text.slice(Math.max(0, lastSigEnd - 12), lastSigEnd);
      if (lastSig === '' || REGEX_PREV.has(lastSig) || REGEX_KW.test(before)) {
        let j = i + 1;
        let cls = false;
        let ok = false;
        while (j < n && text[j] !== '\n') {
          const d = text[j];
          if (d === '\\') { j += 2; continue; }
          if (d === '[') cls = true;
          else if (d === ']') cls = false;
          else if (d === '/' && !cls) { ok = true; break; }
          j++;
        }
        if (ok) {
          j++;
          while (j < n && /[a-z]/i.test(text[j])) j++;
          // keep the regex as code but blank it so quotes inside do not confuse anything
          comment(i, j);
          lastSig = '/';
          lastSigEnd = j;
          i = j;
          continue;
        }
      }
    }
    // rust raw strings r"…", r#"…"#, br"…"
    if (o.rustRaw && (c === 'r' || (c === 'b' && text[i + 1] === 'r')) && (i === 0 || !/[\w]/.test(text[i - 1]))) {
      const p = c === 'b' ? i + 2 : i + 1;
      let h = 0;
      while (text[p + h] === '#') h++;
      if (text[p + h] === '"') {
        const close = '"' + '#'.repeat(h);
        const vs = p + h + 1;
        const e = text.indexOf(close, vs);
        const to = e < 0 ? n : e + close.length;
        str(i, to, vs, e < 0 ? n : e, false);
        i = to;
        continue;
      }
    }
    // C# verbatim / interpolated-verbatim strings
    if (o.verbatimAt && (c === '@' || c === '$') && (text[i + 1] === '"' || ((text[i + 1] === '@' || text[i + 1] === '$') && text[i + 2] === '"'))) {
      const q = text[i + 1] === '"' ? i + 1 : i + 2;
      const verbatim = text.slice(i, q).includes('@');
      if (verbatim) {
        let j = q + 1;
        while (j < n) {
          j = text.indexOf('"', j);
          if (j < 0) j = n;
          else if (text[j + 1] === '"') j += 2;
          else break;
        }
        const to = Math.min(n, j + 1);
        str(i, to, q + 1, j, false);
        i = to;
        continue;
      }
    }
    // triple-quoted strings
    if (o.triple && (c === '"' || (c === "'" && o.single === 'string')) && text[i + 1] === c && text[i + 2] === c) {
      const q = c + c + c;
      let j = i + 3;
      // the first closer not escaped (Python: a backslash skips the next character)
      while (j < n) {
        const e = text.indexOf(q, j);
        const b = style === 'python' ? text.indexOf('\\', j) : -1;
        if (b >= 0 && (e < 0 || b < e)) j = b + 2;
        else {
          j = e < 0 ? n : e;
          break;
        }
      }
      const to = Math.min(n, j + 3);
      str(prefixStart(text, i, style), to, i + 3, Math.min(j, n), true);
      i = to;
      continue;
    }
    if (c === '"' || (c === "'" && o.single !== 'char') || (c === "'" && o.single === 'char') || (c === '`' && o.backtick !== 'none')) {
      if (c === "'" && o.single === 'rust') {
        // lifetime 'a (no closing quote right after one char or an escape)
        const m = /^'(?:\\.[^']*|[^'\\\n])'/.exec(text.slice(i, i + 12));
        if (!m) { i++; continue; }
      }
      if (c === "'" && o.single === 'char') {
        const e = text.indexOf("'", i + 1);
        const nl = text.indexOf('\n', i + 1);
        if (e < 0 || (nl >= 0 && nl < e) || e - i > 12) { i++; continue; }
      }
      if (c === '`' && o.backtick === 'template') {
        // template literal with ${} nesting
        let j = i + 1;
        let depth = 0;
        let tpl = false;
        while (j < n) {
          // only these characters change anything: jump to the next one
          TEMPLATE_STOP.lastIndex = j;
          if (!TEMPLATE_STOP.test(text)) {
            j = n;
            break;
          }
          j = TEMPLATE_STOP.lastIndex - 1;
          const d = text[j];
          if (d === '\\') { j += 2; continue; }
          if (depth === 0 && d === '`') break;
          if (d === '$' && text[j + 1] === '{') { depth++; tpl = true; j += 2; continue; }
          if (depth > 0 && d === '}') depth--;
          else if (depth > 0 && d === '{') depth++;
          j++;
        }
        const to = Math.min(n, j + 1);
        str(i, to, i + 1, Math.min(j, n), false, tpl);
        i = to;
        continue;
      }
      const raw = c === '`';
      let j = i + 1;
      // the next character that ends the literal or escapes one: the quote, a backslash (not in a
      // raw literal), a line break (in a single-line literal)
      const stop = stringStop(c, raw, !o.multiline && !raw);
      while (j < n) {
        stop.lastIndex = j;
        if (!stop.test(text)) {
          j = n;
          break;
        }
        j = stop.lastIndex - 1;
        if (text[j] === '\\' && !raw) { j += 2; continue; }
        break;
      }
      const closed = j < n && text[j] === c;
      const to = closed ? j + 1 : Math.min(j, n);
      str(prefixStart(text, i, style), to, i + 1, Math.min(j, n), false);
      i = Math.max(to, i + 1);
      continue;
    }
    if (!isSpace(c.charCodeAt(0))) {
      lastSig = c;
      lastSigEnd = i + 1;
    }
    i++;
  }
  flush(n);
  const code = out.join('');
  let bareCache: string | undefined;
  return {
    code,
    strings,
    get bare() {
      if (bareCache === undefined) {
        const parts: string[] = [];
        let p = 0;
        for (const s of strings) {
          if (s.start < p) continue;
          parts.push(code.slice(p, s.start + 1));
          parts.push(blank(code.slice(s.start + 1, Math.max(s.start + 1, s.end - 1))));
          p = Math.max(s.start + 1, s.end - 1);
        }
        parts.push(code.slice(p));
        bareCache = parts.join('');
      }
      return bareCache;
    },
  };
}

/** Python string prefixes (r, b, f, u, rb …) belong to the literal. */
function prefixStart(text: string, i: number, style: LexStyle): number {
  if (style !== 'python') return i;
  let s = i;
  while (s > 0 && s > i - 2 && /[rRbBfFuU]/.test(text[s - 1])) s--;
  if (s < i && s > 0 && /[\w]/.test(text[s - 1])) return i;
  return s;
}

const caches = new Map<LexStyle, (t: string) => Lexed>();
/** Memoised lex (the walker runs several parsers on the same file in turn). */
export function lexCached(text: string, style: LexStyle): Lexed {
  let f = caches.get(style);
  if (!f) {
    f = memo1((t) => lex(t, style));
    caches.set(style, f);
  }
  return f(text);
}

/** Finds the string literal starting at or after `from` (binary search over sorted spans). */
export function stringAt(strings: StringSpan[], offset: number): StringSpan | undefined {
  let lo = 0;
  let hi = strings.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = strings[mid];
    if (offset < s.start) hi = mid - 1;
    else if (offset >= s.end) lo = mid + 1;
    else return s;
  }
  return undefined;
}
