/**
 * CycloneDX 1.6 AI-BOM of the inventory: AI services as `services[]` (provider, endpoints,
 * trust boundary, outbound data flows), model artifacts and cloud model deployments as
 * `machine-learning-model` components, other cloud AI resources as `platform` components, AI
 * SDK packages as `library` components with purls, and `dependencies[]` linking each to the
 * service it uses. Register facts travel in `properties` (shadowscan:* and airr:* names).
 */
import type { ItemRow } from '../register/register.js';
import { uuidFrom, isModelItem, type ExportData, type ExportFinding } from './data.js';

type Json = Record<string, unknown>;

const PURL_TYPES: Record<string, string> = { npm: 'npm', pypi: 'pypi', maven: 'maven', go: 'golang', nuget: 'nuget', cargo: 'cargo', rubygems: 'gem', composer: 'composer' };

function purl(ns: string, name: string, version?: string): string | undefined {
  const t = PURL_TYPES[ns];
  if (!t) return undefined;
  let path: string;
  if (t === 'npm' && name.startsWith('@')) path = `%40${name.slice(1)}`;
  else if (t === 'maven' && name.includes(':')) path = name.split(':').map(encodeURIComponent).join('/');
  else if (t === 'golang') path = name.split('/').map(encodeURIComponent).join('/');
  else path = encodeURIComponent(t === 'pypi' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name);
  const v = version && /^[\w.+-]+$/.test(version) ? `@${encodeURIComponent(version)}` : '';
  return `pkg:${t}/${path}${v}`;
}

const prop = (name: string, value: unknown) => ({ name, value: String(value) });

function itemProps(i: ItemRow, data: ExportData): Json[] {
  const r = data.risks.find((x) => x.itemId === i.id);
  const out = [
    prop('shadowscan:item-id', i.id),
    prop('shadowscan:status', i.status),
    prop('shadowscan:status-reason', i.statusReason),
    prop('shadowscan:category', i.category),
    prop('shadowscan:sources', i.sources.join(',')),
    prop('shadowscan:signals', i.signals.join(',')),
    prop('shadowscan:subjects', i.subjectCount),
    prop('shadowscan:first-detected', i.firstDetectedAt),
    prop('shadowscan:last-detected', i.lastDetectedAt),
  ];
  if (i.catalogEntry) out.push(prop('shadowscan:catalog-entry', i.catalogEntry));
  if (r) {
    out.push(prop('airr:risk-entry', r.id), prop('airr:risk-status', r.status), prop('airr:tier', r.tier), prop('airr:inherent-score', r.inherentScore), prop('airr:treatment', r.treatment));
    for (const ref of r.references) {
      if (ref.framework === 'ISO/IEC 42001 Annex A') out.push(prop('airr:iso42001', ref.id));
      else if (ref.framework === 'NIST AI RMF') out.push(prop('airr:nist-ai-rmf', ref.id));
      else if (ref.framework === 'EU AI Act') out.push(prop('airr:eu-ai-act', ref.id));
    }
  }
  return out;
}

