/**
 * npm ecosystem: package.json, package-lock.json / npm-shrinkwrap.json (v1, v2, v3),
 * pnpm-lock.yaml (v5, v6, v9) and yarn.lock (classic v1 and berry).
 */
import { isMap, isScalar, type Pair, type YAMLMap } from 'yaml';
import type { FileParser, ParseInput } from '../types.js';
import { JsonKeyIndex, Lines, emitPackage, isRecord, parseJsonOrProblem, parseYamlOrProblem } from './util.js';

const DEP_SECTIONS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;

export const packageJsonParser: FileParser = {
  id: 'npm-package-json',
  matches: (_p, name) => name === 'package.json',
  parse(input: ParseInput) {
    const text = input.text ?? '';
    const lines = new Lines(text);
    const doc = parseJsonOrProblem(input, text, lines);
    if (doc === undefined) return;
    if (!isRecord(doc)) {
      input.problem('expected a JSON object', 1);
      return;
    }
    const keys = new JsonKeyIndex(text);
    for (const section of DEP_SECTIONS) {
      const deps = doc[section];
      if (deps === undefined) continue;
      const secAt = keys.find(section);
      if (!isRecord(deps)) {
        input.problem(`${section}: expected an object of name → version`, secAt !== undefined ? lines.lineAt(secAt) : 1);
        continue;
      }
      let cursor = secAt ?? 0;
      for (const [name, version] of Object.entries(deps)) {
        const at = keys.find(name, cursor);
        if (at !== undefined) cursor = at + 1;
        emitPackage(input, lines, {
          name,
          ecosystem: 'npm',
          line: lines.lineAt(at ?? secAt ?? 0),
          version: typeof version === 'string' ? version : undefined,
          scope: section,
          direct: true,
        });
      }
    }
  },
};

interface LockEntry {
  line?: number;
  direct: boolean;
  versions: Set<string>;
  dev?: boolean;
}

function addEntry(m: Map<string, LockEntry>, name: string, e: { line?: number; direct: boolean; version?: string; dev?: boolean }): void {
  const prev = m.get(name);
  if (!prev) {
    m.set(name, { line: e.line, direct: e.direct, versions: new Set(e.version ? [e.version] : []), dev: e.dev });
    return;
  }
  if (e.direct) prev.direct = true;
  if (prev.line === undefined || (e.line !== undefined && e.line < prev.line)) prev.line = e.line;
  if (e.version) prev.versions.add(e.version);
  if (e.dev === false) prev.dev = false;
}

function emitLock(input: ParseInput, lines: Lines, m: Map<string, LockEntry>, ecosystem: 'npm' | 'rubygems', lockfile: string): void {
  const entries = [...m.entries()].sort((a, b) => (a[1].line ?? 0) - (b[1].line ?? 0) || a[0].localeCompare(b[0]));
  for (const [name, e] of entries) {
    const versions = [...e.versions].sort();
    emitPackage(input, lines, {
      name,
      ecosystem,
      line: e.line,
      version: versions.length === 1 ? versions[0] : undefined,
      direct: e.direct,
      scope: e.dev ? 'dev' : undefined,
      attrs: { lockfile, ...(versions.length > 1 ? { versions } : {}) },
    });
  }
}

/** Name of a package-lock v2 `packages` key: the part after the last `node_modules/`. */
function nameFromLockPath(key: string): string | undefined {
  const i = key.lastIndexOf('node_modules/');
  return i < 0 ? undefined : key.slice(i + 'node_modules/'.length);
}

