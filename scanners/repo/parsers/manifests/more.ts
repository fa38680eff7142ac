/**
 * More ecosystems' manifests and locks: Composer (composer.json / composer.lock), RubyGems
 * gemspecs, Cargo.lock, Swift Package Manager (Package.swift, Package.resolved, Xcode
 * project.pbxproj package references), CocoaPods (Podfile / Podfile.lock), Dart / Flutter pub
 * (pubspec.yaml / pubspec.lock), and the Python lock files poetry.lock, uv.lock and Pipfile.lock.
 * Every line-based scan here is linear (anchored patterns, no two adjacent blank runs).
 */
import type { FileParser, ParseInput } from '../types.js';
import { JsonKeyIndex, Lines, emitPackage, isRecord, parseJsonOrProblem, parseTomlOrProblem, parseYamlOrProblem } from './util.js';

/** Offset of the `name = "x"` line of a TOML `[[package]]` table at or after `from` (at a line start, not inside an inline table). */
function tomlNameAt(src: string, name: string, from: number): number {
  const needle = `\nname = ${JSON.stringify(name)}`;
  const at = src.indexOf(needle, Math.max(0, from - 1));
  return at >= 0 ? at + 1 : src.startsWith(needle.slice(1)) ? 0 : -1;
}

function lineOfKey(idx: JsonKeyIndex, lines: Lines, key: string, from = 0): number | undefined {
  const at = idx.find(key, from);
  return at === undefined ? undefined : lines.lineAt(at);
}

/** composer.json platform requirements are not packages. */
const isComposerPlatform = (n: string) => n === 'php' || n === 'hhvm' || n === 'composer' || n === 'composer-plugin-api' || n === 'composer-runtime-api' || /^(ext|lib)-/.test(n);

/** JSON manifests whose sections map package name → spec (composer.json require, Pipfile.lock default). */
function jsonSections(input: ParseInput, sections: string[], emit: (name: string, spec: unknown, scope: string, line: number | undefined, lines: Lines) => void): void {
  const src = input.text ?? '';
  const lines = new Lines(src);
  const doc = parseJsonOrProblem(input, src, lines);
  if (!isRecord(doc)) return;
  const idx = new JsonKeyIndex(src);
  for (const scope of sections) {
    const deps = doc[scope];
    if (!isRecord(deps)) continue;
    const from = idx.find(scope) ?? 0;
    for (const [name, v] of Object.entries(deps)) emit(name, v, scope, lineOfKey(idx, lines, name, from), lines);
  }
}

export const composerJsonParser: FileParser = {
  id: 'composer-json',
  matches: (_p, name) => name === 'composer.json',
  parse(input) {
    jsonSections(input, ['require', 'require-dev'], (name, v, scope, line, lines) => {
      if (!isComposerPlatform(name)) emitPackage(input, lines, { name, ecosystem: 'composer', line, version: typeof v === 'string' ? v : undefined, scope, direct: true });
    });
  },
};

export const composerLockParser: FileParser = {
  id: 'composer-lock',
  matches: (_p, name) => name === 'composer.lock',
  parse(input) {
    const src = input.text ?? '';
    const lines = new Lines(src);
    const doc = parseJsonOrProblem(input, src, lines);
    if (!isRecord(doc)) return;
    const idx = new JsonKeyIndex(src);
    const all: Array<{ p: Record<string, unknown>; scope: string }> = [];
    for (const scope of ['packages', 'packages-dev']) if (Array.isArray(doc[scope])) for (const p of doc[scope] as unknown[]) if (isRecord(p) && typeof p.name === 'string') all.push({ p, scope });
    // direct: no other locked package requires it (the lock does not record the root's requirements)
    const required = new Set<string>();
    for (const { p } of all) for (const k of ['require', 'require-dev']) if (isRecord(p[k])) for (const n of Object.keys(p[k] as object)) required.add(n.toLowerCase());
    let from = 0;
    for (const { p, scope } of all) {
      const name = p.name as string;
      const at = src.indexOf(`"name": ${JSON.stringify(name)}`, from);
      if (at >= 0) from = at;
      emitPackage(input, lines, {
        name,
        ecosystem: 'composer',
        line: at >= 0 ? lines.lineAt(at) : lineOfKey(idx, lines, 'name'),
        version: typeof p.version === 'string' ? p.version : undefined,
        scope,
        direct: !required.has(name.toLowerCase()),
        attrs: { lockfile: input.name },
      });
    }
  },
};

