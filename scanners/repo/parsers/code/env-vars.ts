/**
 * Environment variables a rule knows (RuleIndex.matchEnvVar), read in code or set in config:
 * `.env*` files, YAML / JSON config (compose `environment:` list and map forms, Kubernetes
 * `env: - name:`, CI workflow `env:` / `variables:` blocks, `${{ secrets.X }}` references),
 * TOML tables, Dockerfile ENV / ARG. Values are never shown: snippets read `NAME=***`.
 */
import type { FileParser, ParseInput } from '../types.js';
import { emitHits } from './emit.js';
import { lexCached } from './lex.js';
import { envReads, lexSource, sourceLangOf, type Hit } from './languages.js';
import { isMap, isScalar, isSeq, mapString, nodeOffset, parseStructured, walk } from './structured.js';
import { Lines, extOf } from './util.js';

export const sourceEnvVarsParser: FileParser = {
  id: 'source-env-vars',
  anchored: ['env-vars'],
  matches(_relPath, name) {
    return sourceLangOf(name) !== undefined;
  },
  parse(input) {
    const text = input.text;
    if (!text) return;
    const lang = sourceLangOf(input.name)!;
    emitHits(input, envReads(lexSource(text, lang), lang, input.rules), new Lines(text));
  },
};

export function isDotenvName(name: string): boolean {
  const l = name.toLowerCase();
  return l === '.env' || l.startsWith('.env.') || l.endsWith('.env') || l === '.envrc' || l === 'env.example' || l === 'env.sample';
}

export function isDockerfileName(name: string): boolean {
  const l = name.toLowerCase();
  return l === 'dockerfile' || l.startsWith('dockerfile.') || l.endsWith('.dockerfile') || l === 'containerfile' || l.startsWith('containerfile.');
}

const ENV_KEYS = /^(env|envs|environment|env_?vars|env_?variables|environment_?variables|environmentvariables|variables|vars|containerenv|remoteenv|extraenv|extraenvvars|secrets|env_from_secrets|secretenv)$/i;
const REF_RE = /\$\{\{\s*(secrets|env|vars)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?+=-][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function refsIn(value: string, base: number, add: (name: string, offset: number, via: string, snippet?: string) => void): void {
  REF_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = REF_RE.exec(value))) {
    const name = m[2] ?? m[3] ?? m[4] ?? m[5];
    const via = m[1] ? m[1] : 'reference';
    add(name, base + m.index, via, m[1] ? `\${{ ${m[1]}.${name} }}` : `\${${name}}`);
  }
}

function declSnippet(name: string, sep = '='): string {
  return `${name}${sep}***`;
}

/** YAML / JSON: keys, `name:` entries of env lists, `NAME=value` list items, `${…}` references. */
function structuredEnv(input: ParseInput, text: string, add: (name: string, offset: number, via: string, snippet?: string, confidence?: 'declared' | 'inferred') => void): boolean {
  const s = parseStructured(input.name, text);
  if (!s || (s.error && !s.docs.length)) return false;
  for (const doc of s.docs) {
    walk(doc.contents, (node, key, parent) => {
      if (isMap(node)) {
        for (const it of node.items) {
          const k = isScalar(it.key) ? String(it.key.value) : undefined;
          if (k && NAME_RE.test(k) && !ENV_KEYS.test(k)) add(k, nodeOffset(it.key), 'key', declSnippet(k, ': '));
        }
        // Kubernetes / ECS style: { name: X, value | valueFrom }
        const n = mapString(node, 'name');
        if (n && NAME_RE.test(n) && (node.has('value') || node.has('valueFrom') || (key !== undefined && ENV_KEYS.test(key)))) add(n, nodeOffset(node.get('name', true)), 'name', `name: ${n}`);
      } else if (isSeq(node) && key !== undefined && ENV_KEYS.test(key)) {
        for (const item of node.items) {
          if (!isScalar(item) || typeof item.value !== 'string') continue;
          const m = /^([A-Za-z_][A-Za-z0-9_]*)(=|$)/.exec(item.value);
          if (m) add(m[1], nodeOffset(item), 'list', m[2] ? declSnippet(m[1]) : m[1]);
        }
      } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
        refsIn(node.value, nodeOffset(node), (nm, _o, via, snip) => add(nm, nodeOffset(node), via, snip, 'inferred'));
      }
      void parent;
    });
  }
  return true;
}

