/**
 * Literal pre-filter of the repo scanner: one pass over a file's bytes that answers "could any
 * rule-gated parser emit anything here?" before the file is decoded, lexed or parsed.
 *
 * The parsers marked `anchored` emit only what a RuleIndex gate accepts (an import the rules
 * name, a URL or host a domain / API-base rule knows, an environment variable a rule names, a
 * contract literal, a provider-map key). Each such value is read from the file's text as written
 * (modulo ASCII case, and whitespace around the dots of a dotted name), so the text must hold a
 * literal of the rule that accepts it: the whole env-var name or prefix, the whole domain, the
 * literal tail of a host template, the port of an API base URL naming one, the most distinctive
 * segment of an import, the literal itself. The anchors are those literals, each of a kind (the
 * gate that needs it: imports, hosts, env vars, contract literals, provider keys, container
 * images), searched all
 * at once (Aho-Corasick over ASCII-case-folded bytes, stopping once every kind is found). A parser
 * runs on a file only when a literal of a kind it declares (`FileParser.anchored`) is there.
 *
 * What could make a value a rule accepts without its literal in the raw bytes also sends the
 * file to the parsers concerned (conservative, and rare):
 * - a backslash (escape sequences and line continuations in YAML / JSON / TOML / Dockerfiles),
 *   for the parsers that decode structured text (`structured: true`);
 * - a placeholder in a URL's host (`https://${name}.example/` becomes the label `x`);
 * - the Kelvin sign U+212A, the one non-ASCII character whose lower case is ASCII (`k`)
 *   (Python and C# import names and provider keys are lower-cased).
 * Scanners know sources, not AI: the anchors come from the rules, never from this file.
 */
import { imageRepository, type RuleIndex } from '../../src/rules/compile.js';

/** What a literal anchors: the gate of the parsers that need it (see FileParser.anchored). */
export const ANCHOR_KINDS = { imports: 1, hosts: 2, 'env-vars': 4, literals: 8, 'config-keys': 16, images: 32 } as const;
export type AnchorKind = keyof typeof ANCHOR_KINDS;
const ALL_KINDS = 63;
/**
 * Not a parser's kind: a credential keyword of the rules (RuleIndex.credentialKeywords), counted
 * as scanSecrets counts it (a token keyword only as a token), found in the same pass. A text
 * without it has no credential hit, so scanSecrets need not run on it.
 */
export const CREDENTIAL_KIND = 64;
/** internal: a token-only credential keyword or a word anchor ends here; counted after its test (Check) */
const CHECK = 128;

export interface Anchor {
  text: string;
  kind: AnchorKind;
}

/**
 * A compiled set of anchors: `kinds(buf)` is the bit set (ANCHOR_KINDS) of the kinds of the
 * anchors found in a text, ASCII case folded; `test(buf)` whether any is there.
 * `words` (short import segments such as a two-letter package name) count only as whole words:
 * not next to a letter, digit or `_` (tested on the bytes where the automaton finds one).
 */
export class AnchorSet {
  readonly words: readonly string[];
  /** the automaton (see Tables) */
  private readonly tables: Tables;
  /** every kind some anchor or word has */
  readonly present: number;
  readonly anchors: readonly Anchor[];
  /** a credential keyword this byte search cannot find (non-ASCII): CREDENTIAL_KIND always reported */
  private readonly credentialAlways: boolean = false;

