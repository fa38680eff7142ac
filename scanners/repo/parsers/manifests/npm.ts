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

export const pnpmLockParser: FileParser = {
  id: 'npm-pnpm-lock',
  matches: (_p, name) => name === 'pnpm-lock.yaml',
  parse(input) {
    const text = input.text ?? '';
    const lines = new Lines(text);
    const y = parseYamlOrProblem(input, text);
    if (!y) return;
    const root = y.doc.contents;
    if (!isMap(root)) {
      if (root) input.problem('expected a YAML mapping', 1);
      return;
    }
    const out = new Map<string, LockEntry>();
    const importerDeps = (m: YAMLMap) => {
      for (const s of ['dependencies', 'devDependencies', 'optionalDependencies']) {
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
    emitLock(input, lines, out, 'npm', input.name);
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
