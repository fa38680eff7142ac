/**
 * Source imports: Python, JavaScript / TypeScript, Go, Java / Kotlin / Scala / Groovy, C#,
 * Ruby, Rust. Comments, docstrings and ordinary strings never produce an import. Only imports
 * the rules know (RuleIndex.matchImport) are emitted, to keep the observation stream small.
 */
import type { FileParser } from '../types.js';
import { emitHits } from './emit.js';
import { importsOf, lexSource, sourceLangOf } from './languages.js';
import { Lines } from './util.js';

export const sourceImportsParser: FileParser = {
  id: 'source-imports',
  matches(_relPath, name) {
    return sourceLangOf(name)?.imports !== undefined;
  },
  parse(input) {
    const text = input.text;
    if (!text) return;
    const lang = sourceLangOf(input.name);
    if (!lang?.imports) return;
    const lexed = lexSource(text, lang);
    emitHits(input, importsOf(lang.imports, lexed, input.rules), new Lines(text));
  },
};
