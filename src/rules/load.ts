/**
 * Loads rule folders: `<dir>/services/*.yaml` (or `<dir>/*.yaml` for a flat organisation
 * folder) and `model-formats.yaml`. Every file is schema-validated; a bad file fails with the
 * file, the field path and what was expected. Validated rules are cached (see loadRules).
 */
import { readFileSync, readdirSync, existsSync, statSync, mkdirSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir, tmpdir } from 'node:os';
import { basename, join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { RulesError, formatIssues } from '../core/errors.js';
import { modelFormatsFileSchema, serviceSchema, type ModelFormat, type ServiceRule } from './schema.js';
import { RuleIndex } from './compile.js';

/** The bundled rules folder (`rules/` at the package root). */
export const BUILTIN_RULES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../rules');

export interface LoadedRules {
  services: ServiceRule[];
  modelFormats: ModelFormat[];
  /** service id → file it came from */
  files: Map<string, string>;
}

/** Largest YAML file read (rules, catalogs, configs are small; a bigger one is a mistake or an attack). */
export const MAX_YAML_BYTES = 8 << 20;
/**
 * Alias expansions allowed while building a YAML document: enough for a large catalog that reuses
 * `owner: *owner` on every entry, still a hard stop for exponential "billion laughs" documents.
 */
export const MAX_YAML_ALIASES = 10_000;

/** The first line of a YAML / JS error, without the context lines the yaml library appends. */
function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0].slice(0, 300);
}

/**
 * Parses one YAML file with explicit limits (size, alias expansions, nesting); every problem —
 * unreadable, too big, a syntax error, too many aliases, too deep — is one `errorClass` line
 * naming the file (and the line and column when the parser knows them).
 */
export function parseYamlFile(file: string, errorClass: new (msg: string, o?: { cause?: unknown }) => Error = RulesError): unknown {
  let text: string;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new Error('is a folder, expected a YAML file');
    if (st.size > MAX_YAML_BYTES) throw new Error(`file is ${st.size} bytes, more than the ${MAX_YAML_BYTES >> 20} MiB a YAML file may have`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new errorClass(`${file}: cannot read: ${firstLine(e)}`, { cause: e });
  }
  try {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length) {
      const err = doc.errors[0];
      const pos = err.linePos?.[0];
      throw new errorClass(`${file}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: ${firstLine(err)}`);
    }
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    if (e instanceof errorClass) throw e;
    const msg = firstLine(e);
    if (/alias/i.test(msg)) throw new errorClass(`${file}: invalid YAML: more than ${MAX_YAML_ALIASES} alias expansions (${msg})`, { cause: e });
    if (e instanceof RangeError) throw new errorClass(`${file}: invalid YAML: nested too deeply`, { cause: e });
    throw new errorClass(`${file}: invalid YAML: ${msg}`, { cause: e });
  }
}

function serviceFiles(dir: string): string[] {
  const sub = join(dir, 'services');
  const base = existsSync(sub) && statSync(sub).isDirectory() ? sub : dir;
  return readdirSync(base)
    .filter((f) => (f.endsWith('.yaml') || f.endsWith('.yml')) && f !== 'model-formats.yaml' && !f.startsWith('catalog'))
    .sort()
    .map((f) => join(base, f));
}

export function loadServiceFile(file: string, cache?: FileCache, text?: string): ServiceRule {
  let key: string | undefined;
  if (cache) {
    if (text === undefined) {
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new RulesError(`${file}: cannot read: ${(e as Error).message}`, { cause: e });
      }
    }
    key = sha256(cache.salt, text);
    const hit = cache.entries[key];
    const expected = basename(file).replace(/\.ya?ml$/, '');
    if (hit && hit.id === expected) {
      cache.used[key] = hit;
      return hit;
    }
  }
  const raw = parseYamlFile(file);
  const parsed = serviceSchema.safeParse(raw);
  if (!parsed.success) throw new RulesError(formatIssues(file, parsed.error.issues));
  const expected = basename(file).replace(/\.ya?ml$/, '');
  if (parsed.data.id !== expected) throw new RulesError(`${file}: id: expected "${expected}" (the file name), got "${parsed.data.id}"`);
  for (const c of parsed.data.match.credentials) {
    try {
      new RegExp(c.pattern, 'g');
    } catch (e) {
      throw new RulesError(`${file}: match.credentials.${c.id}.pattern: expected a valid regular expression: ${(e as Error).message}`);
    }
  }
  if (cache && key) {
    cache.entries[key] = parsed.data;
    cache.used[key] = parsed.data;
  }
  return parsed.data;
}

