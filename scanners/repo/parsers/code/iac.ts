/**
 * Infrastructure as code: Terraform `resource` / `data` blocks (iac-resource, terraform),
 * Bicep resources and ARM templates (cloud-resource, azure, with the `kind`), CloudFormation /
 * SAM `Type: AWS::…` resources (iac-resource, cloudformation). Only types the rules know are
 * emitted (matchIac; for Azure matchCloudResource; for CloudFormation matchIac or the
 * equivalent AWS `service:resource-type` token through matchCloudResource).
 */
import type { AttrValue } from '../../../../src/core/types.js';
import type { RuleIndex } from '../../../../src/rules/compile.js';
import type { FileParser, ParseInput } from '../types.js';
import { lexCached } from './lex.js';
import { isMap, isScalar, keyOffset, mapString, nodeOffset, parseStructured, walk } from './structured.js';
import { Lines, extOf, safeSnippet } from './util.js';

function matchingBrace(bare: string, open: number): number {
  let depth = 0;
  for (let i = open; i < bare.length; i++) {
    const c = bare[i];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return bare.length;
}

/**
 * A top-level attribute of a block body (depth 1 only): a quoted literal, or — followed one level —
 * a reference whose value `resolveRef` finds (a Bicep `param` default / `var`, a Terraform
 * `var.x` default or `local.x`).
 */
function bodyAttr(code: string, bare: string, from: number, to: number, attr: string, sep: '=' | ':', resolveRef?: (ref: string) => string | undefined): string | undefined {
  let depth = 0;
  const re = new RegExp(`^[ \\t]*${attr}[ \\t]*${sep}[ \\t]*(?:["']([^"'\\n]*)["']|([A-Za-z_][\\w.]*)[ \\t]*$)`, 'gm');
  re.lastIndex = from;
  let m: RegExpExecArray | null;
  let scanned = from;
  while ((m = re.exec(code)) && m.index < to) {
    for (; scanned < m.index; scanned++) {
      const c = bare[scanned];
      if (c === '{' || c === '[' || c === '(') depth++;
      else if (c === '}' || c === ']' || c === ')') depth--;
    }
    if (depth === 1) return m[1] ?? (m[2] && resolveRef ? resolveRef(m[2]) : undefined);
  }
  return undefined;
}

/** Bicep `param name type = 'value'` / `var name = 'value'` (the default, one level). */
function bicepRef(code: string): (ref: string) => string | undefined {
  return (ref) => {
    if (!/^[A-Za-z_]\w*$/.test(ref)) return undefined;
    const m = new RegExp(`^[ \\t]*(?:param[ \\t]+${ref}[ \\t]+[A-Za-z_]\\w*|var[ \\t]+${ref})[ \\t]*=[ \\t]*'([^'\\n]*)'`, 'm').exec(code);
    return m?.[1];
  };
}

/** Terraform `var.x` → the `default` of `variable "x"` in the same file; `local.x` → `x = "…"` in a `locals` block. */
function terraformRef(code: string, bare: string): (ref: string) => string | undefined {
  return (ref) => {
    const v = /^var\.([A-Za-z_][\w-]*)$/.exec(ref);
    if (v) {
      const b = new RegExp(`^[ \\t]*variable[ \\t]+"${v[1]}"[ \\t]*\\{`, 'm').exec(code);
      if (!b) return undefined;
      const open = b.index + b[0].length - 1;
      return bodyAttr(code, bare, open, matchingBrace(bare, open), 'default', '=');
    }
    const l = /^local\.([A-Za-z_][\w-]*)$/.exec(ref);
    if (!l) return undefined;
    const re = /^[ \t]*locals[ \t]*\{/gm;
    let b: RegExpExecArray | null;
    while ((b = re.exec(code))) {
      const open = b.index + b[0].length - 1;
      const found = bodyAttr(code, bare, open, matchingBrace(bare, open), l[1], '=');
      if (found !== undefined) return found;
    }
    return undefined;
  };
}

const TF_RE = /^[ \t]*(resource|data)[ \t]+"([^"\n]+)"[ \t]+"([^"\n]+)"[ \t]*\{/gm;

export const terraformParser: FileParser = {
  id: 'terraform',
  matches(_relPath, name) {
    return extOf(name) === '.tf';
  },
  parse(input) {
    const text = input.text;
    if (!text) return;
    const lx = lexCached(text, 'hcl');
    const bare = lx.bare;
    const lines = new Lines(text);
    TF_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = TF_RE.exec(lx.code))) {
      const [, block, type, name] = m;
      if (!input.rules.matchIac('terraform', type)) continue;
      const open = m.index + m[0].length - 1;
      const close = matchingBrace(bare, open);
      const attrs: Record<string, AttrValue> = { name, block };
      const kind = bodyAttr(lx.code, bare, open, close, 'kind', '=', terraformRef(lx.code, bare));
      if (kind) attrs.kind = kind;
      const line = lines.lineAt(m.index);
      input.emit({ kind: 'iac-resource', value: type, namespace: 'terraform', signal: 'presence', confidence: 'declared', line, snippet: safeSnippet(lines.line(line)), attrs });
    }
  },
};

const BICEP_RE = /^[ \t]*resource[ \t]+([A-Za-z_]\w*)[ \t]+'([^'@\n]+)@([^'\n]+)'[ \t]+(?:existing[ \t]*)?=[ \t]*(?:if[ \t]*\([^)]*\)[ \t]*|\[[^\]]*:[ \t]*)?\{/gm;

function emitAzure(input: ParseInput, type: string, kind: string | undefined, line: number, snippet: string, attrs: Record<string, AttrValue>): void {
  if (!input.rules.matchCloudResource('azure', type, kind)) return;
  if (kind) attrs.kind = kind;
  input.emit({ kind: 'cloud-resource', value: type, namespace: 'azure', signal: 'presence', confidence: 'declared', line, snippet: safeSnippet(snippet), attrs });
}

export const bicepParser: FileParser = {
  id: 'bicep',
  matches(_relPath, name) {
    return extOf(name) === '.bicep';
  },
  parse(input) {
    const text = input.text;
    if (!text) return;
    const lx = lexCached(text, 'jsonc');
    const lines = new Lines(text);
    BICEP_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = BICEP_RE.exec(lx.code))) {
      const [, sym, type, apiVersion] = m;
      if (!type.includes('/')) continue; // nested child with a relative type
      const open = m.index + m[0].length - 1;
      const close = matchingBrace(lx.bare, open);
      const kind = bodyAttr(lx.code, lx.bare, open, close, 'kind', ':', bicepRef(lx.code));
      const line = lines.lineAt(m.index);
      emitAzure(input, type, kind, line, lines.line(line), { name: sym, apiVersion, tool: 'bicep', existing: /\bexisting\b/.test(m[0]) });
    }
  },
};