const GEMSPEC_DEP = /^[ \t]*\w+\.add_(runtime_|development_)?dependency[ \t]*\(?[ \t]*["']([^"']+)["'](?:[ \t]*,[ \t]*["']([^"']*)["'])?/;

export const gemspecParser: FileParser = {
  id: 'rubygems-gemspec',
  matches: (_p, name) => name.endsWith('.gemspec'),
  parse(input) {
    const raw = (input.text ?? '').split('\n');
    const lines = new Lines(input.text ?? '');
    raw.forEach((l, i) => {
      const m = GEMSPEC_DEP.exec(l);
      if (!m) return;
      emitPackage(input, lines, { name: m[2], ecosystem: 'rubygems', line: i + 1, version: m[3], scope: m[1] === 'development_' ? 'development' : 'runtime', direct: true });
    });
  },
};

export const cargoLockParser: FileParser = {
  id: 'cargo-lock',
  matches: (_p, name) => name === 'Cargo.lock',
  parse(input) {
    const src = input.text ?? '';
    const doc = parseTomlOrProblem(input, src);
    if (!doc) return;
    const pkgs = Array.isArray(doc.package) ? (doc.package as unknown[]).filter(isRecord) : [];
    // workspace members have no `source`; what they list in `dependencies` is direct
    const direct = new Set<string>();
    for (const p of pkgs) if (p.source === undefined && Array.isArray(p.dependencies)) for (const d of p.dependencies) if (typeof d === 'string') direct.add(d.split(' ')[0]);
    const lines = new Lines(src);
    let from = 0;
    for (const p of pkgs) {
      if (typeof p.name !== 'string' || p.source === undefined) continue;
      const at = tomlNameAt(src, p.name, from);
      if (at >= 0) from = at;
      emitPackage(input, lines, { name: p.name, ecosystem: 'cargo', line: at >= 0 ? lines.lineAt(at) : undefined, version: typeof p.version === 'string' ? p.version : undefined, direct: direct.has(p.name), attrs: { lockfile: input.name } });
    }
  },
};

/** `https://github.com/Org/Repo.git`, `git@github.com:Org/Repo.git` → `github.com/org/repo` (the Swift package identity by location). */
export function swiftPackageId(url: string): string | undefined {
  const u = url.trim();
  const scp = /^[\w.-]+@([\w.-]+):(.+)$/.exec(u);
  const hostPath = scp ? `${scp[1]}/${scp[2]}` : u.replace(/^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]+@)?/i, '');
  if (hostPath === u && !scp) return undefined; // not a URL (a local path)
  return hostPath.replace(/\/+$/, '').replace(/\.git$/i, '').toLowerCase();
}

const SWIFT_PKG = /\.package\s*\(/g;

export const packageSwiftParser: FileParser = {
  id: 'swift-package',
  matches: (_p, name) => name === 'Package.swift',
  parse(input) {
    const src = input.text ?? '';
    const lines = new Lines(src);
    SWIFT_PKG.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = SWIFT_PKG.exec(src))) {
      const end = src.indexOf(')', m.index);
      const args = src.slice(m.index, end < 0 ? undefined : Math.min(end, m.index + 600));
      const url = /\burl\s*:\s*"([^"]+)"/.exec(args)?.[1];
      const id = /\bid\s*:\s*"([^"]+)"/.exec(args)?.[1];
      const name = url ? swiftPackageId(url) : id?.toLowerCase();
      if (!name) continue; // .package(path: …): a local package
      const version = /\b(from|exact|branch|revision)\s*:\s*"([^"]+)"/.exec(args)?.[2] ?? /"([^"]+)"\s*\.\.[.<]/.exec(args)?.[1];
      emitPackage(input, lines, { name, ecosystem: 'swift', line: lines.lineAt(m.index), version, direct: true, attrs: url ? { url } : {} });
    }
  },
};

