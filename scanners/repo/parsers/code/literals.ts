/**
 * Request-contract literals: string literals in source code that the rules ask for
 * (RuleIndex.contractLiterals — header and query-parameter names of an API's request contract).
 * Only the content of string literals counts (never comments or identifiers), at a name boundary
 * (`"api-version"`, `"?api-version=…"`, `("api-key", key)`), once per literal and file. The scanner
 * does not know which API a name belongs to: the matcher decides (src/match/match.ts weighDialects).
 */
import type { FileParser } from '../types.js';
import { emitHits } from './emit.js';
import { lexSource, sourceLangOf, type Hit } from './languages.js';
import { Lines } from './util.js';

const cache = new WeakMap<readonly string[], RegExp[]>();

function patterns(literals: readonly string[]): RegExp[] {
  let p = cache.get(literals);
  if (!p) {
    p = literals.map((l) => new RegExp(`(?<![A-Za-z0-9_-])${l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_-])`));
    cache.set(literals, p);
  }
  return p;
}

export const sourceLiteralsParser: FileParser = {
  id: 'source-literals',
  anchored: ['literals'],
  matches(_relPath, name) {
    return sourceLangOf(name) !== undefined;
  },
  parse(input) {
    const text = input.text;
    if (!text) return;
    const literals = input.rules.contractLiterals();
    if (!literals.length) return;
    // cheap pre-check before lexing: most files hold none of the literals
    if (!literals.some((l) => text.includes(l))) return;
    const lang = sourceLangOf(input.name);
    if (!lang) return;
    const lexed = lexSource(text, lang);
    const res = patterns(literals);
    const hits: Hit[] = [];
    const found = new Set<string>();
    for (const s of lexed.strings) {
      for (let i = 0; i < literals.length; i++) {
        if (found.has(literals[i])) continue;
        const m = res[i].exec(s.value);
        if (!m) continue;
        found.add(literals[i]);
        // the literal's offset: inside the string span (the quote or prefix comes first)
        const at = text.indexOf(literals[i], s.start);
        hits.push({ kind: 'literal', value: literals[i], offset: at >= 0 && at < s.end ? at : s.start, confidence: 'inferred', attrs: { via: 'string-literal' } });
      }
      if (found.size === literals.length) break;
    }
    if (hits.length) emitHits(input, hits, new Lines(text));
  },
};