/** ARM templates (JSON) and CloudFormation / SAM templates (YAML or JSON). */
export const templateParser: FileParser = {
  id: 'iac-templates',
  // the first tests of parse: an ARM template names a `Microsoft.` type, a CloudFormation one an `AWS::` type
  needs: ['Microsoft.', 'AWS::'],
  matches(_relPath, name) {
    const e = extOf(name);
    return e === '.json' || e === '.yaml' || e === '.yml' || e === '.template';
  },
  parse(input) {
    const text = input.text;
    if (!text) return;
    const arm = /Microsoft\.[A-Za-z]+\/[A-Za-z]/.test(text) && /"resources"\s*:/.test(text);
    const cfn = /AWS::[A-Za-z0-9]+::[A-Za-z0-9]/.test(text);
    if (!arm && !cfn) return;
    const s = parseStructured(extOf(input.name) === '.template' ? input.name + '.yaml' : input.name, text);
    if (!s || (s.error && !s.docs.length)) return; // other parsers report malformed files
    const lines = new Lines(text);
    for (const doc of s.docs) {
      if (arm) {
        walk(doc.contents, (node) => {
          const type = mapString(node, 'type');
          if (!type || !/^Microsoft\.[\w.]+\/[\w./]+$/i.test(type)) return;
          const line = lines.lineAt(keyOffset(node, 'type') ?? nodeOffset(node));
          const attrs: Record<string, AttrValue> = { tool: 'arm' };
          const name = mapString(node, 'name');
          if (name) attrs.name = name;
          const api = mapString(node, 'apiVersion');
          if (api) attrs.apiVersion = api;
          emitAzure(input, type, mapString(node, 'kind'), line, lines.line(line), attrs);
        });
      }
      if (cfn) {
        const resources = isMap(doc.contents) ? doc.contents.get('Resources', true) : undefined;
        if (!isMap(resources)) continue;
        for (const it of resources.items) {
          const id = isScalar(it.key) ? String(it.key.value) : undefined;
          const type = mapString(it.value, 'Type');
          if (!id || !type || !/^AWS::/.test(type)) continue;
          const token = cfnToAwsToken(type);
          if (!cfnKnown(input.rules, type, token)) continue;
          const line = lines.lineAt(keyOffset(it.value, 'Type') ?? nodeOffset(it.value));
          input.emit({ kind: 'iac-resource', value: type, namespace: 'cloudformation', signal: 'presence', confidence: 'declared', line, snippet: safeSnippet(lines.line(line)), attrs: { logicalId: id, awsType: token } });
        }
      }
    }
  },
};

/** AWS::Svc::NotebookInstance → svc:notebook-instance (the ARN resource-type token). */
export function cfnToAwsToken(type: string): string {
  const [, svc = '', res = ''] = type.split('::');
  const kebab = res.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();
  return `${svc.toLowerCase()}:${kebab}`;
}

function cfnKnown(rules: RuleIndex, type: string, token: string): boolean {
  return !!(rules.matchIac('cloudformation', type) || rules.matchCloudResource('aws', token));
}
