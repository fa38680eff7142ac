/**
 * Loads rule folders: `<dir>/services/*.yaml` (or `<dir>/*.yaml` for a flat organisation
 * folder) and `model-formats.yaml`. Every file is schema-validated; a bad file fails with the
 * file, the field path and what was expected.
 */
import { readFileSync, readdirSync, existsSync, statSync, mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
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

export function loadServiceFile(file: string, cache?: RuleCache): ServiceRule {
  let text: string | undefined;
  let key: string | undefined;
  if (cache) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new RulesError(`${file}: cannot read: ${(e as Error).message}`, { cause: e });
    }
    key = createHash('sha256').update(cache.salt).update(text).digest('hex');
    const hit = cache.entries[key];
    const expected = basename(file).replace(/\.ya?ml$/, '');
    if (hit && hit.id === expected) return hit;
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
    cache.dirty = true;
  }
  return parsed.data;
}

/**
 * Validated rules keyed by a hash of the file's content and of the schema's source: parsing
 * ~170 YAML files costs seconds on a cold, loaded machine; a cache hit is a JSON read. A file
 * whose content changed is re-validated; an invalid file is never cached.
 */
interface RuleCache {
  salt: string;
  entries: Record<string, ServiceRule>;
  dirty: boolean;
  file?: string;
}

function schemaSalt(): string {
  const h = createHash('sha256').update('rules-cache-v1');
  for (const f of ['schema.ts', 'schema.js']) {
    const p = join(dirname(fileURLToPath(import.meta.url)), f);
    if (existsSync(p)) h.update(readFileSync(p));
  }
  return h.digest('hex');
}

function openCache(): RuleCache {
  const salt = schemaSalt();
  const dirs = [join(BUILTIN_RULES_DIR, '..', 'node_modules', '.cache', 'shadowscan'), join(tmpdir(), 'shadowscan-cache')];
  for (const d of dirs) {
    const file = join(d, `rules-${salt.slice(0, 16)}.json`);
    try {
      if (existsSync(file)) return { salt, entries: JSON.parse(readFileSync(file, 'utf8')), dirty: false, file };
      mkdirSync(d, { recursive: true });
      return { salt, entries: {}, dirty: false, file };
    } catch {
      /* unreadable or unwritable: try the next place */
    }
  }
  return { salt, entries: {}, dirty: false };
}

function saveCache(c: RuleCache): void {
  if (!c.dirty || !c.file) return;
  try {
    const tmp = `${c.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(c.entries));
    renameSync(tmp, c.file);
  } catch {
    /* a cache that cannot be written only costs time */
  }
}

/**
 * Loads the built-in rules plus any extra folders. A later folder may override a service id
 * of an earlier one (an organisation's own rule wins over the bundled one).
 */
export function loadRules(extraDirs: string[] = [], opts: { builtin?: boolean; cache?: boolean } = {}): LoadedRules {
  const cache = opts.cache === false || process.env.SHADOWSCAN_NO_RULE_CACHE === '1' ? undefined : openCache();
  const dirs = [...(opts.builtin === false ? [] : [BUILTIN_RULES_DIR]), ...extraDirs.map((d) => resolve(d))];
  const byId = new Map<string, ServiceRule>();
  const files = new Map<string, string>();
  const formats = new Map<string, ModelFormat>();
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RulesError(`${dir}: expected a rules folder (with services/*.yaml or *.yaml)`);
    const seenHere = new Map<string, string>();
    for (const f of serviceFiles(dir)) {
      const s = loadServiceFile(f, cache);
      const dup = seenHere.get(s.id);
      if (dup) throw new RulesError(`${f}: id: "${s.id}" is already defined in ${dup}`);
      seenHere.set(s.id, f);
      byId.set(s.id, s);
      files.set(s.id, f);
    }
    const mf = join(dir, 'model-formats.yaml');
    if (existsSync(mf)) {
      const parsed = modelFormatsFileSchema.safeParse(parseYamlFile(mf));
      if (!parsed.success) throw new RulesError(formatIssues(mf, parsed.error.issues));
      for (const f of parsed.data.formats) formats.set(f.id, f);
    }
  }
  const services = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  for (const s of services) {
    for (const f of s.match.modelFormats) {
      if (!formats.has(f)) throw new RulesError(`${files.get(s.id)}: match.modelFormats: unknown model format "${f}" (expected one of: ${[...formats.keys()].join(', ')})`);
    }
  }
  if (cache) saveCache(cache);
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
