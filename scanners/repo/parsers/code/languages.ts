/**
 * Which source languages the code parsers read, how they are lexed, and the extractors that
 * turn lexed source into neutral hits (imports, environment reads, URLs, hosts). The
 * extractors return offsets so callers (plain files, notebooks) can map them to lines.
 */
import type { AttrValue, Confidence, ObservationKind } from '../../../../src/core/types.js';
import type { RuleIndex } from '../../../../src/rules/compile.js';
import { lexCached, stringAt, type Lexed, type LexStyle, type StringSpan } from './lex.js';
import { extOf } from './util.js';

export type ImportLanguage = 'python' | 'javascript' | 'go' | 'java' | 'csharp' | 'ruby' | 'rust';

export interface SourceLang {
  /** language id used for `import` namespaces; undefined = no import extraction */
  imports?: ImportLanguage;
  style: LexStyle;
  /** bare URLs outside strings count (shell command lines) */
  urlsOutsideStrings?: boolean;
  /** only `<script>` blocks are code (Vue, Svelte) */
  scriptBlocks?: boolean;
}

const L = (imports: ImportLanguage | undefined, style: LexStyle, extra: Partial<SourceLang> = {}): SourceLang => ({ imports, style, ...extra });

export const SOURCE_LANGS: Record<string, SourceLang> = {
  '.py': L('python', 'python'),
  '.pyi': L('python', 'python'),
  '.pyw': L('python', 'python'),
  '.js': L('javascript', 'js'),
  '.mjs': L('javascript', 'js'),
  '.cjs': L('javascript', 'js'),
  '.jsx': L('javascript', 'js'),
  '.ts': L('javascript', 'js'),
  '.tsx': L('javascript', 'js'),
  '.mts': L('javascript', 'js'),
  '.cts': L('javascript', 'js'),
  '.vue': L('javascript', 'js', { scriptBlocks: true }),
  '.svelte': L('javascript', 'js', { scriptBlocks: true }),
  '.go': L('go', 'go'),
  '.java': L('java', 'c'),
  '.kt': L('java', 'c'),
  '.kts': L('java', 'c'),
  '.scala': L('java', 'c'),
  '.groovy': L('java', 'c'),
  '.cs': L('csharp', 'csharp'),
  '.csx': L('csharp', 'csharp'),
  '.rb': L('ruby', 'ruby'),
  '.rs': L('rust', 'rust'),
  '.php': L(undefined, 'php'),
  '.swift': L(undefined, 'c'),
  // Dart strings take single or double quotes (and `//`, `/* */` comments): the JS lexer reads them
  '.dart': L(undefined, 'js'),
  '.c': L(undefined, 'c'),
  '.cc': L(undefined, 'c'),
  '.cpp': L(undefined, 'c'),
  '.h': L(undefined, 'c'),
  '.hpp': L(undefined, 'c'),
  '.sh': L(undefined, 'shell', { urlsOutsideStrings: true }),
  '.bash': L(undefined, 'shell', { urlsOutsideStrings: true }),
  '.zsh': L(undefined, 'shell', { urlsOutsideStrings: true }),
  '.r': L(undefined, 'hash'),
  '.jl': L(undefined, 'hash'),
  '.ex': L(undefined, 'ruby'),
  '.exs': L(undefined, 'ruby'),
};

export function sourceLangOf(name: string): SourceLang | undefined {
  return SOURCE_LANGS[extOf(name)];
}

/** A neutral fact found at an offset of the analysed text. */
export interface Hit {
  kind: ObservationKind;
  value: string;
  namespace?: string;
  offset: number;
  confidence: Confidence;
  attrs?: Record<string, AttrValue>;
  /** ready-made snippet (already redacted); default: the redacted source line */
  snippet?: string;
  /** redact everything after the first `=` on the snippet line */
  redactAssignment?: boolean;
}

/** Blanks everything outside `<script>` blocks (Vue / Svelte single-file components). */
export function scriptOnly(text: string): string {
  const out: string[] = [];
  const re = /<script\b[^>]*>([\s\S]*?)<\/script\s*>/gi;
  let p = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const s = m.index + m[0].indexOf('>') + 1;
    const e = s + m[1].length;
    out.push(text.slice(p, s).replace(/[^\n\r]/g, ' '));
    out.push(text.slice(s, e));
    p = e;
  }
  out.push(text.slice(p).replace(/[^\n\r]/g, ' '));
  return out.join('');
}