export const packageResolvedParser: FileParser = {
  id: 'swift-package-resolved',
  matches: (_p, name) => name === 'Package.resolved',
  parse(input) {
    const src = input.text ?? '';
    const lines = new Lines(src);
    const doc = parseJsonOrProblem(input, src, lines);
    if (!isRecord(doc)) return;
    const pins = Array.isArray(doc.pins) ? doc.pins : isRecord(doc.object) && Array.isArray(doc.object.pins) ? doc.object.pins : [];
    for (const p of pins as unknown[]) {
      if (!isRecord(p)) continue;
      const loc = typeof p.location === 'string' ? p.location : typeof p.repositoryURL === 'string' ? p.repositoryURL : undefined;
      const name = loc ? swiftPackageId(loc) : undefined;
      if (!name || !loc) continue;
      const at = src.indexOf(JSON.stringify(loc));
      const state = isRecord(p.state) ? p.state : {};
      // the resolved file pins every package, direct or not: inferred, the manifest says which are direct
      emitPackage(input, lines, { name, ecosystem: 'swift', line: at >= 0 ? lines.lineAt(at) : undefined, version: typeof state.version === 'string' ? state.version : undefined, direct: false, attrs: { lockfile: input.name } });
    }
  },
};

export const pbxprojParser: FileParser = {
  id: 'xcode-package-reference',
  matches: (p, name) => name === 'project.pbxproj' && p.includes('.xcodeproj/'),
  parse(input) {
    const raw = (input.text ?? '').split('\n');
    const lines = new Lines(input.text ?? '');
    raw.forEach((l, i) => {
      const m = /^\s*repositoryURL = "?([^";]+)"?;/.exec(l);
      const name = m ? swiftPackageId(m[1]) : undefined;
      if (name) emitPackage(input, lines, { name, ecosystem: 'swift', line: i + 1, direct: true, attrs: { url: m![1], via: 'xcode-project' } });
    });
  },
};