const LINE_KEY_RE = /^[ \t]*(?:-[ \t]*)?(?:export[ \t]+|ENV[ \t]+|ARG[ \t]+|name:[ \t]*)?["']?([A-Za-z_][A-Za-z0-9_]*)["']?[ \t]*(=|:|[ \t]|$)/gm;
const INLINE_KEY_RE = /[{,][ \t]*["']?([A-Za-z_][A-Za-z0-9_]*)["']?[ \t]*=/g;

export const configEnvVarsParser: FileParser = {
  id: 'config-env-vars',
  anchored: ['env-vars'],
  structured: true,
  matches(_relPath, name) {
    const e = extOf(name);
    return isDotenvName(name) || isDockerfileName(name) || e === '.yaml' || e === '.yml' || e === '.json' || e === '.jsonc' || e === '.toml';
  },
  parse(input) {
    const text = input.text;
    if (!text) return;
    const rules = input.rules;
    const lines = new Lines(text);
    const hits: Hit[] = [];
    const add = (name: string, offset: number, via: string, snippet?: string, confidence: 'declared' | 'inferred' = 'declared') => {
      if (!rules.matchEnvVar(name)) return;
      hits.push({ kind: 'env-var', value: name, offset, confidence, attrs: { via }, snippet });
    };
    const e = extOf(input.name);
    const docker = isDockerfileName(input.name);
    if (isDotenvName(input.name) || docker || e === '.toml' || !structuredEnv(input, text, add)) {
      // line-based: KEY=value, export KEY=…, ENV KEY value, KEY: value, - name: KEY; then references
      const code = lexCached(text, 'hash').code;
      LINE_KEY_RE.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = LINE_KEY_RE.exec(code))) {
        const lineText = lines.line(lines.lineAt(m.index));
        if (docker && !/^\s*(ENV|ARG)\b/i.test(lineText)) continue;
        const after = code.slice(m.index + m[0].indexOf(m[1]) + m[1].length).trimStart();
        const sep = after.startsWith('=') ? '=' : after.startsWith(':') ? ': ' : ' ';
        add(m[1], m.index + m[0].indexOf(m[1]), docker ? 'dockerfile' : 'key', /name:/.test(m[0]) ? `name: ${m[1]}` : declSnippet(m[1], sep));
      }
      if (docker) {
        // ENV A=1 B=2 (several on one line)
        const re = /^[ \t]*ENV[ \t]+(.+)$/gim;
        while ((m = re.exec(code))) {
          const kv = /([A-Za-z_][A-Za-z0-9_]*)=/g;
          let k: RegExpExecArray | null;
          while ((k = kv.exec(m[1]))) add(k[1], m.index + m[0].indexOf(m[1]) + k.index, 'dockerfile', declSnippet(k[1]));
        }
      }
      if (e === '.toml') {
        INLINE_KEY_RE.lastIndex = 0;
        while ((m = INLINE_KEY_RE.exec(code))) add(m[1], m.index + m[0].indexOf(m[1]), 'key', declSnippet(m[1]));
      }
      // references in values
      for (let n = 1; n <= lines.count; n++) {
        const l = lines.line(n);
        if (!l.includes('$')) continue;
        const off = lines.start(n);
        const codeLine = code.slice(off, off + l.length);
        refsIn(codeLine, off, (nm, o, via, snip) => add(nm, o, via, snip, 'inferred'));
      }
    }
    emitHits(input, hits, lines);
  },
};


/**
 * Spring Boot configuration (`application*.properties`, `application*.yml`, `bootstrap*`): a
 * property is the environment variable Spring's relaxed binding maps it to (`spring.ai.x.api-key`
 * ↔ `SPRING_AI_X_APIKEY`: dots to `_`, dashes dropped, upper-case), so the rules' variable names
 * and prefixes recognise the configuration whichever way it is written. Values are never shown.
 */
export function springEnvName(property: string): string {
  return property.replace(/\[(\d+)\]/g, '_$1').replace(/-/g, '').replace(/\./g, '_').toUpperCase();
}

export const springConfigParser: FileParser = {
  id: 'spring-config',
  matches(_relPath, name) {
    return /^(application|bootstrap)([-.][\w-]+)?\.(properties|ya?ml)$/.test(name);
  },
  parse(input) {
    const text = input.text;
    if (!text) return;
    const hits: Hit[] = [];
    const add = (property: string, offset: number) => {
      const env = springEnvName(property);
      if (NAME_RE.test(env) && input.rules.matchEnvVar(env)) hits.push({ kind: 'env-var', value: env, offset, confidence: 'declared', attrs: { via: 'spring-property', property }, redactAssignment: true });
    };
    if (input.name.endsWith('.properties')) {
      const re = /^[ \t]*([A-Za-z][\w.\-[\]]*)[ \t]*[=:]/gm;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text))) add(m[1], m.index);
    } else {
      const s = parseStructured(input.name, text);
      for (const doc of s?.docs ?? []) {
        const visit = (node: unknown, path: string[]) => {
          if (!isMap(node) || path.length > 12) return;
          for (const it of node.items) {
            if (!isScalar(it.key)) continue;
            const p = [...path, String(it.key.value)];
            if (isMap(it.value)) visit(it.value, p);
            else add(p.join('.'), nodeOffset(it.key));
          }
        };
        visit(doc.contents, []);
      }
    }
    emitHits(input, hits, new Lines(text));
  },
};
