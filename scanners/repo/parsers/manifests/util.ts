/**
 * Helpers shared by the manifest parsers: line lookup, tolerant JSON / TOML / YAML / XML
 * parsing that reports a `problem()` with a line instead of throwing, and one place that
 * builds `package` observations.
 */
import { parse as parseToml } from 'smol-toml';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { XMLValidator } from 'fast-xml-parser';
import type { Confidence } from '../../../../src/core/types.js';
import type { ParseInput } from '../types.js';

export type Ecosystem = 'npm' | 'pypi' | 'maven' | 'go' | 'nuget' | 'cargo' | 'rubygems' | 'composer' | 'swift' | 'cocoapods' | 'pub';

/** Offset → 1-based line (shared with the code parsers). */
import { Lines } from '../code/util.js';
export { Lines };

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Short, single-line context. */
export function snippetOf(line: string, max = 200): string {
  const t = line.trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

export interface PackageFacts {
  name: string;
  ecosystem: Ecosystem;
  line?: number;
  /** Version or version specifier as written. */
  version?: string;
  /** Section the dependency is declared in (dependencies, devDependencies, dev, test …). */
  scope?: string;
  /** false for transitive entries found only in a lock file. */
  direct?: boolean;
  confidence?: Confidence;
  attrs?: Record<string, string | number | boolean | string[] | null>;
}

/** Emits one `package` observation (signal presence). */
export function emitPackage(input: ParseInput, lines: Lines | undefined, p: PackageFacts): void {
  const name = p.name.trim();
  if (!name) return;
  const attrs: Record<string, string | number | boolean | string[] | null> = { direct: p.direct ?? true };
  if (p.version) attrs.version = p.version;
  if (p.scope) attrs.scope = p.scope;
  Object.assign(attrs, p.attrs ?? {});
  input.emit({
    kind: 'package',
    value: name,
    namespace: p.ecosystem,
    signal: 'presence',
    // a transitive lock-file entry (nobody in the repo asked for it; a dependency did) is
    // evidence the package is installed, not that the code uses it: inferred, not declared
    confidence: p.confidence ?? (p.direct === false ? 'inferred' : 'declared'),
    line: p.line,
    snippet: lines && p.line ? snippetOf(lines.line(p.line)) || undefined : undefined,
    attrs,
  });
  // PyPI extras install more packages (`framework[provider]` pulls `framework-provider` or the
  // provider's SDK). An extra is evidence when `<name>-<extra>` or the extra's own name is a
  // package the rules know.
  const extras = p.ecosystem === 'pypi' ? attrs.extras : undefined;
  if (Array.isArray(extras)) {
    for (const extra of extras) {
      const e = String(extra).trim().toLowerCase();
      if (!e) continue;
      const pkg = [`${name.toLowerCase()}-${e}`, e].find((c) => input.rules.matchPackageAll('pypi', c).length > 0);
      if (!pkg || pkg === name.toLowerCase()) continue;
      input.emit({
        kind: 'package',
        value: pkg,
        namespace: 'pypi',
        signal: 'presence',
        confidence: p.confidence ?? (p.direct === false ? 'inferred' : 'declared'),
        line: p.line,
        snippet: lines && p.line ? snippetOf(lines.line(p.line)) || undefined : undefined,
        attrs: { direct: p.direct ?? true, extraOf: name, ...(p.scope ? { scope: p.scope } : {}) },
      });
    }
  }
}

/** Parses JSON; on failure reports a problem with the line of the error and returns undefined. */
export function parseJsonOrProblem(input: ParseInput, text: string, lines: Lines): unknown {
  try {
    return JSON.parse(stripBom(text));
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const lc = /line (\d+)/.exec(msg);
    const line = pos ? lines.lineAt(Number(pos[1])) : lc ? Number(lc[1]) : 1;
    input.problem(`invalid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '').slice(0, 120)}`, line);
    return undefined;
  }
}

export function parseTomlOrProblem(input: ParseInput, text: string): Record<string, unknown> | undefined {
  try {
    return parseToml(stripBom(text)) as Record<string, unknown>;
  } catch (e) {
    const err = e as Error & { line?: number };
    const first = err.message.split('\n')[0].slice(0, 120);
    input.problem(`invalid TOML: ${first}`, typeof err.line === 'number' ? err.line : 1);
    return undefined;
  }
}

export interface YamlDoc {
  doc: Document.Parsed;
  counter: LineCounter;
  /** 1-based line of a node's start (range[0]). */
  lineOf(node: unknown): number | undefined;
}

export function parseYamlOrProblem(input: ParseInput, text: string): YamlDoc | undefined {
  const counter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(stripBom(text), { lineCounter: counter, uniqueKeys: false, prettyErrors: false });
  } catch (e) {
    input.problem(`invalid YAML: ${(e as Error).message.split('\n')[0].slice(0, 120)}`, 1);
    return undefined;
  }
  if (doc.errors.length) {
    const err = doc.errors[0];
    const line = err.pos ? counter.linePos(err.pos[0]).line : 1;
    input.problem(`invalid YAML: ${err.message.split('\n')[0].slice(0, 120)}`, line);
    return undefined;
  }
  return {
    doc,
    counter,
    lineOf(node: unknown) {
      const r = (node as { range?: [number, number, number] } | null)?.range;
      return r ? counter.linePos(r[0]).line : undefined;
    },
  };
}

