/**
 * YAML / JSON documents with source offsets (the `yaml` package parses JSON too, so both give
 * node ranges and so line numbers). Parsed once per file and shared by the parsers.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node, type YAMLMap } from 'yaml';
import { lexCached } from './lex.js';
import { extOf, memo1 } from './util.js';

export interface Structured {
  docs: Document.Parsed[];
  /** first error, when any document failed to parse */
  error?: { message: string; offset: number };
}

/** Above this size YAML / JSON are not parsed structurally (the yaml library is slow on huge or broken input); parsers fall back to lines. */
export const MAX_STRUCTURED_BYTES = 512 * 1024;

function parse(text: string): Structured {
  if (text.length > MAX_STRUCTURED_BYTES) return { docs: [], error: { message: `larger than ${MAX_STRUCTURED_BYTES} bytes: not parsed structurally`, offset: 0 } };
  try {
    const docs = parseAllDocuments(text, { lineCounter: new LineCounter(), uniqueKeys: false, strict: false, prettyErrors: false } as never);
    const list = Array.isArray(docs) ? docs : [];
    for (const d of list) {
      if (d.errors.length) return { docs: list.filter((x) => !x.errors.length), error: { message: d.errors[0].message.split('\n')[0], offset: d.errors[0].pos?.[0] ?? 0 } };
    }
    return { docs: list };
  } catch (e) {
    return { docs: [], error: { message: (e as Error).message, offset: 0 } };
  }
}

const parseYaml = memo1(parse);
/**
 * JSON / JSONC: comments blanked (offsets kept), trailing commas tolerated; validated with
 * JSON.parse first (fast, and broken JSON never reaches the slower YAML composer), then
 * parsed by the yaml package for node offsets.
 */
const parseJson = memo1((text: string): Structured => {
  let code = lexCached(text, 'jsonc').code;
  try {
    JSON.parse(code);
  } catch {
    const relaxed = code.replace(/,(\s*[}\]])/g, ' $1');
    try {
      JSON.parse(relaxed);
      code = relaxed;
    } catch (e) {
      const msg = (e as Error).message;
      const pos = /position (\d+)/.exec(msg);
      return { docs: [], error: { message: msg, offset: pos ? Number(pos[1]) : 0 } };
    }
  }
  return parse(code);
});

export function isYamlName(name: string): boolean {
  const e = extOf(name);
  return e === '.yaml' || e === '.yml';
}
export function isJsonName(name: string): boolean {
  const e = extOf(name);
  return e === '.json' || e === '.jsonc' || e === '.json5';
}

export function parseStructured(name: string, text: string): Structured | undefined {
  if (isYamlName(name)) return parseYaml(text);
  if (isJsonName(name)) return parseJson(text);
  return undefined;
}

export type Visit = (node: Node, key: string | undefined, parent: YAMLMap | undefined, depth: number) => void;

/** Depth-first walk over every node, with the key it sits under (if in a map). */
export function walk(node: unknown, visit: Visit, key?: string, parent?: YAMLMap, depth = 0): void {
  if (!node || depth > 64) return;
  visit(node as Node, key, parent, depth);
  if (isMap(node)) {
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const k = isScalar(item.key) ? String(item.key.value) : undefined;
      walk(item.value, visit, k, node, depth + 1);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) walk(item, visit, key, undefined, depth + 1);
  }
}

/** The scalar string value at `key` of a map, if any. */
export function mapString(map: unknown, key: string): string | undefined {
  if (!isMap(map)) return undefined;
  const v = map.get(key, true);
  return isScalar(v) && (typeof v.value === 'string' || typeof v.value === 'number') ? String(v.value) : undefined;
}

/** Offset of a map entry's key node (for line numbers). */
export function keyOffset(map: unknown, key: string): number | undefined {
  if (!isMap(map)) return undefined;
  for (const it of map.items) if (isPair(it) && isScalar(it.key) && String(it.key.value) === key) return it.key.range?.[0];
  return undefined;
}

export function nodeOffset(node: unknown): number {
  const r = (node as Node | undefined)?.range;
  return r ? r[0] : 0;
}

export { isMap, isPair, isScalar, isSeq };
