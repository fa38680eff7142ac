/**
 * Literal pre-filter of the repo scanner: one pass over a file's bytes that answers "could any
 * rule-gated parser emit anything here?" before the file is decoded, lexed or parsed.
 *
 * The parsers marked `anchored` emit only what a RuleIndex gate accepts (an import the rules
 * name, a URL or host a domain / API-base rule knows, an environment variable a rule names, a
 * contract literal, a provider-map key). Each such value is read from the file's text as written
 * (modulo ASCII case, and whitespace around the dots of a dotted name), so the text must hold a
 * literal of the rule that accepts it: the whole env-var name or prefix, the whole domain, the
 * literal tail of a host template, the longest segment of an import, the literal itself. The
 * anchors are those literals, searched all at once (Aho-Corasick over ASCII-case-folded bytes,
 * stopping at the first hit). A file holding none of them skips the anchored parsers.
 *
 * What could make a value a rule accepts without its literal in the raw bytes also sends the
 * file to the parsers (conservative, and rare):
 * - a backslash (escape sequences and line continuations in YAML / JSON / TOML / Dockerfiles),
 *   for the parsers that decode structured text (`structured: true`);
 * - a placeholder in a URL's host (`https://${name}.example/` becomes the label `x`);
 * - the Kelvin sign U+212A, the one non-ASCII character whose lower case is ASCII (`k`)
 *   (Python and C# import names are lower-cased).
 * Scanners know sources, not AI: the anchors come from the rules, never from this file.
 */
import type { RuleIndex } from '../../src/rules/compile.js';

/**
 * A compiled set of anchors: `test(buf)` is true when any anchor occurs, ASCII case folded.
 * `words` (short import segments such as a two-letter package name) count only as whole words:
 * not next to a letter, digit or `_`.
 */
export class AnchorSet {
  private readonly wordRe: RegExp | null;
  readonly words: readonly string[];
  /** byte → column (0: a byte no anchor holds) */
  private readonly cls: Uint8Array;
  /** state × columns → next state × columns; -1: an anchor ends here */
  private readonly delta: Int32Array;
  readonly anchors: readonly string[];

  constructor(anchors: Iterable<string>, words: Iterable<string> = []) {
    this.words = [...new Set([...words].map((w) => w.toLowerCase()))].sort();
    for (const w of this.words) if (!/^[a-z0-9_]+$/.test(w)) throw new Error(`not a word anchor: ${w}`);
    this.wordRe = this.words.length ? new RegExp(`(?<![A-Za-z0-9_])(?:${this.words.join('|')})(?![A-Za-z0-9_])`, 'i') : null;
    const list = minimal([...new Set([...anchors].map((a) => a.toLowerCase()).filter((a) => a.length > 0))]);
    this.anchors = list;
    const cls = new Uint8Array(256);
    let cols = 1;
    for (const a of list) {
      for (let i = 0; i < a.length; i++) {
        const c = a.charCodeAt(i);
        if (c > 127) throw new Error(`non-ASCII anchor: ${a}`);
        if (!cls[c]) cls[c] = cols++;
      }
    }
    for (let c = 65; c <= 90; c++) cls[c] = cls[c + 32];
    this.cls = cls;
    // trie
    const next: number[][] = [new Array(cols).fill(0)];
    const term: boolean[] = [false];
    for (const a of list) {
      let s = 0;
      for (let i = 0; i < a.length; i++) {
        const k = cls[a.charCodeAt(i)];
        if (!next[s][k]) {
          next.push(new Array(cols).fill(0));
          term.push(false);
          next[s][k] = next.length - 1;
        }
        s = next[s][k];
      }
      term[s] = true;
    }
    // failure links, breadth first: a full transition table (DFA)
    const fail = new Array<number>(next.length).fill(0);
    const queue: number[] = [];
    for (let k = 1; k < cols; k++) if (next[0][k]) queue.push(next[0][k]);
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q];
      if (term[fail[s]]) term[s] = true;
      for (let k = 1; k < cols; k++) {
        const t = next[s][k];
        if (t) {
          fail[t] = next[fail[s]][k];
          queue.push(t);
        } else next[s][k] = next[fail[s]][k];
      }
    }
    const delta = new Int32Array(next.length * cols);
    for (let s = 0; s < next.length; s++) for (let k = 0; k < cols; k++) delta[s * cols + k] = term[next[s][k]] ? -1 : next[s][k] * cols;
    this.delta = delta;
  }

  /** True when any anchor occurs in `buf[from, to)` (ASCII case folded). */
  test(buf: Uint8Array): boolean {
    if (this.anchors.length) {
      const cls = this.cls;
      const delta = this.delta;
      let s = 0;
      for (let i = 0, n = buf.length; i < n; i++) {
        s = delta[s + cls[buf[i]]];
        if (s < 0) return true;
      }
    }
    if (!this.wordRe) return false;
    const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    return this.wordRe.test(b.toString('latin1'));
  }
}