  constructor(anchors: Iterable<Anchor | string>, words: Iterable<Anchor | string> = [], credentials: ReadonlyArray<{ keyword: string; token: boolean }> = []) {
    const norm = (a: Anchor | string): Anchor => (typeof a === 'string' ? { text: a.toLowerCase(), kind: 'imports' } : { text: a.text.toLowerCase(), kind: a.kind });
    const ws = [...words].map(norm);
    this.words = [...new Set(ws.map((w) => w.text))].sort();
    for (const w of this.words) if (!/^[a-z0-9_]+$/.test(w)) throw new Error(`not a word anchor: ${w}`);
    const list = minimal([...anchors].map(norm).filter((a) => a.text.length > 0));
    this.anchors = list;
    this.present = [...list, ...ws].reduce((m, a) => m | ANCHOR_KINDS[a.kind], 0);
    // credential keywords: in the same automaton, with their own bits
    const creds = credentials.map((c) => ({ text: c.keyword.toLowerCase(), token: c.token })).filter((c) => c.text.length > 0);
    if (creds.some((c) => /[^\x00-\x7f]/.test(c.text))) {
      this.credentialAlways = true;
      this.present |= CREDENTIAL_KIND;
      creds.length = 0;
    }
    if (creds.length) this.present |= CREDENTIAL_KIND;
    // a word and a token keyword end in a state with the CHECK bit, and are counted after their test
    const entries: Array<{ text: string; bits: number; check?: Check }> = [
      ...list.map((a) => ({ text: a.text, bits: ANCHOR_KINDS[a.kind] as number })),
      ...ws.map((w) => ({ text: w.text, bits: CHECK, check: { len: w.text.length, word: true, bits: ANCHOR_KINDS[w.kind] } })),
      ...creds.map((c) => (c.token ? { text: c.text, bits: CHECK, check: { len: c.text.length, word: false, bits: CREDENTIAL_KIND } } : { text: c.text, bits: CREDENTIAL_KIND })),
    ];
    const cls = new Uint8Array(256);
    let cols = 1;
    for (const { text: a } of entries) {
      for (let i = 0; i < a.length; i++) {
        const c = a.charCodeAt(i);
        if (c > 127) throw new Error(`non-ASCII anchor: ${a}`);
        if (!cls[c]) cls[c] = cols++;
      }
    }
    for (let c = 65; c <= 90; c++) cls[c] = cls[c + 32];
    // trie
    const next: number[][] = [new Array(cols).fill(0)];
    const term: number[] = [0];
    const lens: Check[][] = [[]];
    for (const { text: a, bits, check } of entries) {
      let s = 0;
      for (let i = 0; i < a.length; i++) {
        const k = cls[a.charCodeAt(i)];
        if (!next[s][k]) {
          next.push(new Array(cols).fill(0));
          term.push(0);
          lens.push([]);
          next[s][k] = next.length - 1;
        }
        s = next[s][k];
      }
      term[s] |= bits;
      if (check) lens[s].push(check);
    }
    // failure links, breadth first: a full transition table (DFA); a state also ends every
    // anchor its failure state ends
    const fail = new Array<number>(next.length).fill(0);
    const queue: number[] = [];
    for (let k = 1; k < cols; k++) if (next[0][k]) queue.push(next[0][k]);
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q];
      term[s] |= term[fail[s]];
      if (lens[fail[s]].length) lens[s] = [...lens[s], ...lens[fail[s]]];
      for (let k = 1; k < cols; k++) {
        const t = next[s][k];
        if (t) {
          fail[t] = next[fail[s]][k];
          queue.push(t);
        } else next[s][k] = next[fail[s]][k];
      }
    }
    // numbering: the root, then breadth first the states where nothing ends, then those where something does
    const order = [0, ...queue.filter((s) => !term[s]), ...queue.filter((s) => term[s])];
    const num = new Int32Array(next.length);
    order.forEach((s, i) => (num[s] = i));
    const delta = new Int32Array(next.length * cols);
    const out = new Uint8Array(next.length * cols);
    const checks = new Map<number, Check[]>();
    let outFrom = next.length * cols;
    for (let i = 0; i < order.length; i++) {
      const s = order[i];
      if (term[s] && outFrom > i * cols) outFrom = i * cols;
      out[i * cols] = term[s];
      if (lens[s].length) checks.set(i * cols, lens[s]);
      for (let k = 0; k < cols; k++) delta[i * cols + k] = num[next[s][k]] * cols;
    }
    this.tables = { cls, delta, out, outFrom, checks, overlap: Math.max(0, entries.reduce((m, e) => Math.max(m, e.text.length), 0) - 1) };
    // type feedback for both forms of the search (one part, four parts, an anchor ending in each)
    // before V8 optimises it: otherwise the optimised search deoptimises on the first text of the
    // other form (node --trace-deopt: "Insufficient type feedback") and is compiled again
    if (delta.length > 1) {
      const sample = entries.slice(0, 64).map((e) => e.text).join(' ') + ' ';
      const long = sample.repeat(Math.ceil((SPLIT_BYTES + 8 * this.tables.overlap) / sample.length));
      // twice each: V8 allocates a function's feedback vector lazily, after its first runs
      for (const b of [sample.slice(0, 64), long, sample.slice(0, 64), long]) search(this.tables, Buffer.from(b), ALL_KINDS | CREDENTIAL_KIND, 0);
    }
  }

  /**
   * The kinds (ANCHOR_KINDS bits) of the anchors found in `buf`, ASCII case folded; with `want`,
   * the search stops once every wanted kind is found (other kinds may then be missing).
   */
  kinds(buf: Uint8Array, want = ALL_KINDS): number {
    want &= this.present;
    let found = this.credentialAlways ? CREDENTIAL_KIND : 0;
    if ((found & want) === want) return found;
    return this.tables.delta.length > 1 ? search(this.tables, buf, want, found) : found;
  }

  /** True when any anchor occurs in `buf`. */
  test(buf: Uint8Array): boolean {
    return this.kinds(buf) !== 0;
  }

  /** Whether some anchor, word or keyword holds this byte (either case of a letter). */
  holds(byte: number): boolean {
    return this.tables.cls[byte] !== 0;
  }

  /** Whether a word anchor starts at `at` in `buf` (ASCII case folded). */
  wordAt(buf: Uint8Array, at: number): boolean {
    next: for (const w of this.words) {
      if (at + w.length > buf.length) continue;
      for (let k = 0; k < w.length; k++) if ((buf[at + k] | 0x20) !== (w.charCodeAt(k) | 0x20)) continue next;
      return true;
    }
    return false;
  }
}