/*
 * The rule cache. Parsing and validating ~170 YAML files costs over a second on a cold, loaded
 * machine; a scan should start in a fraction of that. Two levels, both keyed by content hashes
 * salted with the rule compiler's version (package version, cache format and the schema's source):
 *
 * - a set entry, `rules-<key>.json`: the validated rules of one exact set of rule folders, keyed
 *   by the hash of every rule file's path and content (built-in and `--rules` folders alike). A hit
 *   costs reading the rule files (to hash them) and one JSON parse — no YAML, no schema.
 * - per-file entries, `files-<salt>.json`, read only on a set miss: after one rule file is edited,
 *   only that file is parsed and validated again.
 *
 * An edited, added or removed rule file changes the key; a corrupt or foreign cache file is
 * ignored and overwritten; an invalid rule file is never cached. Where: `$SHADOWSCAN_CACHE_DIR`
 * (only there), else `node_modules/.cache/shadowscan` in the package, else `$XDG_CACHE_HOME/shadowscan` (or
 * `~/.cache/shadowscan`), else a private folder in the temp dir — the first that can be written.
 * `SHADOWSCAN_NO_RULE_CACHE=1` turns it off.
 */
const CACHE_FORMAT = 'rules-cache-v2';
/** Set entries kept per cache folder (one per distinct set of rule files seen; the oldest go). */
const MAX_SET_ENTRIES = 16;

interface FileCache {
  salt: string;
  entries: Record<string, ServiceRule>;
  /** entries read or written by this load: the only ones written back (the file stays bounded) */
  used: Record<string, ServiceRule>;
}

interface SetEntry {
  format: string;
  key: string;
  services: Array<[file: string, rule: ServiceRule]>;
  modelFormats: Array<[file: string, formats: ModelFormat[]]>;
}

function sha256(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

let saltMemo: string | undefined;
/** The rule compiler's version: what a cached rule depends on besides the rule file itself. */
function compilerSalt(): string {
  if (saltMemo) return saltMemo;
  const h = createHash('sha256').update(CACHE_FORMAT);
  const here = dirname(fileURLToPath(import.meta.url));
  for (const f of [join(here, '..', '..', 'package.json'), join(here, 'schema.ts'), join(here, 'schema.js')]) {
    try {
      h.update(readFileSync(f));
    } catch {
      /* schema.js exists only in a compiled copy, schema.ts only in the sources */
    }
  }
  return (saltMemo = h.digest('hex'));
}

/** Candidate cache folders, most preferred first. */
export function ruleCacheDirs(): string[] {
  // set explicitly: that folder only (a cache elsewhere is neither read nor written)
  if (process.env.SHADOWSCAN_CACHE_DIR) return [resolve(process.env.SHADOWSCAN_CACHE_DIR)];
  const dirs: string[] = [];
  dirs.push(join(BUILTIN_RULES_DIR, '..', 'node_modules', '.cache', 'shadowscan'));
  const xdg = process.env.XDG_CACHE_HOME || (homedir() ? join(homedir(), '.cache') : '');
  if (xdg) dirs.push(join(xdg, 'shadowscan'));
  dirs.push(join(tmpdir(), `shadowscan-cache-${typeof process.getuid === 'function' ? process.getuid() : 'user'}`));
  return dirs;
}

/** Reads a cache file; anything unreadable, unparsable or not ours is a miss. */
function readCacheJson(dirs: string[], name: string): unknown {
  for (const d of dirs) {
    try {
      const st = statSync(join(d, name));
      // a cache another user could have written is not trusted (rules decide what is found)
      if (typeof process.getuid === 'function' && st.uid !== process.getuid() && st.uid !== 0) continue;
      return JSON.parse(readFileSync(join(d, name), 'utf8'));
    } catch {
      /* missing or corrupt here: try the next folder */
    }
  }
  return undefined;
}

/** Writes a cache file atomically into the first folder that can be written; never fails the load. */
function writeCacheJson(dirs: string[], name: string, value: unknown, prune?: RegExp): void {
  const text = JSON.stringify(value);
  for (const d of dirs) {
    try {
      mkdirSync(d, { recursive: true, mode: 0o700 });
      const file = join(d, name);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, file);
      if (prune) pruneCache(d, prune);
      return;
    } catch {
      /* not writable: the next folder */
    }
  }
}

function pruneCache(dir: string, pattern: RegExp): void {
  const entries = readdirSync(dir)
    .filter((f) => pattern.test(f))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of entries.slice(MAX_SET_ENTRIES)) rmSync(join(dir, f), { force: true });
}

function isSetEntry(v: unknown, key: string): v is SetEntry {
  const e = v as SetEntry;
  return !!e && e.format === CACHE_FORMAT && e.key === key && Array.isArray(e.services) && Array.isArray(e.modelFormats) &&
    e.services.every((x) => Array.isArray(x) && typeof x[0] === 'string' && typeof x[1]?.id === 'string' && typeof x[1]?.match === 'object') &&
    e.modelFormats.every((x) => Array.isArray(x) && typeof x[0] === 'string' && Array.isArray(x[1]));
}

interface RuleFolder {
  dir: string;
  files: Array<{ file: string; text: string }>;
  modelFormats?: { file: string; text: string };
}

function readFolder(dir: string): RuleFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RulesError(`${dir}: expected a rules folder (with services/*.yaml or *.yaml)`);
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new RulesError(`${file}: cannot read: ${firstLine(e)}`, { cause: e });
    }
  };
  const files = serviceFiles(dir).map((file) => ({ file, text: read(file) }));
  const mf = join(dir, 'model-formats.yaml');
  return { dir, files, modelFormats: existsSync(mf) ? { file: mf, text: read(mf) } : undefined };
}

