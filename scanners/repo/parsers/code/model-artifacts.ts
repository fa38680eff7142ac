/**
 * Model files recognised by content: magic bytes and ZIP entry names from the rules'
 * model-formats (RuleIndex.modelFormats), never by extension alone unless the format says it
 * has no magic (`extensionOnly`, confidence inferred). A `.bin` / `.pt` whose bytes are not a
 * model is not reported. Git LFS pointer files named like a model file are model references.
 */
import type { ModelFormat } from '../../../../src/rules/schema.js';
import type { FileParser, ParseInput } from '../types.js';
import { extOf } from './util.js';

/** Never model files: source, docs, styles. Everything else gets its first bytes checked. */
const TEXT_EXTS = new Set([
  '.py', '.pyi', '.js', '.mjs', '.cjs', '.jsx', '.ts', '.tsx', '.mts', '.cts', '.go', '.java', '.kt', '.kts', '.scala', '.cs',
  '.rb', '.rs', '.php', '.swift', '.c', '.cc', '.cpp', '.h', '.hpp', '.sh', '.bash', '.zsh', '.md', '.mdx', '.rst', '.txt',
  '.adoc', '.html', '.htm', '.css', '.scss', '.less', '.svg', '.lock', '.vue', '.svelte', '.ipynb', '.tf', '.bicep', '.sql',
  '.png', '.jpg', '.jpeg', '.gif', '.ico', '.webp', '.woff', '.woff2', '.ttf', '.eot', '.map',
]);

/** Extensions too generic to stand for a model on their own (LFS pointers, extension-only formats). */
const GENERIC_EXTS = new Set(['.bin', '.pb', '.xml', '.json', '.zip', '.data', '.dat', '.params', '.engine', '.plan', '.msgpack', '.model', '.index', '.txt', '.yaml', '.yml']);

const LFS_PREFIX = 'version https://git-lfs.github.com/spec/v1';
const ZIP_LOCAL = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const ZIP_CENTRAL = Buffer.from([0x50, 0x4b, 0x01, 0x02]);

/** Entry names visible in the first bytes of a ZIP (local headers and, for small files, the central directory). */
export function zipEntryNames(head: Buffer): string[] {
  const names = new Set<string>();
  const scan = (sig: Buffer, lenAt: number, nameAt: number) => {
    for (let i = head.indexOf(sig); i >= 0 && i < head.length; i = head.indexOf(sig, i + 4)) {
      if (i + nameAt > head.length) break;
      const len = head.readUInt16LE(i + lenAt);
      if (len === 0 || len > 1024 || i + nameAt + len > head.length) continue;
      names.add(head.toString('latin1', i + nameAt, i + nameAt + len));
    }
  };
  scan(ZIP_LOCAL, 26, 30);
  scan(ZIP_CENTRAL, 28, 46);
  return [...names];
}

/** A magic's bytes, decoded once per rule (not per file). */
const magicBytes = new WeakMap<object, Buffer>();
function bytesOf(m: ModelFormat['magic'][number]): Buffer {
  let b = magicBytes.get(m);
  if (!b) magicBytes.set(m, (b = Buffer.from(m.hex, 'hex')));
  return b;
}

function magicLength(f: ModelFormat, head: Buffer, ext = true): number {
  let best = 0;
  for (const m of f.magic) {
    if (m.withExtension && !ext) continue;
    const bytes = bytesOf(m);
    if (m.offset + bytes.length > head.length) continue;
    if (head.compare(bytes, 0, bytes.length, m.offset, m.offset + bytes.length) === 0) best = Math.max(best, bytes.length);
  }
  return best;
}

/** A format's extensions in lower case, once per rule. */
const lowerExts = new WeakMap<object, string[]>();
function hasExt(f: ModelFormat, lowerName: string): boolean {
  let exts = lowerExts.get(f);
  if (!exts) lowerExts.set(f, (exts = f.extensions.map((e) => e.toLowerCase())));
  for (const e of exts) if (lowerName.endsWith(e)) return true;
  return false;
}