/**
 * An Aho-Corasick automaton as a full transition table over byte columns. States are numbered
 * breadth first (the shallow states a search spends most of its bytes in sit together), and the
 * states where an anchor ends come last: one comparison with `outFrom` tells a byte that ends nothing.
 */
interface Tables {
  /** byte → column (0: a byte no anchor holds) */
  cls: Uint8Array;
  /** state × columns → next state × columns */
  delta: Int32Array;
  /** state × columns → kinds of the anchors ending in that state (0: none) */
  out: Uint8Array;
  /** the first state (× columns) where some anchor ends */
  outFrom: number;
  /** state → the words and token-only credential keywords ending in it (CHECK) */
  checks: Map<number, Check[]>;
  /** the longest anchor or keyword, less one byte */
  overlap: number;
}

/** A word anchor or a token-only credential keyword: counted (bits) when its test holds where it ends. */
interface Check {
  len: number;
  /** a whole word (isWordAt), else a token (isTokenAt) */
  word: boolean;
  bits: number;
}

/** From this size on, a search runs four parts of the text side by side (search). */
const SPLIT_BYTES = 1024;

/** The kinds of the anchors ending in state `s` at byte `i` (a word only as a word, a token keyword only as a token). */
function ending(t: Tables, buf: Uint8Array, s: number, i: number): number {
  let o = t.out[s];
  if (o & CHECK) {
    o &= ~CHECK;
    for (const c of t.checks.get(s)!) if ((o & c.bits) !== c.bits && (c.word ? isWordAt(buf, i + 1 - c.len, c.len) : isTokenAt(buf, i + 1 - c.len, c.len))) o |= c.bits;
  }
  return o;
}

const isWordByte = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/** The bytes at [index, index + len) are a whole word: no letter, digit or `_` right before or after. */
export function isWordAt(buf: Uint8Array, index: number, len: number): boolean {
  return (index === 0 || !isWordByte(buf[index - 1])) && (index + len >= buf.length || !isWordByte(buf[index + len]));
}

