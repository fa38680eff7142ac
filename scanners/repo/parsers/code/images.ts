/**
 * Container images the rules know (RuleIndex.matchImage): Dockerfile `FROM` (multi-stage,
 * `--platform`, `${ARG}` substituted from ARG defaults) and `COPY --from=<image>`, and YAML
 * `image:` values (compose, Kubernetes, CI, Helm values with `repository` / `tag` / `registry`).
 */
import type { AttrValue } from '../../../../src/core/types.js';
import type { FileParser, ParseInput } from '../types.js';
import { isDockerfileName } from './env-vars.js';
import { isMap, isScalar, mapString, nodeOffset, parseStructured, walk } from './structured.js';
import { pipPackages } from './notebook.js';
import { Lines, safeSnippet } from './util.js';

function emitImage(input: ParseInput, ref: string, line: number | undefined, snippet: string, attrs?: Record<string, AttrValue>): boolean {
  if (!ref || !input.rules.matchImage(ref)) return false;
  input.emit({ kind: 'container-image', value: ref, signal: 'presence', confidence: 'declared', line, snippet: safeSnippet(snippet), attrs });
  return true;
}

function substitute(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\{([A-Za-z_]\w*)(?:(:?[-+])([^}]*))?\}|\$([A-Za-z_]\w*)/g, (all, a: string | undefined, op: string | undefined, word: string | undefined, b: string | undefined) => {
    const v = vars.get(a ?? b!);
    if (op?.includes('+')) return v ? (word ?? '') : '';
    if (v !== undefined && (v !== '' || !op?.startsWith(':'))) return v;
    if (op?.includes('-')) return word ?? '';
    return all;
  });
}

const PIP_INSTALL_RE = /(?:^|\s)(?:python[\d.]*\s+-m\s+)?(?:pip3?|uv\s+pip)\s+install\s+(.*)$/;

export const dockerfileParser: FileParser = {
  id: 'dockerfile-images',
  matches(_relPath, name) {
    return isDockerfileName(name);
  },
  parse(input) {
    const text = input.text;
    if (!text) return;
    const lines = new Lines(text);
    const vars = new Map<string, string>();
    const stages = new Set<string>();
    // join continuation lines, keep the first line number
    let buf = '';
    let bufLine = 0;
    const instructions: Array<{ line: number; text: string }> = [];
    for (let n = 1; n <= lines.count; n++) {
      const raw = lines.line(n);
      if (!buf && /^\s*#/.test(raw)) continue;
      if (buf && /^\s*#/.test(raw)) continue; // comments inside continuations
      if (!buf) bufLine = n;
      if (/\\\s*$/.test(raw)) {
        buf += raw.replace(/\\\s*$/, ' ');
        continue;
      }
      buf += raw;
      if (buf.trim()) instructions.push({ line: bufLine, text: buf.trim() });
      buf = '';
    }
    if (buf.trim()) instructions.push({ line: bufLine, text: buf.trim() });
    for (const ins of instructions) {
      const m = /^(\w+)\s+(.*)$/.exec(ins.text);
      if (!m) continue;
      const op = m[1].toUpperCase();
      const rest = m[2];
      if (op === 'ARG') {
        for (const part of rest.split(/\s+/)) {
          const a = /^([A-Za-z_]\w*)(?:=(.*))?$/.exec(part);
          if (a && a[2] !== undefined && !vars.has(a[1])) vars.set(a[1], a[2].replace(/^["']|["']$/g, ''));
        }
      } else if (op === 'FROM') {
        const toks = rest.split(/\s+/).filter((t) => !t.startsWith('--'));
        const image = toks[0];
        if (!image) continue;
        const asIdx = toks.findIndex((t) => t.toLowerCase() === 'as');
        const resolved = substitute(image, vars);
        const isStage = stages.has(resolved.toLowerCase());
        if (asIdx > 0 && toks[asIdx + 1]) stages.add(toks[asIdx + 1].toLowerCase());
        if (isStage || resolved.toLowerCase() === 'scratch') continue;
        emitImage(input, resolved, ins.line, lines.line(ins.line), resolved !== image ? { written: image } : undefined);
      } else if (op === 'RUN') {
        // `pip install x` in a build step declares a Python dependency as much as requirements.txt
        for (const seg of rest.split(/&&|\|\||;|\|/)) {
          const pm = PIP_INSTALL_RE.exec(seg);
          if (!pm) continue;
          for (const pkg of pipPackages(pm[1])) {
            if (!input.rules.matchPackage('pypi', pkg)) continue;
            input.emit({ kind: 'package', namespace: 'pypi', value: pkg, signal: 'presence', confidence: 'declared', line: ins.line, snippet: safeSnippet(lines.line(ins.line)), attrs: { via: 'pip-install', direct: true } });
          }
        }
      } else if (op === 'COPY' || op === 'ADD') {
        const f = /--from=(\S+)/.exec(rest);
        if (!f) continue;
        const ref = substitute(f[1], vars);
        if (stages.has(ref.toLowerCase()) || /^\d+$/.test(ref)) continue;
        emitImage(input, ref, ins.line, lines.line(ins.line), { via: 'copy-from' });
      }
    }
  },
};

const IMAGE_LINE_RE = /^[ \t]*(?:-[ \t]*)?image:[ \t]*["']?([^\s"'#{}]+)["']?/gm;

export const yamlImagesParser: FileParser = {
  id: 'yaml-images',
  anchored: ['images'],
  structured: true,
  matches(_relPath, name) {
    const l = name.toLowerCase();
    return l.endsWith('.yaml') || l.endsWith('.yml');
  },
  parse(input) {
    const text = input.text;
    if (!text || !/image|repository/i.test(text)) return;
    const lines = new Lines(text);
    const s = parseStructured(input.name, text);
    const seen = new Set<string>();
    const emit = (ref: string, offset: number, attrs?: Record<string, AttrValue>) => {
      const line = lines.lineAt(offset);
      const k = `${ref}\0${line}`;
      if (seen.has(k)) return;
      seen.add(k);
      emitImage(input, ref, line, lines.line(line), attrs);
    };
    if (!s || (s.error && !s.docs.length)) {
      // templated YAML (Helm charts): line-based
      IMAGE_LINE_RE.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = IMAGE_LINE_RE.exec(text))) emit(m[1], m.index);
      return;
    }
    for (const doc of s.docs) {
      walk(doc.contents, (node, key) => {
        if (key === 'image' && isScalar(node) && typeof node.value === 'string') {
          emit(node.value.trim(), nodeOffset(node));
          return;
        }
        if (!isMap(node)) return;
        // GitLab CI image: { name: … }; Helm values: { registry, repository, tag }
        if (key === 'image') {
          const name = mapString(node, 'name');
          if (name) emit(name, nodeOffset(node.get('name', true)));
        }
        const repo = mapString(node, 'repository');
        if (repo && (key === 'image' || node.has('tag') || node.has('digest') || /image/i.test(key ?? ''))) {
          const registry = mapString(node, 'registry');
          const tag = mapString(node, 'tag');
          const full = `${registry && !repo.startsWith(registry) ? registry.replace(/\/+$/, '') + '/' : ''}${repo}${tag ? ':' + tag : ''}`;
          emit(full, nodeOffset(node.get('repository', true)), { via: 'repository' });
        }
      });
    }
  },
};