export function lexSource(text: string, lang: SourceLang): Lexed {
  return lexCached(lang.scriptBlocks ? scriptOnly(text) : text, lang.style);
}

// ------------------------------------------------------------------ imports

const WS = String.raw`(?:[ \t\f]|\\\r?\n)`;
const ID = String.raw`[\p{L}\p{N}_]+`;
const DOTTED = String.raw`${ID}(?:${WS}*\.${WS}*${ID})*`;
const PY_RE = new RegExp(
  String.raw`(?<![\p{L}\p{N}_.])(?:from${WS}+(\.*(?:${DOTTED})?)${WS}+import${WS}*(\([^)]*\)|[^\n;#]*)|import${WS}+(${DOTTED}(?:${WS}+as${WS}+${ID})?(?:${WS}*,${WS}*${DOTTED}(?:${WS}+as${WS}+${ID})?)*))`,
  'gu',
);

function cleanDotted(s: string): string {
  return s.replace(/\\\r?\n/g, '').replace(/\s+/g, '');
}

function pushImport(out: Hit[], rules: RuleIndex, lang: ImportLanguage, value: string, offset: number, attrs?: Record<string, AttrValue>): void {
  if (!value) return;
  if (!rules.matchImport(lang, value)) return;
  out.push({ kind: 'import', value, namespace: lang, offset, confidence: 'inferred', attrs });
}

export function pythonImports(lexed: Lexed, rules: RuleIndex): Hit[] {
  const out: Hit[] = [];
  const bare = lexed.bare;
  PY_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PY_RE.exec(bare))) {
    if (m[1] !== undefined) {
      const mod = cleanDotted(m[1]);
      const at = m.index + m[0].indexOf(m[1]);
      if (!mod || mod.startsWith('.')) continue; // relative import: local code
      const hMod = rules.matchImport('python', mod);
      const names = m[2].replace(/[()]/g, ' ').replace(/\\\r?\n/g, ' ').split(',');
      for (const raw of names) {
        const name = raw.trim().split(/\s+as\s+/)[0]?.trim();
        if (!name || name === '*' || !/^[\p{L}\p{N}_]+$/u.test(name)) continue;
        const full = `${mod}.${name}`;
        const h = rules.matchImport('python', full);
        if (h && (!hMod || h.pattern !== hMod.pattern)) out.push({ kind: 'import', value: full, namespace: 'python', offset: at, confidence: 'inferred' });
      }
      if (hMod) out.push({ kind: 'import', value: mod, namespace: 'python', offset: at, confidence: 'inferred' });
    } else if (m[3] !== undefined) {
      const listStart = m.index + m[0].indexOf(m[3]);
      const partRe = new RegExp(`(${DOTTED})(?:${WS}+as${WS}+${ID})?`, 'gu');
      let pm: RegExpExecArray | null;
      while ((pm = partRe.exec(m[3]))) pushImport(out, rules, 'python', cleanDotted(pm[1]), listStart + pm.index);
    }
  }
  // importlib.import_module("x") / __import__("x")
  for (const s of lexed.strings) {
    const before = lexed.code.slice(Math.max(0, s.start - 40), s.start);
    if (/(?:\bimport_module|\b__import__)\s*\(\s*$/.test(before) && /^[\w.]+$/.test(s.value)) pushImport(out, rules, 'python', s.value, s.start, { dynamic: true });
  }
  return out;
}

/** npm:pkg@4 → pkg; @scope/pkg@1/sub → @scope/pkg/sub */
function jsSpecifier(spec: string): string | undefined {
  let s = spec.trim();
  if (!s || s.startsWith('.') || s.startsWith('/') || s.startsWith('#') || s.startsWith('~/')) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return undefined; // URL imports
  s = s.replace(/^npm:/, '');
  if (/^(jsr|node|bun|data|file|virtual):/.test(s)) return undefined;
  // strip a version right after the package name
  s = s.replace(/^((?:@[^/@]+\/)?[^/@]+)@[^/]*/, '$1');
  if (!/^(?:@[\w.-]+\/)?[\w.-]+(?:\/[\w.@/-]*)?$/.test(s)) return undefined;
  return s;
}