/** How the last loadRules call got its rules (tests and the start-up benchmark check it). */
export let lastRuleLoad: 'cache' | 'parsed' | 'uncached' = 'uncached';

/**
 * Loads the built-in rules plus any extra folders. A later folder may override a service id
 * of an earlier one (an organisation's own rule wins over the bundled one).
 */
export function loadRules(extraDirs: string[] = [], opts: { builtin?: boolean; cache?: boolean; cacheDirs?: string[] } = {}): LoadedRules {
  const useCache = opts.cache !== false && process.env.SHADOWSCAN_NO_RULE_CACHE !== '1';
  const dirs = [...(opts.builtin === false ? [] : [BUILTIN_RULES_DIR]), ...extraDirs.map((d) => resolve(d))];
  const folders = dirs.map(readFolder);
  const cacheDirs = opts.cacheDirs ?? ruleCacheDirs();
  let setKey = '';
  if (useCache) {
    const parts = [compilerSalt()];
    for (const f of folders) {
      parts.push(`dir:${f.dir}`);
      for (const x of f.files) parts.push(x.file, sha256(x.text));
      if (f.modelFormats) parts.push(f.modelFormats.file, sha256(f.modelFormats.text));
    }
    setKey = sha256(...parts);
    const hit = readCacheJson(cacheDirs, `rules-${setKey.slice(0, 32)}.json`);
    if (isSetEntry(hit, setKey)) {
      lastRuleLoad = 'cache';
      return assemble(hit.services, hit.modelFormats);
    }
  }
  const fileCache: FileCache | undefined = useCache ? { salt: compilerSalt(), entries: {}, used: {} } : undefined;
  if (fileCache) {
    const prev = readCacheJson(cacheDirs, `files-${fileCache.salt.slice(0, 16)}.json`) as Record<string, ServiceRule> | undefined;
    if (prev && typeof prev === 'object' && !Array.isArray(prev)) fileCache.entries = prev;
  }
  const services: Array<[string, ServiceRule]> = [];
  const modelFormats: Array<[string, ModelFormat[]]> = [];
  for (const folder of folders) {
    const seenHere = new Map<string, string>();
    for (const { file, text } of folder.files) {
      const s = loadServiceFile(file, fileCache, text);
      const dup = seenHere.get(s.id);
      if (dup) throw new RulesError(`${file}: id: "${s.id}" is already defined in ${dup}`);
      seenHere.set(s.id, file);
      services.push([file, s]);
    }
    if (folder.modelFormats) {
      const mf = folder.modelFormats.file;
      const parsed = modelFormatsFileSchema.safeParse(parseYamlFile(mf));
      if (!parsed.success) throw new RulesError(formatIssues(mf, parsed.error.issues));
      modelFormats.push([mf, parsed.data.formats]);
    }
  }
  const loaded = assemble(services, modelFormats);
  if (fileCache) {
    writeCacheJson(cacheDirs, `files-${fileCache.salt.slice(0, 16)}.json`, fileCache.used);
    writeCacheJson(cacheDirs, `rules-${setKey.slice(0, 32)}.json`, { format: CACHE_FORMAT, key: setKey, services, modelFormats } satisfies SetEntry, /^rules-[0-9a-f]{32}\.json$/);
  }
  lastRuleLoad = fileCache ? 'parsed' : 'uncached';
  return loaded;
}

/** Later folders override earlier ones by service id; every model format a rule names must exist. */
function assemble(list: Array<[string, ServiceRule]>, formatLists: Array<[string, ModelFormat[]]>): LoadedRules {
  const byId = new Map<string, ServiceRule>();
  const files = new Map<string, string>();
  const formats = new Map<string, ModelFormat>();
  for (const [file, s] of list) {
    byId.set(s.id, s);
    files.set(s.id, file);
  }
  for (const [, fs] of formatLists) for (const f of fs) formats.set(f.id, f);
  // the order of String#localeCompare, with one collator instead of one per comparison
  const order = new Intl.Collator();
  const services = [...byId.values()].sort((a, b) => order.compare(a.id, b.id));
  for (const s of services) {
    for (const f of s.match.modelFormats) {
      if (!formats.has(f)) throw new RulesError(`${files.get(s.id)}: match.modelFormats: unknown model format "${f}" (expected one of: ${[...formats.keys()].join(', ')})`);
    }
  }
  return { services, modelFormats: [...formats.values()], files };
}

let cached: { key: string; index: RuleIndex; loaded: LoadedRules } | undefined;

/** Loads and compiles rules once per set of folders. */
export function ruleIndex(extraDirs: string[] = []): { index: RuleIndex; loaded: LoadedRules } {
  const key = extraDirs.join('\0');
  if (cached && cached.key === key) return cached;
  const loaded = loadRules(extraDirs);
  cached = { key, index: new RuleIndex(loaded.services, loaded.modelFormats), loaded };
  return cached;
}