interface Candidate {
  format: ModelFormat;
  via: 'magic' | 'zip-entry' | 'zip-extension' | 'magic-extension' | 'extension';
  score: number;
}

export function detectModelFormat(formats: ReadonlyArray<ModelFormat>, name: string, head: Buffer): Candidate | undefined {
  const lower = name.toLowerCase();
  const isZip = head.length >= 4 && head.compare(ZIP_LOCAL, 0, 4, 0, 4) === 0;
  let entries: string[] | undefined;
  const cands: Candidate[] = [];
  for (const f of formats) {
    const ext = hasExt(f, lower);
    if (f.zipEntries.length) {
      if (!isZip && !magicLength(f, head)) continue;
      entries ??= zipEntryNames(head);
      if (entries.some((e) => f.zipEntries.some((z) => e === z || e.endsWith('/' + z) || e.endsWith(z)))) cands.push({ format: f, via: 'zip-entry', score: 3000 + (ext ? 1 : 0) });
      else if (ext && entries.length === 0 && !GENERIC_EXTS.has(extOf(lower))) cands.push({ format: f, via: 'zip-extension', score: 100 });
      continue;
    }
    const len = magicLength(f, head, ext);
    if (len >= 4) cands.push({ format: f, via: 'magic', score: 2000 + len * 2 + (ext ? 1 : 0) });
    else if (len > 0 && ext) cands.push({ format: f, via: 'magic-extension', score: 1000 + len * 2 });
  }
  if (!cands.length) {
    if (GENERIC_EXTS.has(extOf(lower))) return undefined;
    const f = formats.find((x) => x.extensionOnly && hasExt(x, lower));
    return f ? { format: f, via: 'extension', score: 0 } : undefined;
  }
  cands.sort((a, b) => b.score - a.score);
  return cands[0];
}

function parseLfsPointer(head: Buffer): { oid?: string; size?: number } | undefined {
  if (head.length < LFS_PREFIX.length || head.toString('latin1', 0, LFS_PREFIX.length) !== LFS_PREFIX) return undefined;
  const text = head.toString('utf8', 0, Math.min(head.length, 1024));
  const oid = /^oid sha256:([0-9a-f]{64})$/m.exec(text)?.[1];
  const size = /^size (\d+)$/m.exec(text)?.[1];
  return { oid, size: size ? Number(size) : undefined };
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function emitModel(input: ParseInput, f: ModelFormat, confidence: 'declared' | 'inferred', via: string, bytes: number, extra: Record<string, string | number | boolean> = {}): void {
  input.emit({
    kind: 'model-artifact',
    value: f.id,
    signal: 'presence',
    confidence,
    attrs: { path: input.relPath, bytes, executesCode: f.executesCode, via, ...extra },
    artifact: { type: 'model-file', key: input.relPath, name: basename(input.relPath) },
  });
}

export const modelArtifactParser: FileParser = {
  id: 'model-artifact',
  binary: true,
  matches(_relPath, name) {
    return !TEXT_EXTS.has(extOf(name));
  },
  parse(input) {
    const formats = input.rules.modelFormats;
    const head = input.head;
    if (!formats.length || !head || head.length === 0) return;
    const lower = input.name.toLowerCase();
    const lfs = parseLfsPointer(head);
    if (lfs) {
      if (GENERIC_EXTS.has(extOf(lower))) return;
      const f = formats.find((x) => hasExt(x, lower));
      if (!f) return;
      const extra: Record<string, string | number | boolean> = { lfsPointer: true };
      if (lfs.oid) extra.lfsOid = `sha256:${lfs.oid}`;
      emitModel(input, f, 'inferred', 'lfs-pointer', lfs.size ?? input.size, extra);
      return;
    }
    const c = detectModelFormat(formats, input.name, head);
    if (!c) return;
    const confidence = c.via === 'magic' || c.via === 'zip-entry' || c.via === 'magic-extension' ? 'declared' : 'inferred';
    emitModel(input, c.format, confidence, c.via, input.size);
  },
};
