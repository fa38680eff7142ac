/**
 * Python ecosystem: requirements files (pip / pip-tools), pyproject.toml (PEP 621, PEP 735
 * dependency groups, Poetry, uv), Pipfile, setup.cfg, setup.py (static, never executed) and
 * conda environment.yml (conda dependencies + pip subsection).
 */
import { isMap, isScalar, isSeq, type Pair } from 'yaml';
import type { FileParser, ParseInput } from '../types.js';
import { Lines, emitPackage, escapeRe, isRecord, parseTomlOrProblem, parseYamlOrProblem, snippetOf } from './util.js';

export interface Requirement {
  name: string;
  extras: string[];
  specifier?: string;
  markers?: string;
  url?: string;
  editable?: boolean;
}

const NAME_RE = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/;

/** Name of a package from `#egg=name` or a wheel / sdist file name at the end of a URL. */
function nameFromUrl(url: string): string | undefined {
  const egg = /[#&]egg=([A-Za-z0-9._-]+)/.exec(url);
  if (egg) return egg[1].replace(/-[0-9].*$/, '');
  const file = url.split(/[?#]/)[0].split('/').pop() ?? '';
  const whl = /^([A-Za-z0-9._]+?)-[0-9][^-]*(?:-[^-]+)*\.(?:whl|tar\.gz|zip|tar\.bz2)$/.exec(file);
  return whl ? whl[1] : undefined;
}

/**
 * Parses one PEP 508 requirement (or a pip requirement line without its options):
 * `name[extras] >=1,<2 ; markers`, `name @ url`, VCS / archive URLs with `#egg=`.
 * Returns undefined for local paths and anything without a package name.
 */
export function parseRequirement(raw: string): Requirement | undefined {
  let s = raw.trim();
  if (!s) return undefined;
  let editable = false;
  const ed = /^(?:-e|--editable)(?:\s+|=)(.*)$/.exec(s);
  if (ed) {
    editable = true;
    s = ed[1].trim();
  }
  // pip per-requirement options (--hash=…, --config-settings …) follow the requirement
  // (?<!\s): an option is tried only at the start of a whitespace run, so a long run is linear, not quadratic
  s = s.replace(/(?<!\s)\s+--?[a-z][a-z-]*(?:[=\s]\S+)?/gi, (m) => (/^\s+--?(hash|config-settings|global-option|install-option)\b/i.test(m) ? '' : m)).trim();
  let markers: string | undefined;
  const semi = s.search(/;(?![^[]*\])/);
  // for URLs a marker must be preceded by whitespace ("url ; marker")
  if (semi >= 0 && (!/:\/\//.test(s) || /\s;/.test(s))) {
    markers = s.slice(semi + 1).trim() || undefined;
    s = s.slice(0, semi).trim();
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^git\+|^hg\+|^svn\+|^bzr\+/i.test(s)) {
    const name = nameFromUrl(s);
    return name ? { name, extras: [], url: s, markers, editable: editable || undefined } : undefined;
  }
  if (s.startsWith('.') || s.startsWith('/') || s.startsWith('~') || /^[A-Za-z]:[\\/]/.test(s)) return undefined;
  const m = NAME_RE.exec(s);
  if (!m) return undefined;
  const extras = m[2] ? m[2].slice(1, -1).split(',').map((x) => x.trim()).filter(Boolean) : [];
  let rest = m[3].trim();
  let url: string | undefined;
  if (rest.startsWith('@')) {
    url = rest.slice(1).trim();
    rest = '';
  }
  const specifier = rest.replace(/^\(|\)$/g, '').replace(/\s+/g, '') || undefined;
  if (specifier && !/^(?:[<>=!~]=?|===)/.test(specifier)) return undefined;
  return { name: m[1], extras, specifier, markers, url, editable: editable || undefined };
}

function emitReq(input: ParseInput, lines: Lines, r: Requirement, line: number | undefined, scope: string, extra?: Record<string, string | boolean | string[]>): void {
  const attrs: Record<string, string | boolean | string[]> = { ...(extra ?? {}) };
  if (r.extras.length) attrs.extras = r.extras;
  if (r.markers) attrs.markers = r.markers;
  if (r.url) attrs.url = r.url;
  if (r.editable) attrs.editable = true;
  emitPackage(input, lines, { name: r.name, ecosystem: 'pypi', line, version: r.specifier, scope, direct: true, attrs });
}

/** Included requirement files named by `-r` / `-c` lines, as written. */
export function requirementIncludes(text: string): Array<{ kind: 'requirement' | 'constraint'; path: string; line: number }> {
  const out: Array<{ kind: 'requirement' | 'constraint'; path: string; line: number }> = [];
  text.split('\n').forEach((l, i) => {
    const m = /^\s*(-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)/.exec(l);
    if (m) out.push({ kind: m[1] === '-c' || m[1] === '--constraint' ? 'constraint' : 'requirement', path: m[2], line: i + 1 });
  });
  return out;
}

/** requirements.txt, requirements-dev.txt, dev-requirements.txt, requirements/*.txt, requirements.in, constraints.txt. */
const REQUIREMENTS_WORD = /requirements|constraints/i;

export function isRequirementsPath(relPath: string, name: string): boolean {
  // every form below names `requirements` or `constraints` in the name or the path: a literal
  // search rejects the other files (nearly all) before the backtracking patterns
  if (!REQUIREMENTS_WORD.test(name) && !REQUIREMENTS_WORD.test(relPath)) return false;
  if (/^(?:.*[-_.])?requirements(?:[-_.].*)?\.(?:txt|in|pip)$/i.test(name)) return true;
  if (/^constraints(?:[-_.].*)?\.txt$/i.test(name)) return true;
  return /(?:^|\/)requirements\/[^/]+\.(?:txt|in)$/i.test(relPath);
}

export const requirementsParser: FileParser = {
  id: 'pypi-requirements',
  matches: isRequirementsPath,
  parse(input) {
    const text = input.text ?? '';
    const lines = new Lines(text);
    const raw = text.split('\n');
    const scope = /constraint/i.test(input.name) ? 'constraints' : 'requirements';
    for (let i = 0; i < raw.length; i++) {
      const start = i;
      let l = raw[i].replace(/\r$/, '');
      // line continuations
      while (/\\$/.test(l) && i + 1 < raw.length) {
        l = l.slice(0, -1) + ' ' + raw[++i].replace(/\r$/, '');
      }
      // comments: '#' at line start or preceded by whitespace (not '#egg=')
      l = l.replace(/(^|\s)#.*$/, '').trim();
      if (!l) continue;
      const inc = /^(-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)/.exec(l);
      if (inc) continue; // followed by the scanner (requirementIncludes)
      if (/^-(?!e\b)|^--(?!editable\b)/.test(l)) continue; // global options: -i, --index-url, --find-links …
      const r = parseRequirement(l);
      if (!r) {
        if (!/^(-e|--editable)\b/.test(l) && !/^[.~/]/.test(l)) input.problem(`unrecognised requirement: ${snippetOf(l, 80)}`, start + 1);
        continue;
      }
      emitReq(input, lines, r, start + 1, scope);
    }
  },
};

/** Finds the line of a quoted requirement string at or after `from`. */
function lineOfString(text: string, lines: Lines, s: string, from: number): { line?: number; end: number } {
  const re = new RegExp(`["']${escapeRe(s)}["']`, 'g');
  re.lastIndex = from;
  const m = re.exec(text);
  return m ? { line: lines.lineAt(m.index), end: m.index + m[0].length } : { end: from };
}

function headerOffset(text: string, header: string): number {
  const re = new RegExp(`^\\s*\\[${escapeRe(header).replace(/\\\./g, '\\s*\\.\\s*')}\\]\\s*(#.*)?$`, 'm');
  const m = re.exec(text);
  return m ? m.index : 0;
}

function keyLine(text: string, lines: Lines, key: string, from: number): number | undefined {
  const re = new RegExp(`^\\s*["']?${escapeRe(key)}["']?\\s*=`, 'gm');
  re.lastIndex = from;
  const m = re.exec(text);
  return m ? lines.lineAt(m.index) : undefined;
}

function emitPep508List(input: ParseInput, text: string, lines: Lines, list: unknown, scope: string, from: number): void {
  if (!Array.isArray(list)) return;
  let cursor = from;
  for (const item of list) {
    if (typeof item !== 'string') continue; // {include-group = …}
    const at = lineOfString(text, lines, item, cursor);
    cursor = at.end;
    const r = parseRequirement(item);
    if (!r) {
      input.problem(`unrecognised requirement: ${snippetOf(item, 80)}`, at.line);
      continue;
    }
    emitReq(input, lines, r, at.line, scope);
  }
}

/** Poetry / Pipfile style table: name → "version" | { version, extras, git, … }. */
function emitNameTable(input: ParseInput, text: string, lines: Lines, table: unknown, scope: string, header: string, skip: string[] = []): void {
  if (!isRecord(table)) return;
  const from = headerOffset(text, header);
  for (const [name, v] of Object.entries(table)) {
    if (skip.includes(name.toLowerCase())) continue;
    const attrs: Record<string, string | string[]> = {};
    let version: string | undefined;
    if (typeof v === 'string') version = v;
    else if (isRecord(v)) {
      if (typeof v.version === 'string') version = v.version;
      if (Array.isArray(v.extras)) attrs.extras = v.extras.filter((x): x is string => typeof x === 'string');
      for (const k of ['git', 'url', 'path', 'markers']) if (typeof v[k] === 'string') attrs[k] = v[k] as string;
    } else if (Array.isArray(v)) version = undefined; // multiple constraints
    emitPackage(input, lines, { name, ecosystem: 'pypi', line: keyLine(text, lines, name, from), version, scope, direct: true, attrs });
  }
}

export const pyprojectParser: FileParser = {
  id: 'pypi-pyproject',
  matches: (_p, name) => name === 'pyproject.toml',
  parse(input) {
    const text = input.text ?? '';
    const lines = new Lines(text);
    const doc = parseTomlOrProblem(input, text);
    if (!doc) return;
    const project = isRecord(doc.project) ? doc.project : undefined;
    if (project) {
      emitPep508List(input, text, lines, project.dependencies, 'dependencies', headerOffset(text, 'project'));
      if (isRecord(project['optional-dependencies'])) {
        const from = headerOffset(text, 'project.optional-dependencies');
        for (const [group, list] of Object.entries(project['optional-dependencies'])) emitPep508List(input, text, lines, list, `optional:${group}`, from);
      }
    }
    if (isRecord(doc['dependency-groups'])) {
      const from = headerOffset(text, 'dependency-groups');
      for (const [group, list] of Object.entries(doc['dependency-groups'])) emitPep508List(input, text, lines, list, `group:${group}`, from);
    }
    const tool = isRecord(doc.tool) ? doc.tool : {};
    const poetry = isRecord(tool.poetry) ? tool.poetry : undefined;
    if (poetry) {
      emitNameTable(input, text, lines, poetry.dependencies, 'dependencies', 'tool.poetry.dependencies', ['python']);
      emitNameTable(input, text, lines, poetry['dev-dependencies'], 'dev', 'tool.poetry.dev-dependencies', ['python']);
      if (isRecord(poetry.group)) {
        for (const [g, def] of Object.entries(poetry.group)) {
          if (isRecord(def)) emitNameTable(input, text, lines, def.dependencies, `group:${g}`, `tool.poetry.group.${g}.dependencies`, ['python']);
        }
      }
    }
    const uv = isRecord(tool.uv) ? tool.uv : undefined;
    if (uv) emitPep508List(input, text, lines, uv['dev-dependencies'], 'dev', headerOffset(text, 'tool.uv'));
  },
};

export const pipfileParser: FileParser = {
  id: 'pypi-pipfile',
  matches: (_p, name) => name === 'Pipfile',
  parse(input) {
    const text = input.text ?? '';
    const lines = new Lines(text);
    const doc = parseTomlOrProblem(input, text);
    if (!doc) return;
    for (const [section, table] of Object.entries(doc)) {
      if (section === 'source' || section === 'requires' || section === 'scripts' || section === 'pipenv') continue;
      if (!isRecord(table)) continue;
      emitNameTable(input, text, lines, table, section === 'packages' ? 'packages' : section === 'dev-packages' ? 'dev' : section, section);
    }
  },
};

export const setupCfgParser: FileParser = {
  id: 'pypi-setup-cfg',
  matches: (_p, name) => name === 'setup.cfg',
  parse(input) {
    const text = input.text ?? '';
    const lines = new Lines(text);
    const raw = text.split('\n').map((l) => l.replace(/\r$/, ''));
    let section = '';
    let key: string | undefined;
    let keyIndent = 0;
    const take = (value: string, line: number, sameLine: boolean) => {
      const scope = section === 'options' ? (key === 'install_requires' ? 'install_requires' : undefined) : section === 'options.extras_require' ? `extra:${key}` : undefined;
      if (!scope) return;
      // on the key's own line the value is a semicolon-separated list (setuptools "list-semi")
      for (const part of sameLine ? value.split(';') : [value]) {
        const v = part.replace(/(^|\s)#.*$/, '').trim();
        if (!v) continue;
        const r = parseRequirement(v);
        if (!r) {
          input.problem(`unrecognised requirement: ${snippetOf(v, 80)}`, line);
          continue;
        }
        emitReq(input, lines, r, line, scope);
      }
    };
    for (let i = 0; i < raw.length; i++) {
      const l = raw[i];
      if (/^\s*[#;]/.test(l) || !l.trim()) continue;
      const sec = /^\s*\[([^\]]+)\]\s*$/.exec(l);
      if (sec) {
        section = sec[1].trim();
        key = undefined;
        continue;
      }
      const indent = l.length - l.trimStart().length;
      const kv = /^([A-Za-z0-9_.-]+)\s*[=:]\s*(.*)$/.exec(l.trim());
      if (kv && (indent === 0 || key === undefined || indent <= keyIndent)) {
        key = kv[1];
        keyIndent = indent;
        if (kv[2].trim()) take(kv[2].trim(), i + 1, true);
        continue;
      }
      if (key !== undefined && indent > keyIndent) take(l.trim(), i + 1, false);
    }
  },
};

/** Finds a bracketed literal ([...] or {...}) starting at `open`, honouring strings; returns its end index. */
function matchBracket(text: string, open: number): number {
  const pairs: Record<string, string> = { '[': ']', '{': '}', '(': ')' };
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const q = triple ? c.repeat(3) : c;
      let j = i + q.length;
      while (j < text.length && !text.startsWith(q, j)) j += text[j] === '\\' ? 2 : 1;
      i = j + q.length - 1;
      continue;
    }
    if (pairs[c]) stack.push(pairs[c]);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (!stack.length) return i;
    }
  }
  return -1;
}

const PY_STRING = /(?:[rRuUbB]{0,2})("([^"\\\n]|\\.)*"|'([^'\\\n]|\\.)*')/g;

export const setupPyParser: FileParser = {
  id: 'pypi-setup-py',
  matches: (_p, name) => name === 'setup.py',
  parse(input) {
    const text = input.text ?? '';
    const lines = new Lines(text);
    const literalAt = (start: number, scope: string) => {
      // start: index of '[' / '(' / '{'
      const end = matchBracket(text, start);
      if (end < 0) {
        input.problem(`unterminated ${scope} literal`, lines.lineAt(start));
        return;
      }
      const body = text.slice(start, end + 1);
      const isDict = text[start] === '{';
      PY_STRING.lastIndex = 0;
      let m: RegExpExecArray | null;
      let extra: string | undefined;
      while ((m = PY_STRING.exec(body))) {
        const value = m[1].slice(1, -1);
        const after = body.slice(m.index + m[0].length).trimStart();
        if (isDict && after.startsWith(':')) {
          extra = value;
          continue;
        }
        const r = parseRequirement(value);
        if (r) emitReq(input, lines, r, lines.lineAt(start + m.index), isDict ? `extra:${extra ?? ''}` : scope);
      }
    };
    for (const [kw, scope] of [['install_requires', 'install_requires'], ['extras_require', 'extras'], ['tests_require', 'tests'], ['setup_requires', 'setup']] as const) {
      const re = new RegExp(`\\b${kw}\\s*=\\s*`, 'g');
      let m: RegExpExecArray | null;
      while ((m = re.exec(text))) {
        const at = m.index + m[0].length;
        const c = text[at];
        if (c === '[' || c === '(' || c === '{') {
          literalAt(at, scope);
          continue;
        }
        // install_requires=REQUIRES → REQUIRES = [...] elsewhere in the file
        const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at));
        if (!ident) continue;
        const def = new RegExp(`^\\s*${escapeRe(ident[0])}\\s*=\\s*([\\[({])`, 'm').exec(text);
        if (def) literalAt(def.index + def[0].length - 1, scope);
      }
    }
  },
};

export const condaEnvParser: FileParser = {
  id: 'pypi-conda-environment',
  matches: (relPath, name) => /^(environment|conda[-_.]?env(ironment)?|env)[-_.\w]*\.ya?ml$/i.test(name) && !relPath.includes('.github/'),
  parse(input) {
    const text = input.text ?? '';
    const lines = new Lines(text);
    const y = parseYamlOrProblem(input, text);
    if (!y) return;
    const root = y.doc.contents;
    if (!isMap(root)) return;
    const deps = root.get('dependencies', true);
    if (!deps) return; // an unrelated env*.yml
    if (!isSeq(deps)) {
      input.problem('dependencies: expected a list', y.lineOf(deps));
      return;
    }
    for (const item of deps.items) {
      if (isScalar(item)) {
        const spec = String(item.value).trim();
        // conda match spec: [channel::]name[ version[ build]] or name=ver=build
        const m = /^(?:[\w.-]+::)?([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$/.exec(spec);
        if (!m || m[1] === 'python' || m[1] === 'pip') continue;
        const version = m[2].trim() || undefined;
        emitPackage(input, lines, {
          name: m[1],
          ecosystem: 'pypi',
          line: y.lineOf(item),
          version,
          scope: 'conda',
          direct: true,
          // conda package names usually, but not always, equal PyPI names
          confidence: 'inferred',
          attrs: { manager: 'conda' },
        });
      } else if (isMap(item)) {
        for (const p of item.items as Pair[]) {
          if (!isScalar(p.key) || p.key.value !== 'pip' || !isSeq(p.value)) continue;
          for (const pi of p.value.items) {
            if (!isScalar(pi)) continue;
            const s = String(pi.value).trim();
            if (/^-/.test(s) && !/^(-e|--editable)\b/.test(s)) continue;
            const r = parseRequirement(s);
            if (r) emitReq(input, lines, r, y.lineOf(pi), 'pip', { manager: 'pip' });
          }
        }
      }
    }
  },
};

export const pythonParsers: FileParser[] = [requirementsParser, pyprojectParser, pipfileParser, setupCfgParser, setupPyParser, condaEnvParser];