/** Drops every anchor that contains another one (a text holding it holds the shorter one). */
function minimal(list: string[]): string[] {
  const sorted = [...list].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const kept: string[] = [];
  for (const a of sorted) if (!kept.some((k) => a.includes(k))) kept.push(a);
  return kept;
}

/** The pieces of a module name between separators (`.`, `/`, `:`, whitespace). */
function segments(s: string): string[] {
  return s.toLowerCase().split(/[./:\s]+/).filter(Boolean);
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
export function ruleAnchors(rules: RuleIndex): { anchors: string[]; words: string[] } {
  const out: string[] = [];
  const words: string[] = [];
  const add = (a: string | undefined) => {
    if (a) out.push(a.toLowerCase());
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
    if (seg.length < 4 && /^[a-z0-9_]+$/.test(seg)) words.push(seg);
    else add(seg);
  }
  for (const s of rules.services) {
    const m = s.match;
    for (const d of m.domains) add(d.host ?? d.suffix ?? (d.template ? longestLiteral(d.template) : undefined));
    for (const u of m.apiBaseUrls) {
      const rest = u.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
      const authority = rest.split(/[/?#]/)[0];
      const port = /:(\d+)$/.exec(authority);
      const host = authority.replace(/:\d+$/, '');
      // a base URL naming a port matches only URLs naming it, written as is: `:11434`, not `localhost`
      add(port ? port[0] : host.includes('{') ? longestLiteral(rest) : host);
    }
    for (const v of m.envVars) add(v.endsWith('*') ? v.slice(0, -1) : v);
    for (const d of m.dialects) for (const l of d.literals) add(l);
    for (const k of m.configKeys) add(k);
  }
  return { anchors: out, words };
}

const cache = new WeakMap<RuleIndex, AnchorSet>();

/** The anchor set of a rule index (compiled once per index and thread). */
export function anchorsOf(rules: RuleIndex): AnchorSet {
  let a = cache.get(rules);
  if (!a) {
    const r = ruleAnchors(rules);
    cache.set(rules, (a = new AnchorSet(r.anchors, r.words)));
  }
  return a;
}

const KELVIN = Buffer.from('\u212a', 'utf8');
const BACKSLASH = 0x5c;
/** `://` then a host holding a placeholder (`{`, `<`, `$`) before the path. */
const HOST_PLACEHOLDER = /:\/\/[^\s/"'`]{0,260}?[{<$]/;

export interface PrefilterResult {
  /** a rule literal, a URL host placeholder or the Kelvin sign: every anchored parser runs */
  anchored: boolean;
  /** a backslash: anchored parsers that decode structured text run */
  escapes: boolean;
}

/** One pass over a file's bytes (see the file comment). */
export function prefilter(rules: RuleIndex, buf: Uint8Array): PrefilterResult {
  const escapes = buf.indexOf(BACKSLASH) >= 0;
  if (anchorsOf(rules).test(buf)) return { anchored: true, escapes };
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.includes(KELVIN)) return { anchored: true, escapes };
  if (b.includes('://') && HOST_PLACEHOLDER.test(b.toString('latin1'))) return { anchored: true, escapes };
  return { anchored: false, escapes };
}