export const podfileParser: FileParser = {
  id: 'cocoapods-podfile',
  matches: (_p, name) => name === 'Podfile',
  parse(input) {
    const raw = (input.text ?? '').split('\n');
    const lines = new Lines(input.text ?? '');
    raw.forEach((l, i) => {
      const m = /^[ \t]*pod[ \t]*\(?[ \t]*["']([^"']+)["'](?:[ \t]*,[ \t]*["']([^"']*)["'])?/.exec(l);
      if (m) emitPackage(input, lines, { name: m[1].split('/')[0], ecosystem: 'cocoapods', line: i + 1, version: m[2], direct: true, ...(m[1].includes('/') ? { attrs: { subspec: m[1] } } : {}) });
    });
  },
};

export const podfileLockParser: FileParser = {
  id: 'cocoapods-podfile-lock',
  matches: (_p, name) => name === 'Podfile.lock',
  parse(input) {
    const src = input.text ?? '';
    const y = parseYamlOrProblem(input, src);
    if (!y) return;
    const root = y.doc.toJS() as unknown;
    if (!isRecord(root)) return;
    const nameOf = (s: string) => /^([^\s(]+)(?:\s+\(([^)]*)\))?/.exec(s.trim());
    const direct = new Set<string>();
    if (Array.isArray(root.DEPENDENCIES)) for (const d of root.DEPENDENCIES) if (typeof d === 'string') direct.add(nameOf(d)?.[1].split('/')[0] ?? '');
    const lines = new Lines(src);
    const seen = new Set<string>();
    const pods = Array.isArray(root.PODS) ? root.PODS : [];
    for (const e of pods as unknown[]) {
      const spec = typeof e === 'string' ? e : isRecord(e) ? Object.keys(e)[0] : undefined;
      const m = spec ? nameOf(spec) : null;
      if (!m) continue;
      const name = m[1].split('/')[0];
      if (seen.has(name)) continue;
      seen.add(name);
      const at = src.indexOf(`- ${m[1]}`);
      emitPackage(input, lines, { name, ecosystem: 'cocoapods', line: at >= 0 ? lines.lineAt(at) : undefined, version: m[2], direct: direct.has(name), attrs: { lockfile: input.name } });
    }
  },
};

export const pubspecParser: FileParser = {
  id: 'pub-pubspec',
  matches: (_p, name) => name === 'pubspec.yaml',
  parse(input) {
    const src = input.text ?? '';
    const y = parseYamlOrProblem(input, src);
    if (!y) return;
    const lines = new Lines(src);
    const map = y.doc.contents as { get?: (k: string, keep?: boolean) => unknown } | null;
    for (const scope of ['dependencies', 'dev_dependencies', 'dependency_overrides']) {
      const node = map?.get?.(scope, true) as { items?: Array<{ key: unknown; value: unknown }> } | undefined;
      for (const it of node?.items ?? []) {
        const key = (it.key as { value?: unknown })?.value;
        if (typeof key !== 'string') continue;
        const v = (it.value as { toJSON?: () => unknown })?.toJSON?.() ?? (it.value as { value?: unknown })?.value;
        if (isRecord(v) && 'sdk' in v) continue; // flutter: { sdk: flutter }
        if (isRecord(v) && 'path' in v) continue; // a local package
        emitPackage(input, lines, { name: key, ecosystem: 'pub', line: y.lineOf(it.key), version: typeof v === 'string' ? v : isRecord(v) && typeof v.version === 'string' ? v.version : undefined, scope, direct: true });
      }
    }
  },
};

export const pubspecLockParser: FileParser = {
  id: 'pub-pubspec-lock',
  matches: (_p, name) => name === 'pubspec.lock',
  parse(input) {
    const src = input.text ?? '';
    const y = parseYamlOrProblem(input, src);
    if (!y) return;
    const root = y.doc.toJS() as unknown;
    if (!isRecord(root) || !isRecord(root.packages)) return;
    const lines = new Lines(src);
    for (const [name, p] of Object.entries(root.packages)) {
      if (!isRecord(p) || p.source === 'sdk' || p.source === 'path') continue;
      const dep = typeof p.dependency === 'string' ? p.dependency : '';
      const at = src.search(new RegExp(`^  ${name.replace(/[^\w]/g, '\\$&')}:`, 'm'));
      emitPackage(input, lines, { name, ecosystem: 'pub', line: at >= 0 ? lines.lineAt(at) : undefined, version: typeof p.version === 'string' ? p.version : undefined, direct: dep.startsWith('direct'), scope: dep.includes('dev') ? 'dev' : undefined, attrs: { lockfile: input.name } });
    }
  },
};

/** poetry.lock / uv.lock: TOML `[[package]]` tables; uv marks the root project's dependencies. */
export const pythonTomlLockParser: FileParser = {
  id: 'pypi-toml-lock',
  matches: (_p, name) => name === 'poetry.lock' || name === 'uv.lock' || name === 'pdm.lock',
  parse(input) {
    const src = input.text ?? '';
    const doc = parseTomlOrProblem(input, src);
    if (!doc) return;
    const pkgs = Array.isArray(doc.package) ? (doc.package as unknown[]).filter(isRecord) : [];
    const isRoot = (p: Record<string, unknown>) => isRecord(p.source) && ('editable' in p.source || 'virtual' in p.source);
    const direct = new Set<string>();
    for (const p of pkgs) {
      if (!isRoot(p)) continue;
      const lists = [p.dependencies, ...(isRecord(p['optional-dependencies']) ? Object.values(p['optional-dependencies']) : []), ...(isRecord(p['dev-dependencies']) ? Object.values(p['dev-dependencies']) : [])];
      for (const l of lists) if (Array.isArray(l)) for (const d of l) if (isRecord(d) && typeof d.name === 'string') direct.add(d.name.toLowerCase());
    }
    const lines = new Lines(src);
    let from = 0;
    for (const p of pkgs) {
      if (typeof p.name !== 'string' || isRoot(p)) continue;
      const at = tomlNameAt(src, p.name, from);
      if (at >= 0) from = at;
      // poetry.lock does not say which packages are direct: pyproject.toml does (declared there)
      emitPackage(input, lines, { name: p.name, ecosystem: 'pypi', line: at >= 0 ? lines.lineAt(at) : undefined, version: typeof p.version === 'string' ? p.version : undefined, direct: direct.has(p.name.toLowerCase()), attrs: { lockfile: input.name } });
    }
  },
};

export const pipfileLockParser: FileParser = {
  id: 'pypi-pipfile-lock',
  matches: (_p, name) => name === 'Pipfile.lock',
  parse(input) {
    // every installed package, direct or not (the Pipfile says which are direct)
    jsonSections(input, ['default', 'develop'], (name, v, scope, line, lines) =>
      emitPackage(input, lines, { name, ecosystem: 'pypi', line, version: isRecord(v) && typeof v.version === 'string' ? v.version : undefined, scope, direct: false, attrs: { lockfile: input.name } }),
    );
  },
};

export const moreParsers: FileParser[] = [
  composerJsonParser, composerLockParser, gemspecParser, cargoLockParser, packageSwiftParser, packageResolvedParser, pbxprojParser, podfileParser,
  podfileLockParser, pubspecParser, pubspecLockParser, pythonTomlLockParser, pipfileLockParser,
];