export const packageLockParser: FileParser = {
  id: 'npm-package-lock',
  matches: (_p, name) => name === 'package-lock.json' || name === 'npm-shrinkwrap.json',
  parse(input) {
    const text = input.text ?? '';
    const lines = new Lines(text);
    const doc = parseJsonOrProblem(input, text, lines);
    if (doc === undefined) return;
    if (!isRecord(doc)) {
      input.problem('expected a JSON object', 1);
      return;
    }
    const out = new Map<string, LockEntry>();
    const keys = new JsonKeyIndex(text);
    if (isRecord(doc.packages)) {
      // v2 / v3: flat `packages` keyed by install path; "" is the root project.
      const pk = doc.packages;
      const directNames = new Set<string>();
      for (const [key, v] of Object.entries(pk)) {
        if (key.includes('node_modules/') || !isRecord(v)) continue;
        // root ("") and workspace folders declare the direct dependencies
        for (const s of DEP_SECTIONS) if (isRecord(v[s])) for (const n of Object.keys(v[s] as object)) directNames.add(n);
      }
      let cursor = keys.find('packages') ?? 0;
      for (const [key, v] of Object.entries(pk)) {
        const off = keys.find(key, cursor, true);
        if (off !== undefined) cursor = off + 1;
        const at = off !== undefined ? { line: lines.lineAt(off) } : undefined;
        const name = isRecord(v) && typeof v.name === 'string' && key.includes('node_modules/') ? v.name : nameFromLockPath(key);
        if (!name || !isRecord(v) || v.link === true) continue;
        const topLevel = key.split('node_modules/').length === 2;
        addEntry(out, name, {
          line: at?.line,
          direct: topLevel && directNames.has(name),
          version: typeof v.version === 'string' ? v.version : undefined,
          dev: v.dev === true,
        });
      }
    } else if (isRecord(doc.dependencies)) {
      // v1: nested tree. A top-level entry that no other entry requires must be a direct dependency.
      const required = new Set<string>();
      const collectRequired = (deps: Record<string, unknown>) => {
        for (const v of Object.values(deps)) {
          if (!isRecord(v)) continue;
          if (isRecord(v.requires)) for (const n of Object.keys(v.requires)) required.add(n);
          if (isRecord(v.dependencies)) collectRequired(v.dependencies);
        }
      };
      collectRequired(doc.dependencies);
      let cursor = keys.find('dependencies') ?? 0;
      const walk = (deps: Record<string, unknown>, depth: number) => {
        for (const [name, v] of Object.entries(deps)) {
          const off = keys.find(name, cursor, true);
          if (off !== undefined) cursor = off + 1;
          const at = off !== undefined ? { line: lines.lineAt(off) } : undefined;
          if (!isRecord(v)) continue;
          addEntry(out, name, {
            line: at?.line,
            direct: depth === 0 && !required.has(name),
            version: typeof v.version === 'string' ? v.version : undefined,
            dev: v.dev === true,
          });
          if (isRecord(v.dependencies)) walk(v.dependencies, depth + 1);
        }
      };
      walk(doc.dependencies, 0);
    }
    emitLock(input, lines, out, 'npm', input.name);
  },
};

/** `/name/1.0.0`, `/@s/n/1.0.0_peer`, `/name@1.0.0(peer@2)`, `name@1.0.0`, `@s/n@1.0.0` → name. */
export function pnpmKeyName(key: string): string | undefined {
  let k = key.trim().replace(/^'|'$/g, '');
  if (k.startsWith('/')) k = k.slice(1);
  const paren = k.indexOf('(');
  if (paren > 0) k = k.slice(0, paren);
  const parts = k.split('/');
  const scoped = parts[0].startsWith('@');
  const seg = scoped ? parts[1] : parts[0];
  if (!seg || (scoped && parts[0].length < 2)) return undefined;
  // v6+: name@version in the same segment; v5: name/version[_peer]
  const at = seg.indexOf('@');
  if (at < 0 && parts.length < (scoped ? 3 : 2)) return undefined;
  const bare = at >= 0 ? seg.slice(0, at) : seg;
  if (!bare) return undefined;
  return scoped ? `${parts[0]}/${bare}` : bare;
}

/** Every package entry of a pnpm lock file, in the order the parser adds them. */
export type PnpmEntries = Map<string, LockEntry>;