function endpointsOf(service: string, data: ExportData, fs: ExportFinding[]): string[] {
  const set = new Set<string>();
  const svc = data.rules?.get(service);
  for (const u of svc?.match.apiBaseUrls ?? []) if (/^https?:\/\//.test(String(u))) set.add(String(u));
  for (const f of fs) if (f.kind === 'host') set.add(`https://${f.value}`);
  for (const f of fs) if (f.kind === 'url' && /^https?:\/\/[^\s]+$/.test(f.value)) set.add(f.value);
  return [...set].sort().slice(0, 50);
}

function classificationFor(i: ItemRow, data: ExportData): string {
  const a = data.catalog?.approved.find((x) => (x.id ?? x.service) === i.catalogEntry) ?? data.catalog?.approved.find((x) => x.service === i.service);
  if (i.status === 'sanctioned' && a?.conditions?.maxDataClassification) return a.conditions.maxDataClassification;
  return 'unclassified';
}

export function toCycloneDx(data: ExportData): Json {
  const root = 'shadowscan-ai-inventory';
  const services: Json[] = [];
  const components: Json[] = [];
  const deps = new Map<string, Set<string>>();
  const dep = (from: string, to: string) => (deps.get(from) ?? deps.set(from, new Set()).get(from)!).add(to);
  const serviceRef = (service: string) => `svc-${service}`;
  const libraries = new Map<string, Json>();
  const serial = uuidFrom(JSON.stringify([data.generatedAt, data.items.map((i) => [i.id, i.status, i.lastDetectedAt])]));

  for (const i of data.items) {
    const fs = data.findings.get(i.id) ?? [];
    if (i.kind === 'service') {
      const subjects = i.subjects.map((s) => `${s.kind}:${s.name ?? s.id}`);
      services.push({
        'bom-ref': i.id,
        provider: { name: i.vendor },
        group: i.vendor,
        name: i.name,
        description: `${i.category} — ${i.status}: ${i.statusReason}`,
        endpoints: endpointsOf(i.service, data, fs),
        authenticated: true,
        'x-trust-boundary': true,
        trustZone: 'external',
        data: [
          {
            name: `Data sent to ${i.name}`,
            flow: 'outbound',
            classification: classificationFor(i, data),
            description: `Prompts, files and API payloads from ${subjects.length} subject(s): ${subjects.slice(0, 10).join(', ')}${subjects.length > 10 ? ' …' : ''}${i.bytesOut !== undefined ? `; ${i.bytesOut} bytes observed outbound` : ''}`,
            source: [`urn:cdx:${serial}/1#${root}`],
          },
        ],
        properties: itemProps(i, data),
      });
      dep(root, i.id);
      // AI SDK packages that declare the use of this service.
      for (const f of fs) {
        if (f.kind !== 'package' || !f.namespace) continue;
        const ref = `pkg-${f.namespace}-${f.value}`;
        if (!libraries.has(ref)) {
          const version = typeof f.attrs?.version === 'string' ? f.attrs.version : undefined;
          const p = purl(f.namespace, f.value, version && /^\d/.test(version) ? version : undefined);
          libraries.set(ref, { type: 'library', 'bom-ref': ref, name: f.value, ...(version ? { version } : {}), ...(p ? { purl: p } : {}), properties: [prop('shadowscan:ecosystem', f.namespace), prop('shadowscan:service', f.service)] });
        }
        dep(ref, i.id);
        dep(root, ref);
      }
    } else {
      const model = isModelItem(i, fs);
      const svcItem = data.items.find((x) => x.kind === 'service' && x.service === i.service);
      const c: Json = {
        type: model ? 'machine-learning-model' : 'platform',
        'bom-ref': i.id,
        supplier: { name: i.vendor },
        group: i.vendor,
        name: i.artifact?.name ?? i.artifactKey ?? i.name,
        description: `${i.name} — ${i.status}: ${i.statusReason}`,
        properties: [...itemProps(i, data), ...(i.artifactType ? [prop('shadowscan:artifact-type', i.artifactType)] : []), ...(i.artifactKey ? [prop('shadowscan:artifact-key', i.artifactKey)] : [])],
      };
      if (model) c.modelCard = { 'bom-ref': `${i.id}-model-card`, considerations: { useCases: [`Found by shadowscan in ${i.sources.join(', ')}; runs on ${i.vendor} (${i.service})`] } };
      components.push(c);
      dep(root, i.id);
      if (svcItem) dep(i.id, svcItem.id);
    }
  }
  components.push(...[...libraries.values()].sort((a, b) => String(a['bom-ref']).localeCompare(String(b['bom-ref']))));
  const known = new Set<string>([root, ...services.map((s) => s['bom-ref'] as string), ...components.map((c) => c['bom-ref'] as string)]);
  const dependencies = [...deps.entries()]
    .filter(([k]) => known.has(k))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ref, to]) => ({ ref, dependsOn: [...to].filter((t) => known.has(t)).sort() }));

  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${serial}`,
    version: 1,
    metadata: {
      timestamp: data.generatedAt,
      lifecycles: [{ phase: 'operations' }],
      tools: { components: [{ type: 'application', name: data.tool.name, version: data.tool.version, 'bom-ref': 'tool-shadowscan' }] },
      component: { type: 'application', 'bom-ref': root, name: `${data.organisation ?? 'Organisation'} AI inventory`, description: 'AI services, models and AI SDKs in use, reconciled against the sanctioned AI catalog.' },
      ...(data.organisation ? { supplier: { name: data.organisation } } : {}),
      properties: [prop('shadowscan:items', data.items.length), ...(data.lastRun ? [prop('shadowscan:last-run', data.lastRun.id), prop('shadowscan:last-run-status', data.lastRun.status)] : [])],
    },
    components,
    services,
    dependencies,
  };
}

/** Validates with the CycloneDX project's own JSON (strict) validator; returns the errors or null. */
export async function validateCycloneDx(json: string): Promise<unknown> {
  const { Validation, Spec } = await import('@cyclonedx/cyclonedx-library');
  const v = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
  return v.validate(json);
}