export function jsImports(lexed: Lexed, rules: RuleIndex): Hit[] {
  const out: Hit[] = [];
  const bare = lexed.bare;
  for (const s of lexed.strings) {
    if (s.template || s.triple) continue;
    // cheap pre-check: an import specifier follows `(`, `from` or `import`
    let k = s.start - 1;
    while (k >= 0 && (bare[k] === ' ' || bare[k] === '\t' || bare[k] === '\n' || bare[k] === '\r')) k--;
    if (k < 0 || (bare[k] !== '(' && bare[k] !== 'm' && bare[k] !== 't')) continue;
    const before = bare.slice(Math.max(0, s.start - 300), s.start);
    let via: string | undefined;
    if (/\brequire\s*\(\s*$/.test(before) || /\brequire\.resolve\s*\(\s*$/.test(before)) via = 'require';
    else if (/(?<![\w$.])import\s*\(\s*$/.test(before)) via = 'dynamic-import';
    else if (/(?<![\w$.])import\s*$/.test(before)) via = 'import';
    else if (/(?<![\w$.])from\s*$/.test(before)) {
      // only an import / export statement has a string right after `from`
      via = /(?<![\w$.])export\b[^;]*$/.test(before) && !/(?<![\w$.])import\b[^;]*$/.test(before) ? 'export' : 'import';
    }
    if (!via) continue;
    const spec = jsSpecifier(s.value);
    if (!spec) continue;
    const attrs: Record<string, AttrValue> = { via };
    if (via === 'import' && /(?<![\w$.])import\s+type\b[^;]*$/.test(before)) attrs.typeOnly = true;
    pushImport(out, rules, 'javascript', spec, s.start, attrs);
  }
  return out;
}

export function goImports(lexed: Lexed, rules: RuleIndex): Hit[] {
  const out: Hit[] = [];
  const bare = lexed.bare;
  const take = (s: StringSpan | undefined) => {
    if (s && s.value) pushImport(out, rules, 'go', s.value, s.start);
  };
  const blockRe = /(?<![\w.])import\s*\(/g;
  let m: RegExpExecArray | null;
  while ((m = blockRe.exec(bare))) {
    const end = bare.indexOf(')', m.index + m[0].length);
    const stop = end < 0 ? bare.length : end;
    const entryRe = /(?:^|[\n;])\s*(?:[\w.]+\s+)?(["`])/g;
    const body = bare.slice(m.index + m[0].length, stop);
    let e: RegExpExecArray | null;
    while ((e = entryRe.exec(body))) take(stringAt(lexed.strings, m.index + m[0].length + e.index + e[0].length - 1));
  }
  const singleRe = /(?<![\w.])import\s+(?:[\w.]+\s+)?(["`])/g;
  while ((m = singleRe.exec(bare))) take(stringAt(lexed.strings, m.index + m[0].length - 1));
  return out;
}

export function javaImports(lexed: Lexed, rules: RuleIndex): Hit[] {
  const out: Hit[] = [];
  const re = /^[ \t]*import[ \t]+(?:static[ \t]+)?([\w.]+)/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(lexed.bare))) {
    const v = m[1].replace(/\.(?:\*|_)?$/, '').replace(/\.$/, '');
    pushImport(out, rules, 'java', v, m.index + m[0].indexOf(m[1]));
  }
  return out;
}

export function csharpImports(lexed: Lexed, rules: RuleIndex): Hit[] {
  const out: Hit[] = [];
  const re = /^[ \t]*(?:global[ \t]+)?using[ \t]+(?:static[ \t]+)?(?:[A-Za-z_]\w*[ \t]*=[ \t]*)?([A-Za-z_][\w.]*)[ \t]*;/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(lexed.bare))) pushImport(out, rules, 'csharp', m[1], m.index + m[0].indexOf(m[1]));
  return out;
}

export function rubyImports(lexed: Lexed, rules: RuleIndex): Hit[] {
  const out: Hit[] = [];
  for (const s of lexed.strings) {
    const before = lexed.bare.slice(Math.max(0, s.start - 30), s.start);
    if (/(?<![\w.])require\s*(?:\(\s*)?$/.test(before) && /^[\w./-]+$/.test(s.value) && !s.value.startsWith('.')) pushImport(out, rules, 'ruby', s.value, s.start);
  }
  return out;
}

export function rustImports(lexed: Lexed, rules: RuleIndex): Hit[] {
  const out: Hit[] = [];
  const re = /(?<![\w:])(?:use[ \t\n]+(?:::)?([A-Za-z_]\w*(?:::[A-Za-z_]\w*)*)|extern[ \t]+crate[ \t]+([A-Za-z_]\w*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(lexed.bare))) {
    const v = m[1] ?? m[2];
    if (/^(crate|self|super|std|core|alloc)\b/.test(v)) continue;
    pushImport(out, rules, 'rust', v, m.index + m[0].indexOf(v));
  }
  return out;
}

export function importsOf(lang: ImportLanguage, lexed: Lexed, rules: RuleIndex): Hit[] {
  switch (lang) {
    case 'python': return pythonImports(lexed, rules);
    case 'javascript': return jsImports(lexed, rules);
    case 'go': return goImports(lexed, rules);
    case 'java': return javaImports(lexed, rules);
    case 'csharp': return csharpImports(lexed, rules);
    case 'ruby': return rubyImports(lexed, rules);
    case 'rust': return rustImports(lexed, rules);
  }
}

// ------------------------------------------------------------------ environment reads

const NAME = '([A-Za-z_][A-Za-z0-9_]*)';
const ENV_CALL_RE = new RegExp(
  String.raw`(?:\bos\.environ\s*\[|\benviron\.get\s*\(|\benviron\.setdefault\s*\(|\benviron\.pop\s*\(|\bgetenv\s*\(|\bos\.Getenv\s*\(|\bos\.LookupEnv\s*\(|\bSystem\.getenv\s*\(|\bGetEnvironmentVariable\s*\(|(?<![\w.])ENV\s*\[|(?<![\w.])ENV\.fetch\s*\(|\benv::var(?:_os)?\s*\(|\$_(?:ENV|SERVER)\s*\[|\bDeno\.env\.get\s*\(|\b(?:process|import\.meta)\.env\s*\[)\s*@?(["'\x60])${NAME}\1`,
  'g',
);
const ENV_DOT_RE = new RegExp(String.raw`\b(?:process\.env|import\.meta\.env|Bun\.env)\??\.${NAME}`, 'g');
const ENV_DESTRUCT_RE = /\{([^{}]{1,2000})\}\s*=\s*(?:process\.env|import\.meta\.env)\b/g;
const SHELL_REF_RE = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/g;
const SHELL_EXPORT_RE = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=/gm;

export function envReads(lexed: Lexed, lang: SourceLang, rules: RuleIndex): Hit[] {
  const out: Hit[] = [];
  const add = (name: string, offset: number, via: string, confidence: Confidence = 'inferred') => {
    if (!rules.matchEnvVar(name)) return;
    out.push({ kind: 'env-var', value: name, offset, confidence, attrs: { via }, redactAssignment: true });
  };
  const code = lexed.code;
  let m: RegExpExecArray | null;
  ENV_CALL_RE.lastIndex = 0;
  while ((m = ENV_CALL_RE.exec(code))) add(m[2], m.index, 'read');
  ENV_DOT_RE.lastIndex = 0;
  while ((m = ENV_DOT_RE.exec(lexed.bare))) add(m[1], m.index, 'read');
  ENV_DESTRUCT_RE.lastIndex = 0;
  while ((m = ENV_DESTRUCT_RE.exec(lexed.bare))) {
    const body = m[1];
    const base = m.index + 1;
    const re = /(?:^|,)\s*([A-Za-z_][A-Za-z0-9_]*)/g;
    let d: RegExpExecArray | null;
    while ((d = re.exec(body))) add(d[1], base + d.index + d[0].indexOf(d[1]), 'read');
  }
  if (lang.style === 'shell') {
    SHELL_EXPORT_RE.lastIndex = 0;
    while ((m = SHELL_EXPORT_RE.exec(code))) add(m[1], m.index + m[0].indexOf(m[1]), 'set', 'declared');
    SHELL_REF_RE.lastIndex = 0;
    const bare = lexed.bare; // references inside single quotes are not expanded; keep it simple: code outside strings plus double-quoted strings
    while ((m = SHELL_REF_RE.exec(code))) {
      const s = stringAt(lexed.strings, m.index);
      if (s && code[s.start] === "'") continue;
      void bare;
      add(m[1], m.index, 'read');
    }
  }
  // a string literal that is exactly a known variable name (config("X"), env("X"), settings …)
  for (const s of lexed.strings) {
    if (s.triple || s.value.length > 80 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(s.value)) continue;
    add(s.value, s.start, 'literal');
  }
  return out;
}

// ------------------------------------------------------------------ URLs and hosts

const URL_RE = /\bhttps?:\/\/(?:[\w.~%!$&'*+,;=:@-]|\$?\{[^{}\s"'`]{0,64}\}|<[\w-]{1,40}>)+(?:[/?#][^\s"'`<>\\^|{}]*(?:\$?\{[^{}\s"'`]{0,64}\}[^\s"'`<>\\^|{}]*)*)?/g;

/** Placeholders in a URL's host ({region}, ${NAME}, <name>) become one neutral label. */
export function normalizeUrl(raw: string): { url: string; template: boolean } {
  let u = raw.replace(/[.,;:!?)\]}'"]+$/, '');
  // unbalanced trailing '}' already stripped; drop a dangling '${' fragment
  let template = false;
  const m = /^(https?:\/\/)([^/?#]*)(.*)$/i.exec(u);
  if (m) {
    let host = m[2];
    if (/[{}<>$]/.test(host)) {
      template = true;
      host = host.replace(/\$?\{[^{}]*\}|<[^<>]*>/g, 'x');
    }
    host = host.replace(/^[^@]*@/, ''); // user-info never kept
    // query strings and fragments may carry tokens; rules match host and path only
    u = m[1] + host + m[3].replace(/[?#][\s\S]*$/, '');
  }
  return { url: u, template };
}

const HOST_RE = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}\.?(?::\d{1,5})?(?:\/[^\s]*)?$/i;

export function urlHitsIn(text: string, base: number, rules: RuleIndex, out: Hit[]): void {
  URL_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = URL_RE.exec(text))) {
    const { url, template } = normalizeUrl(m[0]);
    const hostEnd = url.slice(8).search(/[/?#]|$/);
    if (hostEnd > 260) continue; // not a DNS name (≤ 253 characters)
    if (!rules.matchUrl(url)) continue;
    out.push({ kind: 'url', value: url, offset: base + m.index, confidence: 'inferred', attrs: template ? { template: true } : undefined });
  }
}

/** A bare `host[:port][/path]` (no scheme) that a domain rule knows. */
export function bareHostHit(value: string, offset: number, rules: RuleIndex): Hit | undefined {
  const v = value.trim();
  if (v.length > 300 || !HOST_RE.test(v) || /^\d+(\.\d+)*$/.test(v.split(/[:/]/)[0])) return undefined;
  const slash = v.indexOf('/');
  const hostPort = slash < 0 ? v : v.slice(0, slash);
  const path = slash < 0 ? undefined : v.slice(slash);
  const host = hostPort.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase();
  // file names (config.json, model.bin) are not hosts
  if (/\.(json|ya?ml|toml|txt|md|py|js|ts|go|bin|gguf|safetensors|pt|onnx|h5|pkl|csv|html?|png|jpe?g|lock|cfg|ini|env|sh|tf)$/i.test(host)) return undefined;
  if (!rules.matchHost(host, path)) return undefined;
  return { kind: 'host', value: host, offset, confidence: 'inferred', attrs: path ? { path } : undefined };
}

/** Four words or more (what `trim().split(/\s+/).length >= 4` counts), without building the words. */
const FOUR_WORDS = /\S\s+\S+\s+\S+\s+\S/;
export const fourWordsOrMore = (s: string): boolean => FOUR_WORDS.test(s);

/** A string is prose (a message, a docstring) rather than a value when it reads like a sentence. */
function isProse(s: StringSpan, lexed: Lexed): boolean {
  if (fourWordsOrMore(s.value)) return true;
  if (!s.triple) return false;
  // an expression statement (docstring): nothing but whitespace before it on its line and after it
  const ls = lexed.code.lastIndexOf('\n', s.start - 1) + 1;
  const le = lexed.code.indexOf('\n', s.end);
  const before = lexed.code.slice(ls, s.start);
  const after = lexed.code.slice(s.end, le < 0 ? undefined : le);
  return before.trim() === '' && after.trim() === '';
}

export function urlsInSource(lexed: Lexed, lang: SourceLang, rules: RuleIndex): Hit[] {
  const out: Hit[] = [];
  if (lang.urlsOutsideStrings) {
    urlHitsIn(lexed.code, 0, rules, out);
    return out;
  }
  for (const s of lexed.strings) {
    if (!s.value || s.value.length > 4000) continue;
    // a URL needs `://`, a bare host a dot (HOST_RE): nothing else can be a hit
    const url = s.value.includes('://');
    if (!url && !s.value.includes('.')) continue;
    if (isProse(s, lexed)) continue;
    const vOff = s.end - s.value.length - (s.end > s.start + s.value.length ? (s.triple ? 3 : 1) : 0);
    if (url) urlHitsIn(s.value, Math.max(s.start, vOff), rules, out);
    else {
      const h = bareHostHit(s.value, s.start, rules);
      if (h) out.push(h);
    }
  }
  return out;
}

export { lexCached };
