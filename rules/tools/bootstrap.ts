/**
 * One-shot bootstrap of rules/services/*.yaml from ../shared/reference/ai-services.json plus the
 * hand-curated overlay (overlay.ts). The YAML files are the product: once written they are edited
 * directly, so this tool refuses to overwrite an existing file unless given --force.
 *
 *   node bin/run-ts.mjs rules/tools/bootstrap.ts [--force] [--reference PATH] [id …]
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { overlays, extras, type Overlay } from './overlay.js';

const here = dirname(fileURLToPath(import.meta.url));
const servicesDir = resolve(here, '../services');

type Eco = 'npm' | 'pypi' | 'maven' | 'go' | 'nuget' | 'cargo' | 'rubygems';
interface RefService {
  id: string;
  name: string;
  vendor: string;
  category: string;
  domains: string[];
  apiBaseUrls: string[];
  packages: Record<Eco, string[]>;
  envVars: string[];
  keyPrefixes: string[];
  sources: string[];
  unverified: string[];
  notes?: string;
}

function domainRule(d: NonNullable<Overlay['domains']>[number]): Record<string, unknown> {
  if (typeof d !== 'string') return { ...d };
  if (d.startsWith('.')) return { suffix: d.slice(1) };
  if (d.includes('{')) return { template: d };
  return { host: d };
}

function uniq<T>(a: T[]): T[] {
  return [...new Set(a)];
}

function build(ref: RefService | undefined, o: Overlay & { id?: string; name?: string; vendor?: string; category?: string; packages?: Partial<Record<Eco, string[]>> }, id: string): Record<string, unknown> {
  const packages: Partial<Record<Eco, string[]>> = {};
  const drop = new Set(o.dropPackages ?? []);
  for (const eco of ['npm', 'pypi', 'maven', 'go', 'nuget', 'cargo', 'rubygems'] as Eco[]) {
    const names = uniq([...(ref?.packages[eco] ?? []), ...(o.packages?.[eco] ?? []), ...(o.addPackages?.[eco] ?? [])].filter((n) => !drop.has(n)));
    if (names.length) packages[eco] = names;
  }
  const imports: Record<string, string[]> = {};
  if (o.pyImports?.length) imports.python = o.pyImports;
  for (const [lang, mods] of Object.entries(o.imports ?? {})) if (mods?.length) imports[lang] = mods;
  const dropEnv = new Set(o.dropEnv ?? []);
  const envVars = uniq([...(ref?.envVars ?? []), ...(o.envVars ?? [])].filter((v) => !dropEnv.has(v)));
  const domains = (o.domains ?? ref?.domains ?? []).map(domainRule);
  const apiBaseUrls = o.apiBaseUrls ?? ref?.apiBaseUrls ?? [];

  const match: Record<string, unknown> = {};
  if (domains.length) match.domains = domains;
  if (apiBaseUrls.length) match.apiBaseUrls = apiBaseUrls;
  if (Object.keys(packages).length) match.packages = packages;
  if (Object.keys(imports).length) match.imports = imports;
  if (envVars.length) match.envVars = envVars;
  if (o.credentials?.length) match.credentials = o.credentials;
  const cloud: Record<string, unknown> = {};
  if (o.aws) cloud.aws = o.aws;
  if (o.azure) cloud.azure = o.azure;
  if (o.gcp) cloud.gcp = o.gcp;
  if (Object.keys(cloud).length) match.cloud = cloud;
  if (o.appNames?.length) match.saas = { appNames: o.appNames };
  if (o.images?.length) match.images = o.images;
  if (o.terraform?.length) match.iac = { terraform: o.terraform };
  if (o.agentConfigs?.length) match.agentConfigs = o.agentConfigs;
  if (o.modelFormats?.length) match.modelFormats = o.modelFormats;

  const verified = o.verified ?? [];
  const isVerified = (u: string) => verified.some((v) => u === v || u.startsWith(`${v}:`));
  const unverified = uniq([...(ref?.unverified ?? []).filter((u) => !isVerified(u)), ...(o.unverified ?? [])]);
  const references = uniq([
    ...(ref?.sources ?? []).map((s) => (s === 'npm / PyPI package name exists' ? 'npm / PyPI registries (package names exist)' : s)),
    ...(o.references ?? []),
  ]);

  const out: Record<string, unknown> = {
    id,
    name: o.name ?? ref?.name,
    vendor: o.vendor ?? ref?.vendor,
    category: o.category ?? ref?.category,
  };
  if (o.status && o.status !== 'active') out.status = o.status;
  if (o.description) out.description = o.description;
  out.references = references.length ? references : ['ai-services.json reference list (analyst knowledge; not checked against a source: see unverified)'];
  out.risk = { trainsOnCustomerData: 'unknown', retention: 'unknown', enterpriseTerms: 'unknown', hosting: 'saas', ...(o.risk ?? {}) };
  out.match = match;
  out.unverified = unverified;
  return out;
}

const args = process.argv.slice(2);
const force = args.includes('--force');
const refIdx = args.indexOf('--reference');
const refPath = refIdx >= 0 ? args[refIdx + 1] : resolve(here, '../../../shared/reference/ai-services.json');
const only = args.filter((a, i) => !a.startsWith('--') && (refIdx < 0 || i !== refIdx + 1));
const reference: RefService[] = JSON.parse(readFileSync(refPath, 'utf8'));
mkdirSync(servicesDir, { recursive: true });

let written = 0;
let skipped = 0;
const jobs: Array<[string, Record<string, unknown>]> = [
  ...reference.map((r) => [r.id, build(r, overlays[r.id] ?? {}, r.id)] as [string, Record<string, unknown>]),
  ...extras.map((e) => [e.id, build(undefined, e, e.id)] as [string, Record<string, unknown>]),
];
for (const id of Object.keys(overlays)) if (!reference.some((r) => r.id === id)) console.warn(`overlay for unknown id ${id}`);
for (const [id, doc] of jobs) {
  if (only.length && !only.includes(id)) continue;
  const file = join(servicesDir, `${id}.yaml`);
  if (existsSync(file) && !force) {
    skipped++;
    continue;
  }
  // yes / no are quoted so YAML 1.1 tools (some editors) do not read them as booleans
  const body = stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }).replace(/^(\s+(?:trainsOnCustomerData|enterpriseTerms)): (yes|no)$/gm, '$1: "$2"');
  const text = `# yaml-language-server: $schema=../schema/service.schema.json\n${body}`;
  writeFileSync(file, text);
  written++;
}
console.log(`wrote ${written}, kept ${skipped} existing (use --force to overwrite)`);
