import type { ParseInput } from '../types.js';
import type { Hit } from './languages.js';
import { Dedupe, Lines, safeSnippet } from './util.js';

/** Redacts the value of an assignment on a snippet line (`X = "secret"` → `X = ***`). */
export function redactAfterAssignment(line: string): string {
  const m = /^(.*?[^=!<>:]\s*)(=|:=|=>)(?!=)\s*(.*)$/.exec(line);
  if (!m) return line;
  const rhs = m[3];
  // keep reads (`x = os.getenv("X")`), redact literal values
  if (/^(["'`].*|[\d.]+\b.*|[A-Za-z0-9_\-+/=.~]{12,})$/.test(rhs.trim())) return `${m[1]}${m[2]} ***`;
  return line;
}

/** Emits hits found in `text` (offsets into `text`), with `path:line` lines and redacted snippets. */
export function emitHits(input: ParseInput, hits: Hit[], lines: Lines, opts: { signal?: 'presence' | 'usage' } = {}): void {
  const d = new Dedupe();
  for (const h of [...hits].sort((a, b) => a.offset - b.offset)) {
    const line = lines.lineAt(h.offset);
    if (!d.first(h.kind, h.namespace, h.value, line)) continue;
    let raw = lines.line(line);
    if (h.redactAssignment) raw = redactAfterAssignment(raw);
    input.emit({
      kind: h.kind,
      value: h.value,
      namespace: h.namespace,
      signal: opts.signal ?? 'presence',
      confidence: h.confidence,
      line,
      snippet: h.snippet ?? safeSnippet(raw),
      attrs: h.attrs,
    });
  }
}