/** Validates XML; reports a problem with the line and returns false when malformed. */
export function xmlOkOrProblem(input: ParseInput, text: string): boolean {
  const r = XMLValidator.validate(stripBom(text));
  if (r === true) return true;
  input.problem(`invalid XML: ${r.err.msg.slice(0, 120)}`, r.err.line || 1);
  return false;
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Finds the line of the first match of `re` at or after `from`; returns the line and the offset after the match. */
export function findLine(text: string, lines: Lines, re: RegExp, from = 0): { line: number; end: number } | undefined {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  g.lastIndex = from;
  const m = g.exec(text);
  if (!m) return undefined;
  return { line: lines.lineAt(m.index), end: m.index + m[0].length };
}

/** Base name of a repo-relative path. */
export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/**
 * Offsets of every `"key":` in a JSON text, built in one pass, so lock files with tens of
 * thousands of entries get line numbers in linear time.
 */
export class JsonKeyIndex {
  private offsets = new Map<string, number[]>();
  /** offsets of keys whose value is an object */
  private objects = new Map<string, number[]>();
  constructor(text: string) {
    // one pass over string literals; a string followed by ':' is a key
    const n = text.length;
    let i = text.indexOf('"');
    while (i >= 0 && i < n) {
      let j = i + 1;
      let escaped = false;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 92 /* \\ */) {
          escaped = true;
          j += 2;
          continue;
        }
        if (c === 34 /* " */ || c === 10) break;
        j++;
      }
      if (j >= n) break;
      let k = j + 1;
      while (k < n && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9 || text.charCodeAt(k) === 10 || text.charCodeAt(k) === 13)) k++;
      if (text.charCodeAt(k) === 58 /* : */) {
        let key = text.slice(i + 1, j);
        if (escaped) {
          try {
            key = JSON.parse(`"${key}"`) as string;
          } catch {
            /* keep raw */
          }
        }
        let v = k + 1;
        while (v < n && (text.charCodeAt(v) === 32 || text.charCodeAt(v) === 9 || text.charCodeAt(v) === 10 || text.charCodeAt(v) === 13)) v++;
        this.add(this.offsets, key, i);
        if (text.charCodeAt(v) === 123 /* { */) this.add(this.objects, key, i);
      }
      i = text.indexOf('"', j + 1);
    }
  }
  private add(map: Map<string, number[]>, key: string, at: number): void {
    const l = map.get(key);
    if (l) l.push(at);
    else map.set(key, [at]);
  }
  /** First offset of `"key":` (with an object value when `object`) at or after `from`. */
  find(key: string, from = 0, object = false): number | undefined {
    const l = (object ? this.objects : this.offsets).get(key);
    if (!l) return undefined;
    let lo = 0;
    let hi = l.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (l[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    return l[lo];
  }
}
