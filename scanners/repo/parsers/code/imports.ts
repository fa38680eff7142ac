/**
 * Source imports: Python, JavaScript / TypeScript, Go, Java / Kotlin / Scala / Groovy, C#,
 * Ruby, Rust. Comments, docstrings and ordinary strings never produce an import. Only imports
 * the rules know (RuleIndex.matchImport) are emitted, to keep the observation stream small.
 *
 * Code symbols: when a file imports a module a rule's `code` section names, the identifiers
 * listed there (a provider switch such as `DefaultAzureConfig`) are looked up in the file's code
 * (comments and strings blanked) and emitted as an import `<module>#<Symbol>`.
 */
import type { RuleIndex } from '../../../../src/rules/compile.js';
import type { FileParser } from '../types.js';
import { emitHits } from './emit.js';
import type { Lexed } from './lex.js';
import { importsOf, lexSource, sourceLangOf, type Hit, type ImportLanguage } from './languages.js';
import { Lines } from './util.js';

const SEP: Record<ImportLanguage, string> = { python: '.', java: '.', csharp: '.', rust: '::', javascript: '/', go: '/', ruby: '/' };

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Symbol uses for the code-symbol rules whose module this file imports. */
export function codeSymbolHits(lang: ImportLanguage, lexed: Lexed, imports: Hit[], rules: RuleIndex): Hit[] {
  const list = rules.codeSymbolRules(lang);
  if (!list.length || !imports.length) return [];
  const norm = (s: string) => (lang === 'python' || lang === 'csharp' ? s.toLowerCase() : lang === 'go' ? s.replace(/\/v\d+(?=\/|$)/, '') : s);
  const mods = imports.map((h) => norm(h.value));
  const out: Hit[] = [];
  const seen = new Set<string>();
  for (const r of list) {
    const want = norm(r.import);
    if (!mods.some((m) => m === want || m.startsWith(want + SEP[lang]))) continue;
    for (const sym of r.symbols) {
      const key = `${r.import}#${sym}`;
      if (seen.has(key)) continue;
      const m = new RegExp(`(?<![\\p{L}\\p{N}_$])${escapeRe(sym)}(?![\\p{L}\\p{N}_$])`, 'u').exec(lexed.bare);
      if (!m) continue;
      seen.add(key);
      out.push({ kind: 'import', value: key, namespace: lang, offset: m.index, confidence: 'inferred', attrs: { via: 'code-symbol', symbol: sym } });
    }
  }
  return out;
}

export const sourceImportsParser: FileParser = {
  id: 'source-imports',
  anchored: ['imports'],
  matches(_relPath, name) {
    return sourceLangOf(name)?.imports !== undefined;
  },
  parse(input) {
    const text = input.text;
    if (!text) return;
    const lang = sourceLangOf(input.name);
    if (!lang?.imports) return;
    const lexed = lexSource(text, lang);
    const hits = importsOf(lang.imports, lexed, input.rules);
    emitHits(input, [...hits, ...codeSymbolHits(lang.imports, lexed, hits, input.rules)], new Lines(text));
  },
};