/**
 * Runs the automaton over `buf`, adding the kinds found to `found`; stops once every kind in
 * `want` is there. A lookup needs the state the previous byte's lookup gave, so one pass is a
 * chain of dependent loads: from SPLIT_BYTES on, the text is cut in four parts searched in one
 * loop (four independent chains the CPU runs side by side). Each part after the first starts
 * `overlap` bytes before its own bytes, from the root, so it finds every anchor ending in them
 * (an anchor is at most overlap + 1 bytes long): the kinds found are those of one pass.
 */
function search(t: Tables, buf: Uint8Array, want: number, found: number): number {
  const { cls, delta, outFrom, overlap } = t;
  const n = buf.length;
  let i = 0;
  let a = 0;
  if (n >= SPLIT_BYTES && n >= 8 * overlap) {
    const q = n >> 2;
    // parts: [0, q) · [q - overlap, 2q) · [2q - overlap, 3q) · [3q - overlap, n); the loop runs each for q bytes
    const ob = q - overlap;
    const oc = 2 * q - overlap;
    const od = 3 * q - overlap;
    let b = 0;
    let c = 0;
    let d = 0;
    for (; i < q; i++) {
      a = delta[a + cls[buf[i]]];
      b = delta[b + cls[buf[ob + i]]];
      c = delta[c + cls[buf[oc + i]]];
      d = delta[d + cls[buf[od + i]]];
      if (a >= outFrom || b >= outFrom || c >= outFrom || d >= outFrom) {
        if (a >= outFrom) found |= ending(t, buf, a, i);
        if (b >= outFrom) found |= ending(t, buf, b, ob + i);
        if (c >= outFrom) found |= ending(t, buf, c, oc + i);
        if (d >= outFrom) found |= ending(t, buf, d, od + i);
        if ((found & want) === want) return found;
      }
    }
    // the parts' last bytes: [ob + q, 2q), [oc + q, 3q), [od + q, n)
    found = tail(t, buf, ob + q, 2 * q, b, want, found);
    if ((found & want) === want) return found;
    found = tail(t, buf, oc + q, 3 * q, c, want, found);
    if ((found & want) === want) return found;
    return tail(t, buf, od + q, n, d, want, found);
  }
  return tail(t, buf, 0, n, 0, want, found);
}

/** The automaton from state `s` over buf[from, to). */
function tail(t: Tables, buf: Uint8Array, from: number, to: number, s: number, want: number, found: number): number {
  const { cls, delta, outFrom } = t;
  for (let i = from; i < to; i++) {
    s = delta[s + cls[buf[i]]];
    if (s >= outFrom) {
      found |= ending(t, buf, s, i);
      if ((found & want) === want) return found;
    }
  }
  return found;
}

const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
const isLetter = (c: number) => isUpper(c) || isLower(c);

/**
 * RuleIndex's isKeywordToken on bytes: a keyword found at `index` is a token (at each end where
 * it has a letter, the byte beyond is not a letter, or a camelCase / acronym-end case change
 * starts a word there). A non-ASCII character is no ASCII letter in its UTF-8 bytes nor in its
 * decoded text, so the answer is the text's.
 */
export function isTokenAt(buf: Uint8Array, index: number, len: number): boolean {
  const first = buf[index];
  const last = buf[index + len - 1];
  if (index > 0 && isLetter(first)) {
    const b = buf[index - 1];
    const second = len > 1 ? buf[index + 1] : NaN;
    if (isLetter(b) && !(isLower(b) && isUpper(first)) && !(isUpper(b) && isUpper(first) && isLower(second))) return false;
  }
  if (isLetter(last)) {
    const a = buf[index + len];
    if (isLetter(a) && !(isLower(last) && isUpper(a)) && !(isUpper(a) && isLower(buf[index + len + 1]))) return false;
  }
  return true;
}

