/**
 * Jupyter notebooks: JSON; only code cells are code (markdown cells and outputs are prose /
 * data). Each code cell is analysed as Python (imports, environment reads, URLs); IPython
 * magics and shell escapes are blanked, except `!pip install` / `%pip install`, which declare
 * packages. Lines are lines of the .ipynb file when the cell's source line can be located
 * there, else the cell's line; attrs.cell and attrs.cellLine always say where in the notebook.
 */
import type { AttrValue } from '../../../../src/core/types.js';
import type { FileParser } from '../types.js';
import { lex } from './lex.js';
import { envReads, importsOf, urlsInSource, type Hit, type SourceLang } from './languages.js';
import { redactAfterAssignment } from './emit.js';
import { Dedupe, Lines, extOf, safeSnippet } from './util.js';

const PY: SourceLang = { imports: 'python', style: 'python' };
const PIP_RE = /^[ \t]*[!%]{1,2}[ \t]*(?:python[\d.]*[ \t]+-m[ \t]+)?(?:pip3?|uv[ \t]+pip|conda|mamba)[ \t]+install[ \t]+(.*)$/;

/** Package names from the arguments of `pip install` (options, paths, URLs and variables skipped). */
export function pipPackages(args: string): string[] {
  const out: string[] = [];
  const toks = args.split(/\s+/).filter(Boolean);
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (/^(-r|--requirement|-c|--constraint|-e|--editable|-i|--index-url|--extra-index-url|-f|--find-links|--target|-t|-c)$/.test(t)) { i++; continue; }
    if (t.startsWith('-') || t.includes('/') || t.startsWith('.') || t.includes('$') || t.startsWith('{')) continue;
    const m = /^["']?([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(t);
    if (m) out.push(m[1]);
  }
  return out;
}

export const notebookParser: FileParser = {
  id: 'jupyter-notebook',
  matches(_relPath, name) {
    return extOf(name) === '.ipynb';
  },
  parse(input) {
    const text = input.text;
    if (!text) return;
    let nb: unknown;
    try {
      nb = JSON.parse(text);
    } catch (e) {
      const msg = (e as Error).message;
      const pos = /position (\d+)/.exec(msg);
      input.problem(`invalid notebook JSON: ${msg}`, pos ? new Lines(text).lineAt(Number(pos[1])) : undefined);
      return;
    }
    const cells = (nb as { cells?: unknown })?.cells ?? (nb as { worksheets?: Array<{ cells?: unknown }> })?.worksheets?.[0]?.cells;
    if (!Array.isArray(cells)) {
      input.problem('notebook has no cells array');
      return;
    }
    const fileLines = new Lines(text);
    let searchFrom = 0;
    const d = new Dedupe();
    cells.forEach((cell, ci) => {
      if (!cell || typeof cell !== 'object') return;
      const c = cell as { cell_type?: unknown; source?: unknown; input?: unknown };
      const src = c.source ?? c.input;
      const parts = Array.isArray(src) ? src.filter((s): s is string => typeof s === 'string') : typeof src === 'string' ? [src] : [];
      // map each source line of the cell to a line of the .ipynb file
      const srcLines: string[] = parts.join('').split('\n');
      const jsonLineOf: Array<number | undefined> = [];
      if (Array.isArray(src)) {
        for (const p of parts) {
          const needle = JSON.stringify(p);
          const at = text.indexOf(needle, searchFrom);
          const line = at >= 0 ? fileLines.lineAt(at) : undefined;
          if (at >= 0) searchFrom = at + needle.length;
          const n = Math.max(1, p.split('\n').length - (p.endsWith('\n') ? 1 : 0));
          for (let k = 0; k < n; k++) jsonLineOf.push(line);
        }
      } else if (typeof src === 'string') {
        const at = text.indexOf(JSON.stringify(src), searchFrom);
        if (at >= 0) searchFrom = at + 1;
        for (let k = 0; k < srcLines.length; k++) jsonLineOf.push(at >= 0 ? fileLines.lineAt(at) : undefined);
      }
      if (c.cell_type !== 'code') return;
      const emit = (h: Hit, cellLine: number, raw: string) => {
        const line = jsonLineOf[cellLine - 1];
        if (!d.first(h.kind, h.namespace, h.value, ci, cellLine)) return;
        const attrs: Record<string, AttrValue> = { ...(h.attrs ?? {}), cell: ci + 1, cellLine };
        input.emit({
          kind: h.kind,
          value: h.value,
          namespace: h.namespace,
          signal: 'presence',
          confidence: h.confidence,
          line,
          snippet: h.snippet ?? safeSnippet(h.redactAssignment ? redactAfterAssignment(raw) : raw),
          attrs,
        });
      };
      // blank magics / shell escapes so they are not read as Python; collect pip installs
      const code = srcLines
        .map((l, k) => {
          const pm = PIP_RE.exec(l);
          if (pm) {
            for (const pkg of pipPackages(pm[1])) {
              if (input.rules.matchPackage('pypi', pkg)) emit({ kind: 'package', namespace: 'pypi', value: pkg, offset: 0, confidence: 'declared', attrs: { via: 'pip-install' } }, k + 1, l);
            }
          }
          return /^\s*[!%?]/.test(l) ? l.replace(/[^\s]/g, ' ') : l;
        })
        .join('\n');
      const lexed = lex(code, 'python');
      const lines = new Lines(code);
      const hits = [...importsOf('python', lexed, input.rules), ...envReads(lexed, PY, input.rules), ...urlsInSource(lexed, PY, input.rules)];
      hits.sort((a, b) => a.offset - b.offset);
      for (const h of hits) {
        const cl = lines.lineAt(h.offset);
        emit(h, cl, lines.line(cl));
      }
    });
  },
};
