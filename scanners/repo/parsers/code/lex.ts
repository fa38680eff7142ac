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

interface StyleSpec {
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

/** A style with every field set, in one order: one hidden class for every style (see LexState). */
type Opts = Required<Omit<StyleSpec, 'block'>> & { block: [string, string] | undefined };
const DEFAULTS: Opts = { line: [], hashNeedsSpace: false, block: undefined, nestedBlock: false, triple: false, backtick: 'none', single: 'string', verbatimAt: false, regex: false, rustRaw: false, multiline: false, rubyBlock: false };

const SPECS: Record<LexStyle, StyleSpec> = {
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
const STYLES = Object.fromEntries(Object.entries(SPECS).map(([k, v]) => [k, { ...DEFAULTS, ...v }])) as Record<LexStyle, Opts>;

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

/**
 * The lexer's state for one text. The lexer is a short loop over small functions (one per
 * construct), not one large function: V8 optimises each on its own, so a construct first met late
 * in a scan (a Rust raw string, a Ruby `=begin`) deoptimises and recompiles only its own small
 * function. As one function of ~3 KB of bytecode, the lexer was recompiled 7–9 times per thread
 * over the accuracy corpus at ~0.2–0.4 s of compiler time each (node --trace-opt).
 */
class LexState {
  readonly out: string[] = [];
  readonly strings: StringSpan[] = [];
  i = 0;
  /** start of the pending verbatim chunk */
  last = 0;
  /** last significant code character (for regex detection) */
  lastSig = '';
  lastSigEnd = 0;
  readonly n: number;
  constructor(
    readonly text: string,
    readonly style: LexStyle,
    readonly o: Opts,
  ) {
    this.n = text.length;
  }
}

/** Where the global, one-character `re` next matches at or after `from`; the text's length if nowhere. */
function nextAt(re: RegExp, text: string, from: number): number {
  re.lastIndex = from;
  return re.test(text) ? re.lastIndex - 1 : text.length;
}

function flush(st: LexState, to: number): void {
  if (to > st.last) st.out.push(st.text.slice(st.last, to));
}

function comment(st: LexState, from: number, to: number): void {
  flush(st, from);
  st.out.push(blank(st.text.slice(from, to)));
  st.last = to;
}

function str(st: LexState, from: number, to: number, vStart: number, vEnd: number, triple: boolean, template: boolean): void {
  st.strings.push({ start: from, end: to, value: st.text.slice(vStart, Math.max(vStart, vEnd)), triple, template });
  st.lastSig = '"';
  st.lastSigEnd = to;
}

/** Plain code: jumps to the next character that can start a comment / string / regex. */
function plain(st: LexState, re: RegExp): void {
  const { text, i } = st;
  const next = nextAt(re, text, i);
  for (let k = next - 1; k >= i; k--) {
    if (!isSpace(text.charCodeAt(k))) {
      st.lastSig = text[k];
      st.lastSigEnd = k + 1;
      break;
    }
  }
  st.i = next;
}

/** Ruby `=begin … =end` at a line start. */
function rubyBlock(st: LexState): boolean {
  const { text, i } = st;
  if (!((i === 0 || text[i - 1] === '\n') && text.startsWith('=begin', i))) return false;
  const e = text.indexOf('\n=end', i);
  const to = e < 0 ? st.n : e + 5;
  comment(st, i, to);
  st.i = to;
  return true;
}

function lineComment(st: LexState): boolean {
  const { text, i, o } = st;
  let isLine = false;
  for (const lc of o.line) {
    if (text.startsWith(lc, i)) {
      if (lc === '#' && o.hashNeedsSpace && i > 0 && !isSpace(text.charCodeAt(i - 1))) continue;
      isLine = true;
      break;
    }
  }
  if (!isLine) return false;
  let e = text.indexOf('\n', i);
  if (e < 0) e = st.n;
  comment(st, i, e);
  st.i = e;
  return true;
}

function blockComment(st: LexState, block: [string, string]): boolean {
  const { text, i, n, o } = st;
  if (!text.startsWith(block[0], i)) return false;
  let depth = 1;
  let j = i + block[0].length;
  if (!o.nestedBlock) {
    // the first closer (a native search, not a test at every character)
    const e = text.indexOf(block[1], j);
    j = e < 0 ? n : e + block[1].length;
    depth = 0;
  }
  while (j < n && depth > 0) {
    if (text.startsWith(block[1], j)) {
      depth--;
      j += block[1].length;
    } else if (o.nestedBlock && text.startsWith(block[0], j)) {
      depth++;
      j += block[0].length;
    } else j++;
  }
  comment(st, i, j);
  st.i = j;
  return true;
}

/** A JS regex literal where one can start (after an operator, a keyword or nothing). */
function regexLiteral(st: LexState): boolean {
  const { text, i, n } = st;
  if (text[i + 1] === '/' || text[i + 1] === '*') return false;
  const before = text.slice(Math.max(0, st.lastSigEnd - 12), st.lastSigEnd);
  if (!(st.lastSig === '' || REGEX_PREV.has(st.lastSig) || REGEX_KW.test(before))) return false;
  let j = i + 1;
  let cls = false;
  let ok = false;
  while (j < n && text[j] !== '\n') {
    const d = text[j];
    if (d === '\\') {
      j += 2;
      continue;
    }
    if (d === '[') cls = true;
    else if (d === ']') cls = false;
    else if (d === '/' && !cls) {
      ok = true;
      break;
    }
    j++;
  }
  if (!ok) return false;
  j++;
  while (j < n && /[a-z]/i.test(text[j])) j++;
  // keep the regex as code but blank it so quotes inside do not confuse anything
  comment(st, i, j);
  st.lastSig = '/';
  st.lastSigEnd = j;
  st.i = j;
  return true;
}

/** Rust raw strings r"…", r#"…"#, br"…". */
function rustRaw(st: LexState, c: string): boolean {
  const { text, i, n } = st;
  if (!((c === 'r' || (c === 'b' && text[i + 1] === 'r')) && (i === 0 || !/[\w]/.test(text[i - 1])))) return false;
  const p = c === 'b' ? i + 2 : i + 1;
  let h = 0;
  while (text[p + h] === '#') h++;
  if (text[p + h] !== '"') return false;
  const close = '"' + '#'.repeat(h);
  const vs = p + h + 1;
  const e = text.indexOf(close, vs);
  const to = e < 0 ? n : e + close.length;
  str(st, i, to, vs, e < 0 ? n : e, false, false);
  st.i = to;
  return true;
}

/** C# verbatim / interpolated-verbatim strings. */
function verbatimString(st: LexState): boolean {
  const { text, i, n } = st;
  if (!(text[i + 1] === '"' || ((text[i + 1] === '@' || text[i + 1] === '$') && text[i + 2] === '"'))) return false;
  const q = text[i + 1] === '"' ? i + 1 : i + 2;
  if (!text.slice(i, q).includes('@')) return false;
  let j = q + 1;
  while (j < n) {
    j = text.indexOf('"', j);
    if (j < 0) j = n;
    else if (text[j + 1] === '"') j += 2;
    else break;
  }
  const to = Math.min(n, j + 1);
  str(st, i, to, q + 1, j, false, false);
  st.i = to;
  return true;
}

function tripleString(st: LexState, c: string): boolean {
  const { text, i, n, style } = st;
  if (!((c === '"' || (c === "'" && st.o.single === 'string')) && text[i + 1] === c && text[i + 2] === c)) return false;
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
  str(st, prefixStart(text, i, style), to, i + 3, Math.min(j, n), true, false);
  st.i = to;
  return true;
}

/** A JS template literal with ${} nesting. */
function templateLiteral(st: LexState): void {
  const { text, i, n } = st;
  let j = i + 1;
  let depth = 0;
  let tpl = false;
  while (j < n) {
    // only these characters change anything: jump to the next one
    j = nextAt(TEMPLATE_STOP, text, j);
    if (j >= n) break;
    const d = text[j];
    if (d === '\\') {
      j += 2;
      continue;
    }
    if (depth === 0 && d === '`') break;
    if (d === '$' && text[j + 1] === '{') {
      depth++;
      tpl = true;
      j += 2;
      continue;
    }
    if (depth > 0 && d === '}') depth--;
    else if (depth > 0 && d === '{') depth++;
    j++;
  }
  const to = Math.min(n, j + 1);
  str(st, i, to, i + 1, Math.min(j, n), false, tpl);
  st.i = to;
}

/** A quoted string (or, in the char / Rust styles, a quote that opens none: skipped). */
function quotedString(st: LexState, c: string): void {
  const { text, i, n, o } = st;
  if (c === "'" && o.single === 'rust') {
    // lifetime 'a (no closing quote right after one char or an escape)
    if (!RUST_CHAR.test(text.slice(i, i + 12))) {
      st.i = i + 1;
      return;
    }
  }
  if (c === "'" && o.single === 'char') {
    const e = text.indexOf("'", i + 1);
    const nl = text.indexOf('\n', i + 1);
    if (e < 0 || (nl >= 0 && nl < e) || e - i > 12) {
      st.i = i + 1;
      return;
    }
  }
  if (c === '`' && o.backtick === 'template') return templateLiteral(st);
  const raw = c === '`';
  let j = i + 1;
  // the next character that ends the literal or escapes one: the quote, a backslash (not in a
  // raw literal), a line break (in a single-line literal)
  const stop = stringStop(c, raw, !o.multiline && !raw);
  while (j < n) {
    j = nextAt(stop, text, j);
    if (j >= n) break;
    if (text[j] === '\\' && !raw) {
      j += 2;
      continue;
    }
    break;
  }
  const closed = j < n && text[j] === c;
  const to = closed ? j + 1 : Math.min(j, n);
  str(st, prefixStart(text, i, st.style), to, i + 1, Math.min(j, n), false, false);
  st.i = Math.max(to, i + 1);
}
const RUST_CHAR = /^'(?:\\.[^']*|[^'\\\n])'/;

/** Comments blanked, strings kept; the blanked-strings text computed on first use. */
class LexResult implements Lexed {
  private bareCache: string | undefined;
  constructor(
    readonly code: string,
    readonly strings: StringSpan[],
  ) {}
  get bare(): string {
    if (this.bareCache === undefined) {
      const { code, strings } = this;
      const parts: string[] = [];
      let p = 0;
      for (const s of strings) {
        if (s.start < p) continue;
        parts.push(code.slice(p, s.start + 1));
        parts.push(blank(code.slice(s.start + 1, Math.max(s.start + 1, s.end - 1))));
        p = Math.max(s.start + 1, s.end - 1);
      }
      parts.push(code.slice(p));
      this.bareCache = parts.join('');
    }
    return this.bareCache;
  }
}

export function lex(text: string, style: LexStyle): Lexed {
  const o = STYLES[style];
  const start = starters(style);
  const st = new LexState(text, style, o);
  const n = st.n;
  while (st.i < n) {
    const c = text[st.i];
    if (!start.set.has(c)) {
      plain(st, start.re);
      continue;
    }
    if (o.rubyBlock && c === '=' && rubyBlock(st)) continue;
    if (lineComment(st)) continue;
    if (o.block && blockComment(st, o.block)) continue;
    if (o.regex && c === '/' && regexLiteral(st)) continue;
    if (o.rustRaw && rustRaw(st, c)) continue;
    if (o.verbatimAt && (c === '@' || c === '$') && verbatimString(st)) continue;
    if (o.triple && tripleString(st, c)) continue;
    if (c === '"' || c === "'" || (c === '`' && o.backtick !== 'none')) {
      quotedString(st, c);
      continue;
    }
    if (!isSpace(c.charCodeAt(0))) {
      st.lastSig = c;
      st.lastSigEnd = st.i + 1;
    }
    st.i++;
  }
  flush(st, n);
  return new LexResult(st.out.join(''), st.strings);
}

/**
 * Every construct of every style, once, in a one-byte and a two-byte string: lexed for each style
 * when this module loads (well under a millisecond), so each branch of the lexer has type feedback
 * before V8 optimises it. Otherwise optimised code meets a construct (or style) the files seen so
 * far did not hold, deoptimises and is compiled again — several times per thread over a scan
 * (node --trace-deopt: "Insufficient type feedback").
 */
const PRIMER = [
  'a = 1; // line',
  '# hash line',
  'x#no y # hash',
  '/* block */ /* nested /* inner */ outer */',
  'if (x) y = /a[/]b\\/c/gi; z = a / b; return /re/;',
  's = "dq \\"esc\\" \\\\ end"; t = \'sq \\\'x\\\' end\'; c = \'a\'; d = \'\\n\'; l = \'lt;',
  'u = `tpl ${a + `in${b}`} {x} \\` end`;',
  'r = r"raw"; r2 = r#"raw "# hash"#; b = br"bytes";',
  'v = @"verb ""q"" end"; w = $@"interp {x}"; w2 = $"plain {y}";',
  'p = """triple \\""" doc"""; q = \'\'\'single\'\'\'; f = rb\'x\'; f2 = f"x{y}";',
  '=begin',
  'ruby block',
  '=end',
  'unterminated "string',
].join('\n');
for (const text of [PRIMER, PRIMER + ' \u00e9\u2713 "\u2028"']) for (const style of Object.keys(STYLES) as LexStyle[]) void lex(text, style).bare;

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
