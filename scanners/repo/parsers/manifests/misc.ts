/**
 * go.mod, Cargo.toml, NuGet (*.csproj / *.fsproj / *.vbproj / Directory.Packages.props /
 * packages.config), Gemfile and Gemfile.lock.
 */
import type { FileParser, ParseInput } from '../types.js';
import { Lines, emitPackage, escapeRe, isRecord, parseTomlOrProblem, xmlOkOrProblem } from './util.js';

export const goModParser: FileParser = {
  id: 'go-mod',
  matches: (_p, name) => name === 'go.mod',
  parse(input: ParseInput) {
    const src = input.text ?? '';
    const lines = new Lines(src);
    const raw = src.split('\n');
    let inRequire = false;
    let inReplace = false;
    let sawModule = false;
    for (let i = 0; i < raw.length; i++) {
      const full = raw[i].replace(/\r$/, '');
      const indirect = /\/\/\s*indirect\b/.test(full);
      const l = full.replace(/\/\/.*$/, '').trim();
      if (!l) continue;
      if (/^module\s/.test(l)) sawModule = true;
      if (inRequire) {
        if (l === ')') {
          inRequire = false;
          continue;
        }
        const m = /^(\S+)\s+(\S+)$/.exec(l);
        if (!m) {
          input.problem('expected "module version" inside require ( … )', i + 1);
          continue;
        }
        emitPackage(input, lines, { name: m[1].replace(/^"|"$/g, ''), ecosystem: 'go', line: i + 1, version: m[2], direct: !indirect, scope: 'require' });
        continue;
      }
      if (/^require\s*\($/.test(l)) {
        inRequire = true;
        continue;
      }
      if (/^replace\s*\($/.test(l)) {
        inReplace = true;
        continue;
      }
      if (inReplace && l === ')') {
        inReplace = false;
        continue;
      }
      const rep = inReplace ? l : /^replace\s+(.*)$/.exec(l)?.[1];
      if (rep !== undefined) {
        // `old [v] => new [v]`: the module actually built is `new`, unless it is a local folder
        const r = /^(\S+)(?:\s+\S+)?\s*=>\s*(\S+)(?:\s+(\S+))?$/.exec(rep);
        if (!r) input.problem('malformed replace directive', i + 1);
        else if (!/^(?:\.{1,2}\/|\/|[A-Za-z]:[\\/])/.test(r[2])) {
          emitPackage(input, lines, { name: r[2].replace(/^"|"$/g, ''), ecosystem: 'go', line: i + 1, version: r[3], scope: 'replace', direct: true, attrs: { replaces: r[1].replace(/^"|"$/g, '') } });
        }
        continue;
      }
      const one = /^require\s+(\S+)\s+(\S+)$/.exec(l);
      if (one) {
        emitPackage(input, lines, { name: one[1].replace(/^"|"$/g, ''), ecosystem: 'go', line: i + 1, version: one[2], direct: !indirect, scope: 'require' });
        continue;
      }
      if (/^require\b/.test(l)) input.problem('malformed require directive', i + 1);
    }
    if (inRequire) input.problem('unterminated require ( block', raw.length);
    if (!sawModule && raw.some((r) => r.trim())) input.problem('no module directive', 1);
  },
};

export const cargoParser: FileParser = {
  id: 'cargo-toml',
  matches: (_p, name) => name === 'Cargo.toml',
  parse(input) {
    const src = input.text ?? '';
    const lines = new Lines(src);
    const doc = parseTomlOrProblem(input, src);
    if (!doc) return;
    const tables: Array<{ t: unknown; scope: string }> = [];
    const add = (node: Record<string, unknown>, prefix: string) => {
      for (const s of ['dependencies', 'dev-dependencies', 'build-dependencies']) if (isRecord(node[s])) tables.push({ t: node[s], scope: prefix + s });
    };
    add(doc, '');
    if (isRecord(doc.workspace)) add(doc.workspace, 'workspace.');
    if (isRecord(doc.target)) for (const [cfg, t] of Object.entries(doc.target)) if (isRecord(t)) add(t, `target.${cfg}.`);
    for (const { t, scope } of tables) {
      for (const [key, v] of Object.entries(t as Record<string, unknown>)) {
        let name = key;
        let version: string | undefined;
        const attrs: Record<string, string> = {};
        if (typeof v === 'string') version = v;
        else if (isRecord(v)) {
          if (typeof v.package === 'string') {
            name = v.package;
            attrs.alias = key;
          }
          if (typeof v.version === 'string') version = v.version;
          if (typeof v.git === 'string') attrs.git = v.git;
          if (typeof v.path === 'string') attrs.path = v.path;
        }
        // `name = …` line, or a `[dependencies.name]` table header
        const re = new RegExp(`^\\s*(?:["']?${escapeRe(key)}["']?\\s*=|\\[[^\\]]*\\.["']?${escapeRe(key)}["']?\\])`, 'm');
        const m = re.exec(src);
        emitPackage(input, lines, { name, ecosystem: 'cargo', line: m ? lines.lineAt(m.index) : undefined, version, scope, direct: true, attrs });
      }
    }
  },
};

export const nugetParser: FileParser = {
  id: 'nuget-project',
  matches: (_p, name) => /\.(csproj|fsproj|vbproj)$/i.test(name) || name === 'packages.config' || /^Directory\.(Packages|Build)\.props$/i.test(name),
  parse(input) {
    const src = input.text ?? '';
    if (!xmlOkOrProblem(input, src)) return;
    const lines = new Lines(src);
    const packagesConfig = input.name === 'packages.config';
    const re = packagesConfig
      ? /<package\b([^>]*)\/?>/gi
      : /<(PackageReference|PackageVersion|GlobalPackageReference)\b([^>]*?)(\/>|>([\s\S]*?)<\/\1>)/gi;
    let m: RegExpExecArray | null;
    while ((m = re.exec(src))) {
      const attrsText = packagesConfig ? m[1] : m[2];
      const attr = (n: string) => new RegExp(`\\b${n}\\s*=\\s*"([^"]*)"`, 'i').exec(attrsText)?.[1];
      const name = packagesConfig ? attr('id') : attr('Include') ?? attr('Update');
      if (!name) continue;
      let version = attr(packagesConfig ? 'version' : 'Version');
      if (!version && !packagesConfig && m[4]) version = /<Version>\s*([^<]+?)\s*<\/Version>/i.exec(m[4])?.[1];
      emitPackage(input, lines, {
        name,
        ecosystem: 'nuget',
        line: lines.lineAt(m.index),
        version,
        scope: packagesConfig ? 'packages.config' : m[1],
        direct: true,
      });
    }
  },
};

export const gemfileParser: FileParser = {
  id: 'rubygems-gemfile',
  matches: (_p, name) => name === 'Gemfile' || name === 'gems.rb',
  parse(input) {
    const src = input.text ?? '';
    const lines = new Lines(src);
    const groups: string[][] = [];
    src.split('\n').forEach((rawLine, i) => {
      const l = rawLine.replace(/\r$/, '').replace(/(^|\s)#.*$/, '').trim();
      if (!l) return;
      const g = /^group\s+(.+?)\s+do\b/.exec(l);
      if (g) {
        groups.push(g[1].split(',').map((x) => x.trim().replace(/^:|^["']|["']$/g, '')));
        return;
      }
      if (/^(platforms?|source|install_if|git|path)\b.*\bdo\b/.test(l)) {
        groups.push([]);
        return;
      }
      if (l === 'end') {
        groups.pop();
        return;
      }
      const m = /^gem\s*(?:\(\s*)?["']([^"']+)["']\s*(?:,\s*["']([^"']+)["'])?(.*)$/.exec(l);
      if (!m) return;
      const inlineGroup = /\bgroups?:\s*(\[[^\]]*\]|:\w+)/.exec(m[3] ?? '');
      const grp = [...groups.flat(), ...(inlineGroup ? inlineGroup[1].replace(/[[\]:\s]/g, '').split(',').filter(Boolean) : [])];
      emitPackage(input, lines, { name: m[1], ecosystem: 'rubygems', line: i + 1, version: m[2], scope: grp.length ? grp.join(',') : 'default', direct: true });
    });
  },
};

export const gemfileLockParser: FileParser = {
  id: 'rubygems-gemfile-lock',
  matches: (_p, name) => name === 'Gemfile.lock' || name === 'gems.locked',
  parse(input) {
    const src = input.text ?? '';
    const lines = new Lines(src);
    const raw = src.split('\n').map((l) => l.replace(/\r$/, ''));
    const direct = new Set<string>();
    let section = '';
    for (const l of raw) {
      if (/^[A-Z]/.test(l)) section = l.trim();
      else if (section === 'DEPENDENCIES') {
        const m = /^ {2}([^\s!(]+)/.exec(l);
        if (m) direct.add(m[1]);
      }
    }
    section = '';
    const seen = new Set<string>();
    raw.forEach((l, i) => {
      if (/^[A-Z]/.test(l)) {
        section = l.trim();
        return;
      }
      if (section !== 'GEM' && section !== 'GIT' && section !== 'PATH') return;
      const m = /^ {4}([^\s(]+)(?: \(([^)]*)\))?$/.exec(l);
      if (!m || seen.has(m[1])) return;
      seen.add(m[1]);
      emitPackage(input, lines, { name: m[1], ecosystem: 'rubygems', line: i + 1, version: m[2], direct: direct.has(m[1]), attrs: { lockfile: input.name } });
    });
  },
};

export const miscParsers: FileParser[] = [goModParser, cargoParser, nugetParser, gemfileParser, gemfileLockParser];