/** Per kind, drops every anchor that contains another one of its kind (a text holding it holds the shorter one). */
function minimal(list: Anchor[]): Anchor[] {
  const sorted = [...list].sort((a, b) => a.text.length - b.text.length || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  const kept: Anchor[] = [];
  for (const a of sorted) if (!kept.some((k) => k.kind === a.kind && a.text.includes(k.text))) kept.push(a);
  return kept;
}

/** The pieces of a module name between separators (`.`, `/`, `:`, whitespace). */
function segments(s: string): string[] {
  return s.toLowerCase().split(/[./:\s]+/).filter(Boolean);
}

function longestPathSegment(s: string): string {
  return s.split('/').reduce((best, p) => (p.length > best.length ? p : best), '');
}

/** The longest literal run of a host template or URL (placeholders `{…}` and `*` removed). */
function longestLiteral(s: string): string {
  return s
    .split(/\{[^}]*\}|\*/)
    .map((p) => p.replace(/^[.-]+|[.-]+$/g, ''))
    .reduce((best, p) => (p.length > best.length ? p : best), '');
}

/**
 * The literals of every rule a gated parser consults: imports (and the packages imports are
 * derived from), domains, API base URLs, environment variables, contract literals, provider keys.
 */
export function ruleAnchors(rules: RuleIndex): { anchors: Anchor[]; words: Anchor[] } {
  const out: Anchor[] = [];
  const words: Anchor[] = [];
  const add = (kind: AnchorKind, a: string | undefined) => {
    if (a) out.push({ text: a.toLowerCase(), kind });
  };
  // Every segment of an import name is in the text (a name is matched whole segment by segment):
  // the anchor is the longest segment no other rule shares (`genai` of `google.genai`, not
  // `google`), else the longest. A short one (`ai`) is searched as a whole word, or it would send nearly
  // every file to the parsers.
  const modules: string[] = [];
  for (const s of rules.services) {
    const m = s.match;
    for (const mods of Object.values(m.imports)) for (const mod of mods ?? []) modules.push(mod);
    // imports derived from package names (npm, go, nuget, rubygems, cargo, pypi): see RuleIndex
    for (const [eco, names] of Object.entries(m.packages)) {
      for (const n of names ?? []) {
        const base = n.endsWith('*') ? n.slice(0, -1) : n;
        modules.push(eco === 'pypi' || eco === 'cargo' ? base.replace(/-/g, '_') : base);
      }
    }
    for (const list of Object.values(m.code)) for (const c of list ?? []) modules.push(c.import);
  }
  const shared = new Map<string, number>();
  for (const mod of modules) for (const seg of new Set(segments(mod))) shared.set(seg, (shared.get(seg) ?? 0) + 1);
  for (const mod of modules) {
    const segs = segments(mod);
    if (!segs.length) continue;
    const common = (x: string) => (shared.get(x)! > 1 ? 1 : 0);
    const seg = segs.reduce((best, x) => {
      const d = common(x) - common(best);
      return d < 0 || (d === 0 && x.length > best.length) ? x : best;
    });
    if (seg.length < 4 && /^[a-z0-9_]+$/.test(seg)) words.push({ text: seg, kind: 'imports' });
    else add('imports', seg);
  }
  for (const s of rules.services) {
    const m = s.match;
    for (const d of m.domains) add('hosts', d.host ?? d.suffix ?? (d.template ? longestLiteral(d.template) : undefined));
    for (const u of m.apiBaseUrls) {
      const rest = u.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
      const authority = rest.split(/[/?#]/)[0];
      const port = /:(\d+)$/.exec(authority);
      const host = authority.replace(/:\d+$/, '');
      // a base URL naming a port matches only URLs naming it, written as is: `:11434`, not `localhost`
      add('hosts', port ? port[0] : host.includes('{') ? longestLiteral(rest) : host);
    }
    for (const v of m.envVars) add('env-vars', v.endsWith('*') ? v.slice(0, -1) : v);
    for (const d of m.dialects) for (const l of d.literals) add('literals', l);
    for (const k of m.configKeys) add('config-keys', k);
    // every path segment of an image's repository is in the text (YAML may split it into
    // `registry` and `repository`): its longest one
    for (const img of m.images) add('images', longestPathSegment(imageRepository(img.endsWith('/*') ? img.slice(0, -2) : img)));
  }
  return { anchors: out, words };
}

const cache = new WeakMap<RuleIndex, AnchorSet>();

/** The anchor set of a rule index (compiled once per index and thread). */
export function anchorsOf(rules: RuleIndex): AnchorSet {
  let a = cache.get(rules);
  if (!a) {
    const r = ruleAnchors(rules);
    cache.set(rules, (a = new AnchorSet(r.anchors, r.words, rules.credentialKeywords())));
  }
  return a;
}

const KELVIN = Buffer.from('\u212a', 'utf8');
const BACKSLASH = 0x5c;
/** `://` then a host holding a placeholder (`{`, `<`, `$`) before the path: the regex hostPlaceholder tests on the bytes. */
export const HOST_PLACEHOLDER = /:\/\/[^\s/"'`]{0,260}?[{<$]/;
/** Bytes that end a host for HOST_PLACEHOLDER (`\s` as the latin1 text reads them, `/`, quotes), and its placeholder bytes. */
const HOST_END = new Uint8Array(256);
for (const c of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0x2f, 0x22, 0x27, 0x60]) HOST_END[c] = 1;
for (const c of [0x7b, 0x3c, 0x24]) HOST_END[c] = 2;

/**
 * HOST_PLACEHOLDER.test(buf as latin1 text), without the text: after each `://` (Buffer.indexOf),
 * the first of the next 261 bytes that is a host end or a placeholder decides.
 */
export function hostPlaceholder(buf: Buffer): boolean {
  for (let p = buf.indexOf('://'); p >= 0; p = buf.indexOf('://', p + 1)) {
    for (let j = p + 3, end = Math.min(buf.length, p + 3 + 261); j < end; j++) {
      const e = HOST_END[buf[j]];
      if (e === 2) return true;
      if (e === 1) break;
    }
  }
  return false;
}

export interface PrefilterResult {
  /** ANCHOR_KINDS bits: the kinds of rule literal found (or of what could make one, see above) */
  kinds: number;
  /** a backslash: for anchored parsers that decode structured text, the kinds of the decoded text count too (structuredKinds) */
  escapes: boolean;
}

/**
 * One pass over a file's bytes (see the file comment) for the kinds in `want` (the kinds the
 * file's parsers read): the answer is exact for those kinds only.
 */
export function prefilter(rules: RuleIndex, buf: Uint8Array, want = ALL_KINDS): PrefilterResult {
  const escapes = buf.indexOf(BACKSLASH) >= 0;
  const set = anchorsOf(rules);
  let kinds = set.kinds(buf, want);
  if ((kinds & want & set.present) === (want & set.present)) return { kinds: kinds | ALL_KINDS, escapes };
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  // import names and provider keys are lower-cased: U+212A lower-cases to `k`
  if (b.includes(KELVIN)) kinds |= ANCHOR_KINDS.imports | ANCHOR_KINDS['config-keys'];
  // a URL host placeholder becomes the label `x`
  if (!(kinds & ANCHOR_KINDS.hosts) && hostPlaceholder(b)) kinds |= ANCHOR_KINDS.hosts;
  return { kinds, escapes };
}

/** YAML double-quoted / JSON / TOML escapes, and an escaped line break (the lines join; following whitespace dropped). */
const ESCAPE = /\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|\r?\n\s*|[\s\S])/g;
const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', a: '\x07', e: '\x1b', '0': '\0', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029' };

