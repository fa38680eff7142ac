/**
 * Pulumi programs: YAML (`Pulumi.yaml` `resources:` with `type:` tokens) and TypeScript /
 * JavaScript / Python code constructing provider resources (`new aws.sagemaker.Endpoint(…)` after
 * `import * as aws from "@pulumi/aws"`, `azure_native.cognitiveservices.Account(…)` after
 * `import pulumi_azure_native as azure_native`). Pulumi's bridged providers are generated from
 * the Terraform providers, so a token maps back to the Terraform type (`aws:sagemaker/endpoint:Endpoint`
 * → `aws_sagemaker_endpoint`); the native providers follow the cloud's own resource model
 * (`azure-native:cognitiveservices:Account` → `Microsoft.CognitiveServices/accounts`,
 * `aws-native:sagemaker:Endpoint` → the ARN token `sagemaker:endpoint`). Only types the rules know
 * are emitted; the token stays in `attrs.pulumiType`.
 */
import type { AttrValue } from '../../../../src/core/types.js';
import type { FileParser, ParseInput } from '../types.js';
import { lexCached } from './lex.js';
import { isMap, mapString, nodeOffset, parseStructured } from './structured.js';
import { Lines, extOf, safeSnippet } from './util.js';

const TF_PREFIX: Record<string, string> = { aws: 'aws', azure: 'azurerm', gcp: 'google' };

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
const kebab = (s: string) => snake(s).replace(/_/g, '-');

/** A Pulumi type token split into provider, module and resource name (`aws:bedrock/agentAgent:AgentAgent`). */
export function parsePulumiType(token: string): { provider: string; module: string; file?: string; name: string } | undefined {
  const m = /^([a-z][a-z0-9-]*):([A-Za-z0-9]+)(?:\/([A-Za-z0-9]+))?:([A-Za-z0-9]+)$/.exec(token.trim());
  return m ? { provider: m[1], module: m[2], file: m[3], name: m[4] } : undefined;
}

type Emit = { kind: 'iac-resource' | 'cloud-resource'; namespace: string; value: string };

/** What a Pulumi resource type is in the rules' terms (Terraform type, Azure type, AWS ARN token). */
export function pulumiToRuleType(provider: string, module: string, name: string, file?: string): Emit | undefined {
  const tf = TF_PREFIX[provider];
  if (tf) return { kind: 'iac-resource', namespace: 'terraform', value: `${tf}_${module.toLowerCase()}_${snake(file ?? name[0].toLowerCase() + name.slice(1))}` };
  if (provider === 'azure-native') return { kind: 'cloud-resource', namespace: 'azure', value: `Microsoft.${module}/${name[0].toLowerCase()}${name.slice(1)}s` };
  if (provider === 'aws-native') return { kind: 'cloud-resource', namespace: 'aws', value: `${module.toLowerCase()}:${kebab(name)}` };
  return undefined;
}

function known(input: ParseInput, e: Emit, kind: string | undefined): boolean {
  return e.kind === 'iac-resource' ? !!input.rules.matchIac(e.namespace, e.value, kind) : !!input.rules.matchCloudResource(e.namespace, e.value, kind);
}

function emitPulumi(input: ParseInput, token: string, e: Emit, kind: string | undefined, line: number, snippet: string, extra: Record<string, AttrValue> = {}): void {
  if (!known(input, e, kind)) return;
  const attrs: Record<string, AttrValue> = { tool: 'pulumi', pulumiType: token, ...extra };
  if (kind) attrs.kind = kind;
  input.emit({ kind: e.kind, value: e.value, namespace: e.namespace, signal: 'presence', confidence: 'declared', line, snippet: safeSnippet(snippet), attrs });
}

export const pulumiYamlParser: FileParser = {
  id: 'pulumi-yaml',
  matches: (_p, name) => /^Pulumi(\.[\w-]+)?\.ya?ml$/.test(name) || /^Main\.ya?ml$/.test(name),
  parse(input) {
    const text = input.text;
    if (!text || !/\bresources\s*:/.test(text)) return;
    const s = parseStructured(input.name, text);
    if (!s) return;
    const lines = new Lines(text);
    for (const doc of s.docs) {
      const resources = isMap(doc.contents) ? doc.contents.get('resources', true) : undefined;
      if (!isMap(resources)) continue;
      for (const it of resources.items) {
        const type = mapString(it.value, 'type');
        const p = type ? parsePulumiType(type) : undefined;
        const e = p ? pulumiToRuleType(p.provider, p.module, p.name, p.file) : undefined;
        if (!type || !e) continue;
        const props = isMap(it.value) ? it.value.get('properties', true) : undefined;
        const kind = mapString(props, 'kind');
        const line = lines.lineAt(nodeOffset(it.value));
        emitPulumi(input, type, e, kind, line, lines.line(line), { name: String((it.key as { value?: unknown })?.value ?? '') });
      }
    }
  },
};

const PKG_PROVIDER: Record<string, string> = { aws: 'aws', azure: 'azure', gcp: 'gcp', 'azure-native': 'azure-native', 'aws-native': 'aws-native', azure_native: 'azure-native', aws_native: 'aws-native' };

/** Aliases bound to Pulumi provider packages in a TS / JS / Python file. */
function providerAliases(code: string, python: boolean): Map<string, string> {
  const out = new Map<string, string>();
  const re = python
    ? /^[ \t]*import[ \t]+pulumi_(azure_native|aws_native|aws|azure|gcp)\b(?:[ \t]+as[ \t]+(\w+))?/gm
    : /import[ \t]+\*[ \t]+as[ \t]+(\w+)[ \t]+from[ \t]+["']@pulumi\/(aws|azure|gcp|azure-native|aws-native)["']|(?:const|let|var)[ \t]+(\w+)[ \t]*=[ \t]*require\(["']@pulumi\/(aws|azure|gcp|azure-native|aws-native)["']\)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(code))) {
    if (python) out.set(m[2] ?? `pulumi_${m[1]}`, PKG_PROVIDER[m[1]]);
    else out.set(m[1] ?? m[3], PKG_PROVIDER[m[2] ?? m[4]]);
  }
  return out;
}

export const pulumiCodeParser: FileParser = {
  id: 'pulumi-code',
  // the first test of parse (below)
  needs: ['pulumi'],
  matches: (_p, name) => ['.ts', '.js', '.mjs', '.cjs', '.py'].includes(extOf(name)),
  parse(input) {
    const text = input.text;
    if (!text || !text.includes('pulumi')) return;
    const python = extOf(input.name) === '.py';
    const code = lexCached(text, python ? 'python' : 'js').code;
    const aliases = providerAliases(code, python);
    if (!aliases.size) return;
    const lines = new Lines(text);
    for (const [alias, provider] of aliases) {
      const re = new RegExp(`\\b${alias}\\.(\\w+)\\.([A-Z]\\w*)\\s*\\(`, 'g');
      let m: RegExpExecArray | null;
      while ((m = re.exec(code))) {
        const [, module, name] = m;
        const e = pulumiToRuleType(provider, module, name);
        if (!e) continue;
        // kind: a literal in the constructor's arguments (`kind: "Acme"`, `kind="Acme"`)
        const args = code.slice(m.index, m.index + 2000);
        const kind = /\bkind\s*[:=]\s*["']([^"'\n]+)["']/.exec(args)?.[1];
        const token = provider.endsWith('-native') ? `${provider}:${module}:${name}` : `${provider}:${module}/…:${name}`;
        const line = lines.lineAt(m.index);
        emitPulumi(input, token, e, kind, line, lines.line(line));
      }
    }
  },
};
