/**
 * Maven ecosystem: pom.xml, build.gradle / build.gradle.kts and Gradle version catalogs
 * (gradle/libs.versions.toml). Values are `groupId:artifactId`.
 */
import { XMLParser } from 'fast-xml-parser';
import type { FileParser, ParseInput } from '../types.js';
import { Lines, emitPackage, escapeRe, isRecord, parseTomlOrProblem, xmlOkOrProblem } from './util.js';

function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  if (isRecord(v) && typeof v['#text'] === 'string') return (v['#text'] as string).trim();
  return undefined;
}

export const pomParser: FileParser = {
  id: 'maven-pom',
  matches: (_p, name) => name === 'pom.xml' || /\.pom$/.test(name),
  parse(input: ParseInput) {
    const src = input.text ?? '';
    if (!xmlOkOrProblem(input, src)) return;
    const lines = new Lines(src);
    const doc = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true }).parse(src) as Record<string, unknown>;
    const project = isRecord(doc.project) ? doc.project : undefined;
    if (!project) {
      input.problem('expected a <project> root element', 1);
      return;
    }
    const lists: Array<{ deps: unknown; scope: string }> = [];
    const collect = (node: Record<string, unknown>, prefix: string) => {
      if (isRecord(node.dependencies)) lists.push({ deps: node.dependencies.dependency, scope: prefix || 'dependencies' });
      if (isRecord(node.dependencyManagement) && isRecord(node.dependencyManagement.dependencies)) {
        lists.push({ deps: node.dependencyManagement.dependencies.dependency, scope: `${prefix}dependencyManagement` });
      }
    };
    collect(project, '');
    if (isRecord(project.profiles)) {
      for (const p of asArray(project.profiles.profile as unknown)) if (isRecord(p)) collect(p, `profile:${text(p.id) ?? ''}:`);
    }
    let cursor = 0;
    for (const { deps, scope } of lists) {
      for (const d of asArray(deps as unknown)) {
        if (!isRecord(d)) continue;
        const g = text(d.groupId);
        const a = text(d.artifactId);
        if (!g || !a) continue;
        const re = new RegExp(`<artifactId>\\s*${escapeRe(a)}\\s*</artifactId>`, 'g');
        re.lastIndex = cursor;
        let m = re.exec(src);
        if (!m) {
          re.lastIndex = 0;
          m = re.exec(src);
        } else cursor = m.index + m[0].length;
        const depScope = text(d.scope);
        emitPackage(input, lines, {
          name: `${g}:${a}`,
          ecosystem: 'maven',
          line: m ? lines.lineAt(m.index) : undefined,
          version: text(d.version),
          scope: depScope ? `${scope}:${depScope}`.replace(/^dependencies:/, '') : scope,
          direct: true,
        });
      }
    }
  },
};

const GRADLE_CONFIGS =
  'implementation|api|compile|compileOnly|runtimeOnly|runtime|testImplementation|testCompile|testRuntimeOnly|testCompileOnly|androidTestImplementation|debugImplementation|releaseImplementation|kapt|ksp|annotationProcessor|classpath|compileOnlyApi|developmentOnly|platform|enforcedPlatform';

export const gradleParser: FileParser = {
  id: 'maven-gradle',
  matches: (_p, name) => name === 'build.gradle' || name === 'build.gradle.kts',
  parse(input) {
    const src = input.text ?? '';
    const lines = new Lines(src);
    const raw = src.split('\n');
    for (let i = 0; i < raw.length; i++) {
      const l = raw[i].replace(/\/\/.*$/, '');
      const cfg = new RegExp(`\\b(${GRADLE_CONFIGS})\\b\\s*\\(?`).exec(l);
      if (!cfg) continue;
      const rest = l.slice(cfg.index + cfg[0].length);
      // string coordinates: 'group:artifact[:version[:classifier]][@ext]'
      const coords = /["']([A-Za-z0-9_.\-${}]+):([A-Za-z0-9_.\-${}]+)(?::([^"':@]*))?(?::[^"'@]*)?(?:@[^"']*)?["']/g;
      let m: RegExpExecArray | null;
      let found = false;
      while ((m = coords.exec(rest))) {
        found = true;
        emitPackage(input, lines, { name: `${m[1]}:${m[2]}`, ecosystem: 'maven', line: i + 1, version: m[3] || undefined, scope: cfg[1], direct: true });
      }
      if (found) continue;
      // map form: group: 'g', name: 'a', version: 'v'   /  kts: group = "g", name = "a"
      const g = /\bgroup\s*[:=]\s*["']([^"']+)["']/.exec(rest);
      const n = /\bname\s*[:=]\s*["']([^"']+)["']/.exec(rest);
      if (g && n) {
        const v = /\bversion\s*[:=]\s*["']([^"']+)["']/.exec(rest);
        emitPackage(input, lines, { name: `${g[1]}:${n[1]}`, ecosystem: 'maven', line: i + 1, version: v?.[1], scope: cfg[1], direct: true });
      }
    }
  },
};

export const gradleCatalogParser: FileParser = {
  id: 'maven-gradle-catalog',
  matches: (_p, name) => /\.versions\.toml$/.test(name),
  parse(input) {
    const src = input.text ?? '';
    const lines = new Lines(src);
    const doc = parseTomlOrProblem(input, src);
    if (!doc || !isRecord(doc.libraries)) return;
    const versions = isRecord(doc.versions) ? doc.versions : {};
    const hdr = /^\s*\[libraries\]/m.exec(src);
    for (const [alias, def] of Object.entries(doc.libraries)) {
      let coord: string | undefined;
      let version: string | undefined;
      if (typeof def === 'string') {
        const p = def.split(':');
        if (p.length >= 2) {
          coord = `${p[0]}:${p[1]}`;
          version = p[2];
        }
      } else if (isRecord(def)) {
        if (typeof def.module === 'string') coord = def.module;
        else if (typeof def.group === 'string' && typeof def.name === 'string') coord = `${def.group}:${def.name}`;
        if (typeof def.version === 'string') version = def.version;
        else if (isRecord(def.version) && typeof def.version.ref === 'string') {
          const r = versions[def.version.ref];
          version = typeof r === 'string' ? r : undefined;
        }
      }
      if (!coord) continue;
      const re = new RegExp(`^\\s*["']?${escapeRe(alias)}["']?\\s*=`, 'gm');
      re.lastIndex = hdr?.index ?? 0;
      const m = re.exec(src);
      emitPackage(input, lines, { name: coord, ecosystem: 'maven', line: m ? lines.lineAt(m.index) : undefined, version, scope: 'catalog', direct: true, attrs: { alias } });
    }
  },
};

export const jvmParsers: FileParser[] = [pomParser, gradleParser, gradleCatalogParser];