/**
 * The text with every backslash escape decoded as YAML / JSON / TOML decode them in quoted
 * strings (`\\u0041`, `\\x41`, `\\/`, `\\n`, an escaped line break) and Dockerfile line continuations
 * joined, left to right as their parsers pair backslashes. A string value a structured parser reads
 * is in this text or in the text as written (single-quoted and plain scalars keep backslashes).
 */
export function decodeEscapes(text: string): string {
  return text.replace(ESCAPE, (m) => {
    const c = m[1];
    if ((c === 'x' || c === 'u' || c === 'U') && m.length > 2) {
      const cp = parseInt(m.slice(2), 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
    }
    if (c === '\n' || c === '\r') return '';
    return SIMPLE_ESCAPES[c] ?? c;
  });
}

const HEX = new Uint8Array(256).fill(0xff);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) HEX[0x41 + c] = HEX[0x61 + c] = 10 + c;
/** Code points of SIMPLE_ESCAPES by the escaped byte. */
const SIMPLE_BY_BYTE = new Map(Object.entries(SIMPLE_ESCAPES).map(([k, v]) => [k.charCodeAt(0), v.codePointAt(0)!]));
/** What a decoded escape must not be: URL punctuation and host placeholders (hostPlaceholder). */
const URL_BYTES = new Set([0x3a, 0x2f, 0x7b, 0x3c, 0x24]);