/** The package set of a pnpm-lock.yaml through full YAML composition (the reference reading). */
export function pnpmEntriesYaml(input: ParseInput, text: string): PnpmEntries | undefined {
  const y = parseYamlOrProblem(input, text);
  if (!y) return undefined;
  const root = y.doc.contents;
  if (!isMap(root)) {
    if (root) input.problem('expected a YAML mapping', 1);
    return undefined;
  }
  const out: PnpmEntries = new Map();
  const importerDeps = (m: YAMLMap) => {
    for (const s of PNPM_DEP_SECTIONS) {
      const deps = m.get(s, true);
      if (!isMap(deps)) continue;
      for (const item of deps.items as Pair[]) {
        const name = isScalar(item.key) ? String(item.key.value) : undefined;
        if (!name) continue;
        const v = item.value;
        const version = isScalar(v) ? String(v.value) : isMap(v) ? String((v.get('version') as unknown) ?? '') : '';
        if (version.startsWith('link:') || version.startsWith('workspace:')) continue;
        addEntry(out, name, { line: y.lineOf(item.key), direct: true, version: version.replace(/\(.*$/, '') || undefined, dev: s === 'devDependencies' });
      }
    }
  };
  const importers = root.get('importers', true);
  if (isMap(importers)) {
    for (const it of importers.items as Pair[]) if (isMap(it.value)) importerDeps(it.value);
  } else {
    importerDeps(root);
  }
  for (const section of ['packages', 'snapshots']) {
    const pk = root.get(section, true);
    if (!isMap(pk)) continue;
    for (const it of pk.items as Pair[]) {
      const key = isScalar(it.key) ? String(it.key.value) : undefined;
      const name = key ? pnpmKeyName(key) : undefined;
      if (!name) continue;
      const v = it.value;
      const dev = isMap(v) && v.has('dev') ? v.get('dev') === true : undefined;
      addEntry(out, name, { line: y.lineOf(it.key), direct: false, dev });
    }
  }
  return out;
}

const PNPM_DEP_SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;

/** A plain YAML scalar the core schema would read as something other than a string. */
const NON_STRING_PLAIN = /^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$/;

/** Reads a YAML scalar as pnpm writes it (plain, 'single' or "double" without escapes); undefined: not one. */
function pnpmScalar(s: string): string | undefined {
  const c = s.charCodeAt(0);
  if (c === 39 /* ' */) {
    let out = '';
    let i = 1;
    for (;;) {
      const q = s.indexOf("'", i);
      if (q < 0) return undefined;
      out += s.slice(i, q);
      if (s.charCodeAt(q + 1) === 39) {
        out += "'";
        i = q + 2;
        continue;
      }
      return s.slice(q + 1).trim() === '' ? out : undefined;
    }
  }
  if (c === 34 /* " */) {
    const q = s.indexOf('"', 1);
    if (q < 0 || s.slice(q + 1).trim() !== '') return undefined;
    const body = s.slice(1, q);
    return body.includes('\\') ? undefined : body;
  }
  // plain: no indicator first, no comment, no mapping inside, a string under the core schema
  if (s === '' || '-?:,[]{}#&*!|>%@`'.includes(s[0]) || s.includes(' #') || s.includes(': ') || s.endsWith(':') || s.includes('\t')) return undefined;
  return NON_STRING_PLAIN.test(s) ? undefined : s;
}

/** `key: rest` at `indent` (the key decoded, rest trimmed); undefined: not a key line pnpm writes. */
function pnpmKeyLine(line: string, indent: number): { key: string; rest: string } | undefined {
  const c = line.charCodeAt(indent);
  let end: number; // index of the ':' after the key
  if (c === 39 || c === 34) {
    // quoted key: find the closing quote ('' is an escaped quote in single quotes)
    let i = indent + 1;
    for (;;) {
      const q = line.indexOf(c === 39 ? "'" : '"', i);
      if (q < 0) return undefined;
      if (c === 39 && line.charCodeAt(q + 1) === 39) {
        i = q + 2;
        continue;
      }
      end = q + 1;
      break;
    }
    if (line.charCodeAt(end) !== 58 /* : */) return undefined;
  } else {
    end = line.indexOf(': ', indent);
    if (end < 0) end = line.endsWith(':') ? line.length - 1 : -1;
    if (end < 0) return undefined;
  }
  const key = pnpmScalar(line.slice(indent, end));
  if (key === undefined) return undefined;
  const rest = line.slice(end + 1).trim();
  if (rest !== '' && line.charCodeAt(end + 1) !== 32) return undefined;
  return { key, rest };
}

/**
 * The package set of a pnpm-lock.yaml (lockfile v5, v6, v9) read line by line: importer
 * dependencies (`importers:` → importer → section → name, or root-level sections in v5 / v6),
 * `packages:` and `snapshots:` keys at their fixed indent, and a package's `dev:` flag — without
 * composing the YAML (the resolution maps, dependency lists, engines … are skipped unread).
 * Yields exactly what {@link pnpmEntriesYaml} yields, in the same order; returns undefined on
 * anything it does not recognise (tabs, anchors, tags, flow or block values where it reads one,
 * multi-document markers, odd indentation, a key it reads given twice, a scalar the core schema
 * would not read as a string), and the caller falls back to the YAML path. It validates only the
 * lines it reads: a lock file malformed inside a skipped value still yields its package set here
 * where the YAML path reports the file invalid and yields nothing.
 */
export function pnpmEntriesFast(text: string): PnpmEntries | undefined {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (/\r(?!\n)/.test(text)) return undefined; // a lone CR is a line break to YAML
  interface Dep { name: string; line: number; version: string; children: boolean }
  // importer deps by importer, then by section (replayed in the YAML path's section order)
  type Sections = Map<string, Dep[]>;
  const importerList: Sections[] = [];
  const rootSections: Sections = new Map();
  const pkgs: Record<'packages' | 'snapshots', Array<{ key: string; line: number; dev?: boolean }>> = { packages: [], snapshots: [] };
  const topSeen = new Set<string>();
  let top = '';
  let importer: Sections | undefined; // current importer (importers section)
  let section: Dep[] | undefined; // current dependency section
  let dep: Dep | undefined; // current dependency written as a map (specifier / version)
  let depVersionSeen = false;
  let pkg: { key: string; line: number; dev?: boolean } | undefined;
  let pkgDevSeen = false;
  let scalarIndent = -1; // indent of the last scalar value read: a deeper line would continue it
  const n = text.length;
  let lineNo = 0;
  for (let start = 0; start < n; ) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = n;
    let line = text.slice(start, nl);
    start = nl + 1;
    lineNo++;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    let indent = 0;
    while (line.charCodeAt(indent) === 32) indent++;
    if (indent === line.length) continue; // blank
    const first = line.charCodeAt(indent);
    if (first === 9) return undefined; // tab
    if (first === 35 /* # */) continue; // comment line
    if (scalarIndent >= 0 && indent > scalarIndent) return undefined; // continuation of a scalar we read
    scalarIndent = -1;
    if (indent === 0) {
      if (line.startsWith('---') || line.startsWith('...') || first === 37 /* % */) return undefined;
      const kl = pnpmKeyLine(line, 0);
      if (!kl) return undefined;
      if (topSeen.has(kl.key)) return undefined;
      topSeen.add(kl.key);
      top = kl.key;
      importer = undefined;
      section = undefined;
      dep = undefined;
      pkg = undefined;
      const read = top === 'importers' || top === 'packages' || top === 'snapshots' || (PNPM_DEP_SECTIONS as readonly string[]).includes(top);
      if (read && kl.rest !== '') return undefined;
      if ((PNPM_DEP_SECTIONS as readonly string[]).includes(top)) {
        section = [];
        rootSections.set(top, section);
      }
      continue;
    }
    if (indent % 2 !== 0) {
      // pnpm indents by two; an odd indent is only safe deep inside a value we skip
      if (top === 'importers' ? indent < 8 || !dep : top === 'packages' || top === 'snapshots' ? indent < 4 : section ? indent < 4 || !dep : false) return undefined;
      continue;
    }
    // dependency sections: at `base` the names, at base + 2 a map dependency's keys
    const base = top === 'importers' ? 6 : section && rootSections.has(top) ? 2 : -1;
    if (top === 'importers') {
      if (indent === 2) {
        const kl = pnpmKeyLine(line, 2);
        if (!kl || kl.rest !== '') return undefined;
        importer = new Map();
        importerList.push(importer);
        section = undefined;
        dep = undefined;
        continue;
      }
      if (indent === 4) {
        if (!importer) return undefined;
        const kl = pnpmKeyLine(line, 4);
        if (!kl) return undefined;
        dep = undefined;
        section = undefined;
        if ((PNPM_DEP_SECTIONS as readonly string[]).includes(kl.key)) {
          if (kl.rest !== '' || importer.has(kl.key)) return undefined;
          section = [];
          importer.set(kl.key, section);
        }
        continue;
      }
    }
    if (base > 0) {
      if (!section) continue; // a key of the importer this reader does not need
      if (indent < base) return undefined;
      if (indent === base) {
        const kl = pnpmKeyLine(line, base);
        if (!kl) return undefined;
        if (kl.rest === '') {
          dep = { name: kl.key, line: lineNo, version: '', children: false };
          depVersionSeen = false;
        } else {
          const v = pnpmScalar(kl.rest);
          if (v === undefined) return undefined;
          dep = undefined;
          scalarIndent = indent;
          section.push({ name: kl.key, line: lineNo, version: v, children: true });
          continue;
        }
        section.push(dep);
        continue;
      }
      if (!dep) return undefined;
      dep.children = true;
      if (indent === base + 2) {
        const kl = pnpmKeyLine(line, indent);
        if (!kl) return undefined;
        if (kl.key === 'version') {
          if (depVersionSeen) return undefined;
          depVersionSeen = true;
          const v = pnpmScalar(kl.rest);
          if (v === undefined) return undefined;
          dep.version = v;
          scalarIndent = indent;
        }
      }
      continue;
    }
    if (top === 'packages' || top === 'snapshots') {
      if (indent === 2) {
        const kl = pnpmKeyLine(line, 2);
        if (!kl) return undefined;
        if (kl.rest !== '') {
          // `{}` or a scalar: no `dev` (dev undefined); a flow map with keys could hold one
          if (kl.rest !== '{}' && (kl.rest.startsWith('{') || pnpmScalar(kl.rest) === undefined)) return undefined;
          scalarIndent = indent; // nothing may follow deeper
        }
        pkg = { key: kl.key, line: lineNo };
        pkgDevSeen = false;
        pkgs[top].push(pkg);
        continue;
      }
      if (!pkg) return undefined;
      if (indent === 4) {
        const kl = pnpmKeyLine(line, 4);
        if (!kl) return undefined;
        if (kl.key === 'dev') {
          if (pkgDevSeen) return undefined;
          pkgDevSeen = true;
          if (kl.rest === 'true') pkg.dev = true;
          else if (kl.rest === 'false') pkg.dev = false;
          else return undefined;
          scalarIndent = indent;
        }
      }
      continue;
    }
    // other top-level keys (lockfileVersion, settings, specifiers, overrides …): skipped
  }
  const out: PnpmEntries = new Map();
  const replay = (secs: Sections) => {
    for (const s of PNPM_DEP_SECTIONS) {
      for (const d of secs.get(s) ?? []) {
        // a name with no value at all is a null scalar to YAML, which the reference reads as 'null'
        if (!d.children) d.version = 'null';
        if (d.version.startsWith('link:') || d.version.startsWith('workspace:')) continue;
        addEntry(out, d.name, { line: d.line, direct: true, version: d.version.replace(/\(.*$/, '') || undefined, dev: s === 'devDependencies' });
      }
    }
  };
  if (topSeen.has('importers')) for (const imp of importerList) replay(imp);
  else replay(rootSections);
  for (const s of ['packages', 'snapshots'] as const) {
    for (const p of pkgs[s]) {
      const name = pnpmKeyName(p.key);
      if (name) addEntry(out, name, { line: p.line, direct: false, dev: p.dev });
    }
  }
  return out;
}

export const pnpmLockParser: FileParser = {
  id: 'npm-pnpm-lock',
  matches: (_p, name) => name === 'pnpm-lock.yaml',
  parse(input) {
    const text = input.text ?? '';
    const out = pnpmEntriesFast(text) ?? pnpmEntriesYaml(input, text);
    if (!out) return;
    emitLock(input, new Lines(text), out, 'npm', input.name);
  },
};

/** `"@s/n@^1.0.0"`, `n@npm:^1.0.0`, `n@patch:…` → name. */
function yarnDescriptorName(d: string): string | undefined {
  const s = d.trim().replace(/^"|"$/g, '');
  const at = s.indexOf('@', 1);
  return at > 0 ? s.slice(0, at) : s || undefined;
}

export const yarnLockParser: FileParser = {
  id: 'npm-yarn-lock',
  matches: (_p, name) => name === 'yarn.lock',
  parse(input) {
    const text = input.text ?? '';
    const lines = new Lines(text);
    const berry = /^__metadata:/m.test(text);
    interface Block {
      names: string[];
      line: number;
      workspace: boolean;
      version?: string;
      deps: string[];
    }
    const blocks: Block[] = [];
    let cur: Block | undefined;
    let inDeps = false;
    const all = text.split('\n');
    for (let i = 0; i < all.length; i++) {
      const raw = all[i].replace(/\r$/, '');
      if (!raw.trim() || raw.trimStart().startsWith('#')) continue;
      const indent = raw.length - raw.trimStart().length;
      if (indent === 0) {
        inDeps = false;
        if (!raw.endsWith(':')) {
          input.problem('unexpected line in yarn.lock (expected "descriptor[, descriptor]:")', i + 1);
          cur = undefined;
          continue;
        }
        const header = raw.slice(0, -1);
        if (header === '__metadata') {
          cur = undefined;
          continue;
        }
        const descs = header.split(/,\s*/).map((d) => d.trim()).filter(Boolean);
        const names = [...new Set(descs.map(yarnDescriptorName).filter((n): n is string => !!n))];
        cur = { names, line: i + 1, workspace: descs.some((d) => /@workspace:/.test(d)), deps: [] };
        blocks.push(cur);
        continue;
      }
      if (!cur) continue;
      const t = raw.trim();
      if (indent === 2) {
        inDeps = /^(dependencies|optionalDependencies|peerDependencies):?$/.test(t);
        const vm = /^version:?\s+"?([^"\s]+)"?/.exec(t);
        if (vm) cur.version = vm[1];
        continue;
      }
      if (inDeps && indent >= 4) {
        const m = /^("?)(@?[^@\s":]+(?:\/[^@\s":]+)?)\1:?\s/.exec(t + ' ');
        if (m) cur.deps.push(m[2]);
      }
    }
    const required = new Set<string>();
    const workspaceDeps = new Set<string>();
    for (const b of blocks) for (const d of b.deps) (b.workspace ? workspaceDeps : required).add(d);
    const out = new Map<string, LockEntry>();
    for (const b of blocks) {
      if (b.workspace) continue;
      for (const name of b.names) {
        const direct = berry && workspaceDeps.size ? workspaceDeps.has(name) : !required.has(name);
        addEntry(out, name, { line: b.line, direct, version: b.version });
      }
    }
    emitLock(input, lines, out, 'npm', berry ? 'yarn.lock (berry)' : 'yarn.lock');
  },
};

export const npmParsers: FileParser[] = [packageJsonParser, packageLockParser, pnpmLockParser, yarnLockParser];
