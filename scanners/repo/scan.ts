/**
 * Repo scanner: walks each root (walk.ts), runs every matching parser on each text file,
 * scans every text file for credentials with the rule index, and reports each file as a unit
 * (scanned / skipped / failed). Output is deterministic: files are read concurrently but their
 * results are replayed into the sink in path order.
 *
 * Secrets: only `RedactedSecret` forms leave this file. Raw secret strings are kept in memory for
 * one file at a time, only to redact them from whatever parsers emit.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { posix } from 'node:path';
import { ScanError } from '../../src/core/errors.js';
import { maskSpans } from '../../src/core/secrets.js';
import type { AttrValue, Coverage, Observation, ScanContext, Sink } from '../../src/core/types.js';
import type { RuleIndex, SecretHit } from '../../src/rules/compile.js';
import type { RepoOptions } from './index.js';
import { parsers as defaultParsers } from './parsers/index.js';
import { requirementIncludes, requirementsParser } from './parsers/manifests/index.js';
import type { FileParser, ParseInput, ParsedObservation } from './parsers/types.js';
import { findSubjects, resolveRoot, walkSubject, type RepoSubject, type WalkFile } from './walk.js';
import { fileRole, lineRole, type Role } from './role.js';
import { LANES, RepoPool, type WireSubject } from './pool.js';
import { sourceLangOf } from './parsers/code/languages.js';
import { CREDENTIAL_KIND, inertEscapes, kindBits, prefilter, structuredKinds } from './prefilter.js';
import { raiseTieringBudget } from './tiering.js';

export const SCANNER_ID = 'repo';
/** SHADOWSCAN_REPO_PREFILTER=0 turns the literal pre-filter off (equivalence checks, bisecting). */
const PREFILTER = process.env.SHADOWSCAN_REPO_PREFILTER !== '0';
/** Bytes sniffed for NUL (binary detection). */
export const SNIFF_BYTES = 8192;
/** Bytes given to binary parsers. */
export const HEAD_BYTES = 4096;
const SNIPPET_MAX = 200;
/** Below this many files a scan stays in the main thread (starting workers costs more). */
export const MIN_FILES_FOR_WORKERS = 200;
/**
 * A batch sent to a worker: this many files of one lane (the walk does not stat files, so batches
 * are cut by count; the threads claim them one at a time, so a batch of large files delays no other).
 */
const BATCH_FILES = 32;

/** A file's lane (pool.ts): 0 for source code (the lexer and the source parsers read it), else 1. */
export function laneOf(f: WalkFile): number {
  return sourceLangOf(f.rel.slice(f.rel.lastIndexOf('/') + 1)) ? 0 : 1;
}

/** Extensions that are binary whatever their first bytes say: never read as text. */
export const BINARY_EXTENSIONS = new Set(
  (
    'png jpg jpeg gif bmp ico icns tif tiff webp avif heic psd ai eps svgz ' +
    'mp3 mp4 m4a m4v mov avi mkv webm wav flac ogg oga opus aac wma wmv flv ' +
    'zip gz tgz bz2 xz zst lz4 7z rar tar jar war ear aar apk ipa whl egg nupkg gem deb rpm dmg iso msi cab ' +
    'exe dll so dylib a lib o obj bin dat class pyc pyo pyd wasm node ' +
    'pdf doc docx xls xlsx ppt pptx odt ods odp ' +
    'woff woff2 ttf otf eot ' +
    'sqlite sqlite3 db mdb parquet avro orc feather arrow npy npz h5 hdf5 ' +
    'pt pth ckpt safetensors gguf ggml onnx pb tflite mlmodel pkl pickle joblib keras'
  ).split(' '),
);

export type Ev =
  | { t: 'obs'; o: Observation }
  | { t: 'scanned' }
  | { t: 'skipped'; reason: string }
  | { t: 'failed'; reason: string }
  | { t: 'problem'; locator: string; message: string }
  | { t: 'stat'; name: string; delta: number };

export interface ScanDeps {
  /** The parser table (tests may inject their own; the scan then stays in the main thread). */
  parsers?: FileParser[];
  /** Opens a file for reading (tests inject failures; the scan then stays in the main thread). */
  openSync?: typeof openSync;
  /** The literal pre-filter (prefilter.ts); default on, off with SHADOWSCAN_REPO_PREFILTER=0 (equivalence checks). */
  prefilter?: boolean;
}

function extOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(i + 1).toLowerCase() : '';
}

/** NUL byte in the sniffed head means binary (the git / ripgrep heuristic). */
export function looksBinary(head: Buffer): boolean {
  return head.includes(0);
}

function utf16Bom(head: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function decode(buf: Buffer): string {
  const bom = utf16Bom(buf);
  if (bom === 'utf-16le') return buf.subarray(2).toString('utf16le');
  if (bom === 'utf-16be') {
    const b = Buffer.from(buf.subarray(2));
    b.swap16();
    return b.toString('utf16le');
  }
  const s = utf8.decode(buf);
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

interface Secret {
  raw: string;
  display: string;
}

/** Replaces every known secret in a string with its display form. */
function redact(s: string, secrets: Secret[]): string {
  let out = s;
  for (const x of secrets) if (x.raw && out.includes(x.raw)) out = out.split(x.raw).join(x.display);
  return out;
}

function redactAttrs(a: Record<string, AttrValue> | undefined, secrets: Secret[]): Record<string, AttrValue> | undefined {
  if (!a || !secrets.length) return a;
  const out: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(a)) out[k] = typeof v === 'string' ? redact(v, secrets) : Array.isArray(v) ? v.map((x) => redact(x, secrets)) : v;
  return out;
}

function clip(s: string, around = 0): string {
  const t = s.trim();
  if (t.length <= SNIPPET_MAX) return t;
  const start = Math.max(0, Math.min(around - 40, t.length - SNIPPET_MAX));
  return (start > 0 ? '…' : '') + t.slice(start, start + SNIPPET_MAX - 2) + '…';
}

/** The line holding a secret, with every secret on it replaced by its display form. */
function credentialSnippet(text: string, hit: SecretHit, hits: SecretHit[]): string {
  const ls = text.lastIndexOf('\n', hit.index - 1) + 1;
  let le = text.indexOf('\n', hit.index);
  if (le < 0) le = text.length;
  const onLine = hits.filter((h) => h.index >= ls && h.index < le).sort((a, b) => b.index - a.index);
  let line = text.slice(ls, le).replace(/\r$/, '');
  let firstAt = hit.index - ls;
  for (const h of onLine) {
    const a = h.index - ls;
    const b = Math.min(line.length, a + h.secret.length);
    line = line.slice(0, a) + h.secret.display + line.slice(b);
    if (h.index < hit.index) firstAt += h.secret.display.length - h.secret.length;
  }
  // a secret running past the line end (multi-line) is already cut; the window keeps the display
  const lead = line.length - line.trimStart().length;
  return clip(line, firstAt - lead);
}

/** What scanning one file needs to know about its subject (plain data: it crosses to workers). */
export interface JobSubject {
  subject: RepoSubject['subject'];
  prefix: string;
  /** Python modules of the repository itself, by folder (`a/b` → {mod, pkg}); see firstPartyPython. */
  pyModules?: Map<string, Set<string>>;
}

export interface FileJob {
  s: JobSubject;
  f: WalkFile;
  /** requirements file included (-r / -c) by another one; value: the including file */
  includedFrom?: string;
}

/**
 * The thread's read buffer, reused from file to file (grown on demand): a fresh buffer per file
 * was ~80 MB of short-lived external memory over a scan, and garbage collection to match. Valid
 * until the next read; nothing scanFile returns holds on to it (parsers get text, a copy).
 */
let readBuf = Buffer.allocUnsafeSlow(1 << 16);

/**
 * Reads up to `n` bytes from the start of the file with positional, synchronous reads (into
 * readBuf), the first `have` of which are already there (a file read in two steps, see readFile).
 */
function readAt(fd: number, n: number, have = 0): Buffer {
  if (readBuf.length < n) {
    const grown = Buffer.allocUnsafeSlow(Math.max(n, readBuf.length * 2));
    readBuf.copy(grown, 0, 0, have);
    readBuf = grown;
  }
  const buf = readBuf;
  let off = have;
  while (off < n) {
    const got = readSync(fd, buf, off, n - off, off);
    if (!got) break;
    off += got;
  }
  return buf.subarray(0, off);
}

/**
 * What readFile reads first: a file that ends within it (most files: on the accuracy corpus 95 %
 * are under 32 KiB) is read in one call, and its size is what was read — no stat. The walk does
 * not stat files (a stat per file was about a third of its CPU); a longer file's size comes from
 * an fstat of the open file.
 */
export const FIRST_READ_BYTES = 1 << 16;

/**
 * Scans one file, synchronously (in a worker thread, or in the main thread for small trees):
 * one open, one read of the whole file when it will be read as text (only the head when its
 * extension says binary or it is larger than maxFileBytes), one close; an fstat only for a file
 * longer than the first read (see readFile).
 */
export function scanFile(job: FileJob, rules: RuleIndex, maxFileBytes: number, table: FileParser[], openFile: typeof openSync = openSync, prefilterOn = true): Ev[] {
  const { s, f } = job;
  const ev: Ev[] = [];
  const loc = s.prefix + f.rel;
  const name = f.rel.slice(f.rel.lastIndexOf('/') + 1);
  const textParsers = table.filter((p) => !p.binary && safeMatch(p, f.rel, name, ev, loc));
  if (job.includedFrom && !textParsers.includes(requirementsParser) && table.includes(requirementsParser)) textParsers.push(requirementsParser);
  const binParsers = table.filter((p) => p.binary && safeMatch(p, f.rel, name, ev, loc));
  const binaryExt = BINARY_EXTENSIONS.has(extOf(name));
  const read = readFile(f, binaryExt, maxFileBytes, openFile, ev);
  if (!read) return ev;
  const { buf: whole, size } = read;
  const head = whole.length > SNIFF_BYTES ? whole.subarray(0, SNIFF_BYTES) : whole;
  const secrets: Secret[] = [];
  // The file's role (attrs.role on every observation; per line in files mixing code and markup),
  // from its path and, for a text file, its first lines: computed when the first observation
  // needs it (most files emit nothing).
  let role: Role | undefined;
  /** a text file's text (its first lines decide its role) */
  let roleText: string | undefined;
  let lineOf: (n: number) => string | undefined = () => undefined;
  /** a text file whose text is decoded only if something emits (see below): decodes it, sets roleText and lineOf */
  let textRole: (() => void) | undefined;
  const roleAt = (line: number | undefined): Role => {
    textRole?.();
    role ??= fileRole({ relPath: f.rel, agentConfig: !!rules.matchAgentConfig(f.rel), head: roleText?.slice(0, 4096) });
    return line ? lineRole(role, f.rel, lineOf(line)) : role;
  };
  // what every parser run of this file is given (parsers read their input, never change it)
  const input: ParseInput = {
    relPath: f.rel,
    name,
    text: undefined,
    head: head.length > HEAD_BYTES ? head.subarray(0, HEAD_BYTES) : head,
    size,
    rules,
    emit: (o) => ev.push({ t: 'obs', o: toObservation(o, job, secrets, roleAt(o.line)) }),
    problem: (message, line) => ev.push({ t: 'problem', locator: line ? `${loc}:${line}` : loc, message: redact(String(message), secrets) }),
  };
  const run = (p: FileParser, text: string | undefined) => {
    try {
      input.text = text;
      p.parse(input);
    } catch (e) {
      ev.push({ t: 'problem', locator: loc, message: redact(`parser ${p.id} failed: ${(e as Error)?.message ?? String(e)}`, secrets) });
    }
  };
  const binary = !utf16Bom(head) && (binaryExt || looksBinary(head));
  if (binary) {
    ev.push({ t: 'stat', name: 'binaryFiles', delta: 1 });
    if (!binParsers.length) {
      ev.push({ t: 'skipped', reason: 'binary file' });
      return ev;
    }
    for (const p of binParsers) run(p, undefined);
    ev.push({ t: 'scanned' });
    return ev;
  }
  if (size > maxFileBytes) {
    for (const p of binParsers) run(p, undefined);
    ev.push({ t: 'skipped', reason: `larger than maxFileBytes (${size} > ${maxFileBytes} bytes)` });
    return ev;
  }
  const buf = whole;
  // one pass over the bytes (prefilter.ts): the kinds of rule literal the file's gated parsers
  // read, and whether it holds a credential keyword of the rules, counted as scanSecrets counts it
  const g = gate(rules, buf, textParsers, prefilterOn && !utf16Bom(head));
  const decoded = g.decoded;
  const parsersToRun = g.parsers;
  const skippedParsers = textParsers.length - parsersToRun.length;
  const mayHoldCredential = g.mayHoldCredential;
  ev.push({ t: 'stat', name: 'bytesRead', delta: buf.length });
  ev.push({ t: 'stat', name: 'textFiles', delta: 1 });
  const textOf = (t: string) => {
    roleText = t;
    lineOf = lineReader(t);
    return t;
  };
  if (!mayHoldCredential && !parsersToRun.length) {
    // no credential and no text parser here: the binary parsers (path, head and size: agent
    // configs, model files) run, and the text is decoded only for the role of what they emit
    textRole = () => {
      textRole = undefined;
      textOf(decoded ?? decode(buf));
    };
    for (const p of binParsers) run(p, undefined);
    if (skippedParsers) ev.push({ t: 'stat', name: 'prefilterSkippedParsers', delta: skippedParsers });
    ev.push({ t: 'scanned' });
    return ev;
  }
  const text = textOf(decoded ?? decode(buf));
  // credentials in any text file (none without a keyword: the regex pass is skipped)
  const hits = mayHoldCredential ? rules.scanSecrets(text) : [];
  for (const h of hits) secrets.push({ raw: text.slice(h.index, h.index + h.secret.length), display: h.secret.display });
  // longest first, so a secret containing another is replaced whole
  secrets.sort((a, b) => b.raw.length - a.raw.length);
  if (hits.length) credentialEvents(ev, hits, text, secrets, job, loc, roleAt);
  for (const p of binParsers) run(p, undefined);
  if (skippedParsers) ev.push({ t: 'stat', name: 'prefilterSkippedParsers', delta: skippedParsers });
  // mask, then cut: parsers cut their snippets from text whose secrets are already masked
  const masked = hits.length ? maskSpans(text, hits.map((h) => ({ index: h.index, length: h.secret.length, display: h.secret.display }))) : text;
  for (const p of parsersToRun) run(p, masked);
  ev.push({ t: 'scanned' });
  return ev;
}

/**
 * Opens, reads and closes a file: its bytes (the whole file when it will be read as text; only
 * its first SNIFF_BYTES when its extension says binary or it is larger than maxFileBytes) and
 * its size. The first read asks for FIRST_READ_BYTES (SNIFF_BYTES for a binary extension): when
 * the file ends within it, that is the whole file and its size; otherwise one fstat gives the size
 * and the rest is read when the file is read as text. Undefined (a `failed` event) when it cannot.
 */
function readFile(f: WalkFile, binaryExt: boolean, maxFileBytes: number, openFile: typeof openSync, ev: Ev[]): { buf: Buffer; size: number } | undefined {
  try {
    const fd = openFile(f.abs, 'r');
    try {
      const first = binaryExt ? SNIFF_BYTES : FIRST_READ_BYTES;
      let buf = readAt(fd, first);
      const size = buf.length < first ? buf.length : fstatSync(fd).size;
      if (binaryExt || size > maxFileBytes) return { buf: buf.length > SNIFF_BYTES ? buf.subarray(0, SNIFF_BYTES) : buf, size };
      if (size > buf.length) buf = readAt(fd, size, buf.length);
      return { buf, size };
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    ev.push({ t: 'failed', reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    return undefined;
  }
}

/**
 * The pre-filter's decision for a text file (prefilter.ts): one pass over the bytes for the kinds
 * of rule literal the file's gated parsers read and for a credential keyword of the rules; the
 * text parsers left to run, and the decoded text when the decision needed it.
 */
function gate(rules: RuleIndex, buf: Buffer, textParsers: FileParser[], gated: boolean): { parsers: FileParser[]; mayHoldCredential: boolean; decoded?: string } {
  const wanted = gated ? textParsers.reduce((m, p) => (p.anchored ? m | kindBits(p.anchored) : m), 0) : 0;
  const pf = gated ? prefilter(rules, buf, wanted | CREDENTIAL_KIND) : undefined;
  let decoded: string | undefined;
  // rule-gated parsers run only on files holding a rule literal
  let parsersToRun = textParsers;
  if (wanted && pf) {
    // structured parsers (YAML / JSON / TOML values, escapes decoded): the decoded text's literals count too
    // (not when the raw bytes hold every such kind, or every escape is inert: see inertEscapes)
    const sw = textParsers.reduce((m, p) => (p.anchored && p.structured ? m | kindBits(p.anchored) : m), 0);
    const decodeToo = sw !== 0 && pf.escapes && (pf.kinds & sw) !== sw && !inertEscapes(rules, buf, pf, sw);
    const sk = decodeToo ? structuredKinds(rules, pf, (decoded ??= decode(buf)), sw) : pf.kinds;
    parsersToRun = textParsers.filter((p) => !p.anchored || ((p.structured ? sk : pf.kinds) & kindBits(p.anchored)) !== 0);
  }
  // parsers that need a literal (FileParser.needs) run only on a file holding one
  if (gated && parsersToRun.some((p) => p.needs)) parsersToRun = parsersToRun.filter((p) => !p.needs || p.needs.some((l) => buf.includes(l)));
  return { parsers: parsersToRun, mayHoldCredential: !pf || (pf.kinds & CREDENTIAL_KIND) !== 0, decoded };
}

/** The credential observations of a file (values and snippets redacted), and their count. */
function credentialEvents(ev: Ev[], hits: SecretHit[], text: string, secrets: Secret[], job: FileJob, loc: string, roleAt: (line: number) => Role): void {
  for (const h of hits) {
    ev.push({
      t: 'obs',
      o: {
        kind: 'credential',
        value: h.secret.display,
        source: 'repo',
        scanner: SCANNER_ID,
        signal: 'credential',
        confidence: 'declared',
        subject: job.s.subject,
        locator: `${loc}:${h.line}`,
        snippet: redact(credentialSnippet(text, h, hits), secrets),
        attrs: { service: h.service, pattern: h.patternId, fingerprint: h.secret.fingerprint, prefix: h.secret.prefix, last4: h.secret.last4, path: job.f.rel, role: roleAt(h.line) },
      },
    });
  }
  ev.push({ t: 'stat', name: 'credentials', delta: hits.length });
}

function safeMatch(p: FileParser, rel: string, name: string, ev: Ev[], loc: string): boolean {
  try {
    return p.matches(rel, name);
  } catch (e) {
    ev.push({ t: 'problem', locator: loc, message: `parser ${p.id} matches() failed: ${(e as Error).message}` });
    return false;
  }
}

/** Line `n` (1-based) of a text, found on demand (line starts indexed once). */
function lineReader(text: string): (n: number) => string | undefined {
  let starts: number[] | undefined;
  return (n) => {
    if (!starts) {
      starts = [0];
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    }
    if (n < 1 || n > starts.length) return undefined;
    const end = n < starts.length ? starts[n] - 1 : text.length;
    return text.slice(starts[n - 1], Math.min(end, starts[n - 1] + 4096));
  };
}

function toObservation(p: ParsedObservation, job: FileJob, secrets: Secret[], role: Role): Observation {
  const loc = job.s.prefix + job.f.rel;
  const attrs: Record<string, AttrValue> = { ...redactAttrs(p.attrs, secrets), role: p.kind === 'agent-config' && role === 'config' ? 'agent-config' : role };
  if (p.kind === 'import' && p.namespace === 'python' && job.s.pyModules && firstPartyPython(job.s.pyModules, job.f.rel, p.value)) attrs.firstParty = true;
  const o: Observation = {
    kind: p.kind,
    value: redact(String(p.value), secrets),
    source: 'repo',
    scanner: SCANNER_ID,
    signal: p.signal,
    confidence: p.confidence,
    subject: job.s.subject,
    locator: p.line ? `${loc}:${p.line}` : loc,
  };
  if (p.namespace !== undefined) o.namespace = p.namespace;
  if (p.snippet !== undefined) o.snippet = clip(redact(p.snippet, secrets));
  o.attrs = { ...attrs, ...(job.includedFrom ? { includedFrom: job.includedFrom } : {}) };
  if (p.artifact) {
    o.artifact = {
      type: p.artifact.type,
      key: redact(p.artifact.key, secrets),
      ...(p.artifact.name !== undefined ? { name: redact(p.artifact.name, secrets) } : {}),
      ...(p.artifact.attrs ? { attrs: redactAttrs(p.artifact.attrs, secrets) } : {}),
    };
  }
  return o;
}

/** Folder → names of the Python modules (`x.py`) and packages (`x/__init__.py`) it holds. */
export function pythonModules(files: Array<{ rel: string }>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (dir: string, name: string) => (out.get(dir) ?? out.set(dir, new Set()).get(dir)!).add(name);
  for (const { rel } of files) {
    if (!rel.endsWith('.py')) continue;
    const parts = rel.split('/');
    const file = parts.pop()!;
    if (file === '__init__.py') {
      const pkg = parts.pop();
      if (pkg) add(parts.join('/'), pkg);
    } else add(parts.join('/'), file.slice(0, -3));
  }
  return out;
}

/**
 * An absolute Python import that resolves to the repository's own code — a module or package of
 * that name beside the importing file, at the repository root, or under `src/` — is first-party:
 * `import whisper` in a project whose own module is `whisper.py` is not a third-party SDK.
 */
export function firstPartyPython(mods: Map<string, Set<string>>, rel: string, module: string): boolean {
  const top = module.split('.')[0];
  const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
  return [dir, '', 'src'].some((d) => mods.get(d)?.has(top));
}

/**
 * Requirement files named by `-r` / `-c` in another requirements file are parsed as requirement
 * files whatever their name. Returns subject-relative path → including file.
 */
async function followRequirementIncludes(s: RepoSubject, files: WalkFile[], maxBytes: number, problem: (loc: string, msg: string) => void): Promise<Map<string, string>> {
  const byRel = new Map(files.map((f) => [f.rel, f]));
  const included = new Map<string, string>();
  const queue = files.filter((f) => requirementsParser.matches(f.rel, f.rel.slice(f.rel.lastIndexOf('/') + 1))).map((f) => f.rel);
  const seen = new Set(queue);
  while (queue.length) {
    const rel = queue.shift()!;
    const f = byRel.get(rel);
    if (!f) continue;
    let text: string;
    try {
      if (statSync(f.abs).size > maxBytes) continue;
      text = decode(readFileSync(f.abs));
    } catch {
      continue; // reported when the file itself is scanned
    }
    for (const inc of requirementIncludes(text)) {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(inc.path)) continue; // remote include
      const target = posix.normalize(posix.join(posix.dirname(rel), inc.path));
      if (!byRel.has(target)) {
        problem(`${s.prefix}${rel}:${inc.line}`, `included ${inc.kind} file not found in the scanned files: ${inc.path}`);
        continue;
      }
      if (!seen.has(target)) {
        seen.add(target);
        included.set(target, rel);
        queue.push(target);
      }
    }
  }
  return included;
}

export async function scan(ctx: ScanContext<RepoOptions>, sink: Sink, deps: ScanDeps = {}): Promise<Coverage> {
  // fewer lukewarm functions optimised while the scan runs (tiering.ts)
  const endTiering = raiseTieringBudget();
  try {
    return await scanRoots(ctx, sink, deps);
  } finally {
    endTiering();
  }
}

async function scanRoots(ctx: ScanContext<RepoOptions>, sink: Sink, deps: ScanDeps): Promise<Coverage> {
  const opts = ctx.options;
  const table = deps.parsers ?? defaultParsers;
  const roots: string[] = [];
  const rootErrors: string[] = [];
  for (const p of opts.paths) {
    const r = await resolveRoot(p);
    if ('error' in r) {
      sink.unitFailed(p, r.error);
      rootErrors.push(`${p}: ${r.error}`);
    } else if (!roots.includes(r.real)) roots.push(r.real);
  }
  if (!roots.length) throw new ScanError(`repo: nothing to scan (${rootErrors.join('; ')})`);
  const walkOpts = {
    maxFileBytes: opts.maxFileBytes,
    followSymlinks: opts.followSymlinks ?? false,
    exclude: opts.exclude ?? [],
    includeVendored: opts.includeVendored ?? false,
  };
  // A unit is the subject (the repository) and the path inside it: the same clone gives the same
  // units — and so the same finding fingerprints — whether it is scanned alone or in a folder of
  // clones (the locator keeps the folder prefix, for reading and SARIF paths).
  const unitOf = (s: JobSubject, rel: string) => `${s.subject.id}:${rel}`;
  const jobs: FileJob[] = [];
  /** Subjects with any failed file or folder: not completely covered. */
  const incomplete = new Set<string>();
  const subjectsSeen: RepoSubject[] = [];
  const usePrefilter = deps.prefilter ?? PREFILTER;
  const local = (job: FileJob) => scanFile(job, ctx.rules, opts.maxFileBytes, table, deps.openSync, usePrefilter);
  const inProcess = !!deps.parsers || !!deps.openSync;
  // the main thread scans batches too (work stealing): one worker fewer than cores (one V8 isolate less)
  const wantWorkers = inProcess ? 0 : opts.workers ?? Math.max(1, availableParallelism() - 1);
  const minFiles = opts.workers !== undefined ? 1 : MIN_FILES_FOR_WORKERS;
  // Worker threads start as soon as the walk has listed enough files to pay for them, and scan
  // each subject's files while the next subjects are walked; results are replayed into the sink
  // after the walk, in path order, whichever thread read the file (the sink sees what it saw
  // before: the walk's skips, then every file in order).
  let starting: Promise<RepoPool | undefined> | undefined;
  let pool: RepoPool | undefined;
  const subjectIds = new Map<JobSubject, number>();
  const wire: WireSubject[] = [];
  interface Batch {
    /** the batch's files (indices into jobs, in path order) */
    idx: number[];
    lane: number;
    result?: Promise<Ev[][]>;
    settled?: boolean;
  }
  const batches: Batch[] = [];
  /** set when the replay ends (see submit: a batch failed after that is not scanned again) */
  let replayOver = false;
  /** per file: its batch, and its place in that batch */
  const batchOf: number[] = [];
  const placeIn: number[] = [];
  /** per lane, the files listed and not yet in a batch */
  const pending: number[][] = Array.from({ length: LANES }, () => []);
  let cut = 0;
  let submitted = 0;
  const close = (lane: number) => {
    const idx = pending[lane];
    idx.forEach((i, k) => ((batchOf[i] = batches.length), (placeIn[i] = k)));
    batches.push({ idx, lane });
    pending[lane] = [];
  };
  /**
   * Cuts the listed files into batches of one lane each (source code or not, see pool.ts), in path
   * order within a lane; a last short batch of a lane only once the walk is over.
   */
  const cutBatches = (last: boolean) => {
    for (; cut < jobs.length; cut++) {
      const lane = laneOf(jobs[cut].f);
      pending[lane].push(cut);
      if (pending[lane].length >= BATCH_FILES) close(lane);
    }
    if (last) for (let lane = 0; lane < LANES; lane++) if (pending[lane].length) close(lane);
  };
  const submit = () => {
    if (!pool) return;
    for (; submitted < batches.length; submitted++) {
      const batch = batches[submitted];
      const part = batch.idx.map((i) => jobs[i]);
      const fresh: WireSubject[] = [];
      const items = part.map((j) => {
        let si = subjectIds.get(j.s);
        if (si === undefined) {
          subjectIds.set(j.s, (si = wire.length));
          const w: WireSubject = { subject: j.s.subject, prefix: j.s.prefix, pyModules: [...(j.s.pyModules ?? new Map<string, Set<string>>())].map(([d, m]) => [d, [...m]]) };
          wire.push(w);
          fresh.push(w);
        }
        return { si, f: j.f, includedFrom: j.includedFrom };
      });
      // a batch a worker could not finish (it crashed) is scanned here instead
      batch.result = pool
        .run(fresh, wire.length - fresh.length, items, () => part.map(local), batch.lane)
        .catch((e) => {
          // once the replay is over (the pool is being closed: done, or aborted) nobody reads the answer
          if (replayOver) return [];
          ctx.log.debug(`repo: worker failed (${(e as Error).message}); scanning its files in the main thread`);
          return part.map(local);
        });
      void batch.result.then(() => (batch.settled = true));
    }
  };
  /** (a loop outside this async function: see replayKnown) */
  const addJobs = (js: JobSubject, files: WalkFile[], included: Map<string, string>) => {
    for (const f of files) jobs.push({ s: js, f, includedFrom: included.get(f.rel) });
  };
  const startPool = () => {
    if (starting || !wantWorkers || jobs.length < minFiles || ctx.signal.aborted) return;
    const size = Math.min(wantWorkers, Math.ceil(jobs.length / BATCH_FILES));
    starting = RepoPool.start(size, ctx.rules, opts.maxFileBytes, usePrefilter).then(
      (p) => {
        // the workers get the batches listed so far as soon as they are up, not after the
        // subject being walked when they came up (a large one took ~0.1 s on the corpus)
        pool = p;
        cutBatches(false);
        submit();
        return p;
      },
      (e) => {
        ctx.log.debug(`repo: worker threads unavailable, scanning in the main thread: ${(e as Error).message}`);
        return undefined;
      },
    );
  };
  for (const root of roots) {
    if (ctx.signal.aborted) break;
    let subjects: RepoSubject[];
    try {
      subjects = await findSubjects(root);
    } catch (e) {
      sink.unitFailed(root, `cannot list: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      continue;
    }
    for (const s of subjects) {
      if (ctx.signal.aborted) break;
      sink.stat('repos', 1);
      const files = await walkSubject(s, root, walkOpts, ctx.signal, {
        skip: (rel, reason) => sink.unitSkipped(unitOf(s, rel), reason),
        fail: (rel, reason) => {
          incomplete.add(s.subject.id);
          sink.unitFailed(unitOf(s, rel), reason);
        },
        stat: (n, d) => sink.stat(n, d),
      });
      subjectsSeen.push(s);
      const included = await followRequirementIncludes(s, files, opts.maxFileBytes, (l, m) => sink.problem(l, m));
      const js: JobSubject = { subject: s.subject, prefix: s.prefix, pyModules: pythonModules(files) };
      addJobs(js, files, included);
      startPool();
      cutBatches(false);
      submit();
      // let the workers' answers in (the pool posts them more batches) before the next subject
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  startPool();
  if (starting) await starting;
  cutBatches(true);
  submit();
  const replay = (job: FileJob, r: Ev[]) => {
    const { s, f } = job;
    const unit = unitOf(s, f.rel);
    for (const e of r) {
      switch (e.t) {
        case 'obs':
          // the coverage unit this evidence belongs to: the register marks it gone only when
          // a later run fully covered this unit and did not see it
          sink.observe({ ...e.o, attrs: { ...e.o.attrs, unit } });
          sink.stat('observations', 1);
          break;
        case 'scanned':
          sink.unitScanned(unit);
          break;
        case 'skipped':
          sink.unitSkipped(unit, e.reason);
          break;
        case 'failed':
          incomplete.add(s.subject.id);
          sink.unitFailed(unit, e.reason);
          break;
        case 'problem':
          sink.problem(e.locator, e.message);
          break;
        case 'stat':
          sink.stat(e.name, e.delta);
          break;
      }
    }
  };
  let done = 0;
  const progress = (i: number) => {
    done++;
    if (done % 50 === 0 || i === jobs.length - 1) sink.progress(done, jobs.length, jobs[i].s.subject.id);
  };
  let next = 0;
  if (pool) {
    sink.stat('workerThreads', pool.size);
    try {
      // replayed in path order: each file's batch (of its lane) is awaited when its turn comes,
      // once per batch; the files whose answers are in are replayed by a plain loop (replayKnown),
      // so this async function resumes once per batch, not per file
      const answers = new Map<number, Ev[][]>();
      const replayKnown = (from: number): number => {
        let i = from;
        for (; i < jobs.length && !ctx.signal.aborted; i++) {
          const b = batchOf[i];
          const res = answers.get(b);
          if (!res) break;
          replay(jobs[i], res[placeIn[i]]);
          progress(i);
          if (placeIn[i] === res.length - 1) answers.delete(b);
        }
        return i;
      };
      while ((next = replayKnown(next)) < jobs.length && !ctx.signal.aborted) {
        const b = batchOf[next];
        const batch = batches[b];
        // rather than wait, scan a batch no worker has taken yet (then let the workers' answers in)
        while (!batch.settled && pool.steal()) await new Promise<void>((r) => setImmediate(r));
        answers.set(b, await batch.result!);
        batches[b] = undefined as never;
      }
    } finally {
      replayOver = true;
      // every batch is settled (or, on an abort, failed) now: the workers are idle and are ended
      // while the scan's caller matches and commits (ending them took 17-33 ms of the main thread's
      // serial tail on the accuracy corpus)
      void pool.close().catch((e: Error) => ctx.log.debug(`repo: ending the worker threads failed: ${e.message}`));
    }
  } else {
    for (; next < jobs.length && !ctx.signal.aborted; next++) {
      replay(jobs[next], local(jobs[next]));
      progress(next);
      // let timers, signals and progress output run between files
      if (next % 64 === 63) await new Promise<void>((r) => setImmediate(r));
    }
  }
  const aborted = jobs.length - next;
  if (!aborted && !ctx.signal.aborted) {
    // every file of these repositories was read: what is not there any more is gone
    for (const s of subjectsSeen) if (!incomplete.has(s.subject.id)) sink.covered?.(s.subject.id);
  }
  if (aborted || ctx.signal.aborted) {
    sink.stat('aborted', 1);
    sink.unitSkipped('repo:*', aborted ? `scan aborted: ${aborted} of ${jobs.length} files not scanned` : 'scan aborted while listing files');
  }
  return sink.coverage();
}