/**
 * True when decoding the escapes of `buf` (decodeEscapes) cannot add a kind of `want` to those its
 * bytes hold (`raw`, a search over them that did not find every wanted kind): every escape decodes
 * to one character that no anchor holds (either case), that is not URL punctuation or a host
 * placeholder (`:` `/` `{` `<` `$`) nor the Kelvin sign, and none joins lines or decodes to nothing;
 * an escape ending in a letter, digit or `_` that decodes to none is not followed by a word anchor
 * (its word test could pass only in the decoded text); and when hosts are wanted and not found, the
 * bytes hold no `://` (decoding shortens the text: a placeholder could come within reach). Then
 * every anchor of the decoded text lies between escapes, in text the bytes hold as they are, with
 * the same word boundaries: the decoded text holds no kind the bytes lack. Read on the bytes, pairing
 * backslashes left to right as ESCAPE does. (`\n`, `\"`, `\\` and `\t` — most escapes of YAML / JSON
 * text — decode to such characters: the file is then neither decoded nor searched again.)
 */
export function inertEscapes(rules: RuleIndex, buf: Buffer, raw: PrefilterResult, want: number): boolean {
  if (want & ANCHOR_KINDS.hosts && !(raw.kinds & ANCHOR_KINDS.hosts) && buf.indexOf('://') >= 0) return false;
  const set = anchorsOf(rules);
  for (let i = buf.indexOf(BACKSLASH); i >= 0 && i + 1 < buf.length; i = buf.indexOf(BACKSLASH, i)) {
    const c = buf[i + 1];
    if (c === 0x0a || c === 0x0d) return false; // a line continuation, or a CR decoded to nothing
    let len = 2;
    let cp: number;
    const hexLen = c === 0x78 ? 2 : c === 0x75 ? 4 : c === 0x55 ? 8 : 0;
    let hex = hexLen > 0 && i + 2 + hexLen <= buf.length;
    for (let k = 0; hex && k < hexLen; k++) if (HEX[buf[i + 2 + k]] === 0xff) hex = false;
    if (hex) {
      cp = 0;
      for (let k = 0; k < hexLen; k++) cp = cp * 16 + HEX[buf[i + 2 + k]];
      if (cp > 0x10ffff) return false; // decoded to nothing
      len = 2 + hexLen;
    } else if (c >= 0x80) {
      // a non-ASCII character (the first of its UTF-8 bytes): itself, unless it is the Kelvin sign
      cp = c === KELVIN[0] && buf[i + 2] === KELVIN[1] && buf[i + 3] === KELVIN[2] ? 0x212a : 0x80;
    } else cp = SIMPLE_BY_BYTE.get(c) ?? c;
    if (cp === 0x212a || (cp < 0x80 && (set.holds(cp) || URL_BYTES.has(cp)))) return false;
    if (isWordByte(buf[i + len - 1]) && !(cp < 0x80 && isWordByte(cp)) && set.wordAt(buf, i + len)) return false;
    i += len;
  }
  return true;
}

/**
 * Kinds for the parsers that decode structured text (`structured`), in a file with backslashes:
 * the kinds of the text as written and of the text with its escapes decoded (decodeEscapes).
 */
export function structuredKinds(rules: RuleIndex, raw: PrefilterResult, text: string, want = ALL_KINDS): number {
  if (!raw.escapes || (raw.kinds & want) === want) return raw.kinds;
  return raw.kinds | prefilter(rules, Buffer.from(decodeEscapes(text), 'utf8'), want).kinds;
}

/** Bits of a parser's anchor kinds. */
export function kindBits(kinds: readonly AnchorKind[]): number {
  return kinds.reduce((m, k) => m | ANCHOR_KINDS[k], 0);
}
