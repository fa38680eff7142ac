/**
 * OCSF 1.8.0 JSON lines for SIEM ingestion:
 * - one Detection Finding (class 2004, category 2 Findings) per inventory item that needs
 *   intake (unsanctioned, declined-but-in-use, approval-expired, out-of-scope), activity 1 Create;
 * - one Cloud Resources Inventory Info (class 5023, category 5 Discovery) per inventory item —
 *   the OCSF class for SaaS and cloud assets (OCSF has no application-inventory class; 5020
 *   Software Inventory Info requires a `device`, which a SaaS AI service does not have),
 *   activity 2 Collect.
 * Field requirements: see ocsf-validate.ts.
 */
import type { ItemRow } from '../register/register.js';
import type { ExportData } from './data.js';

export const OCSF_VERSION = '1.8.0';
type Json = Record<string, unknown>;

const SEVERITY: Record<string, number> = { Unknown: 0, Informational: 1, Low: 2, Medium: 3, High: 4, Critical: 5 };
const QUEUE = new Set(['unsanctioned', 'declined-but-in-use', 'approval-expired', 'out-of-scope']);

function severityOf(i: ItemRow): { id: number; name: string } {
  let name = 'Informational';
  if (i.status === 'declined-but-in-use') name = 'High';
  else if (i.status === 'unsanctioned' || i.status === 'approval-expired') name = i.tier === 1 ? 'High' : i.tier === 2 ? 'Medium' : 'Low';
  else if (i.status === 'out-of-scope') name = i.tier === 1 ? 'Medium' : 'Low';
  return { id: SEVERITY[name], name };
}

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : undefined);

function metadata(data: ExportData, uid: string): Json {
  return {
    version: OCSF_VERSION,
    uid,
    product: { name: data.tool.name, vendor_name: 'shadowscan', version: data.tool.version },
    log_name: 'shadowscan',
    log_provider: 'shadowscan',
  };
}

function resource(i: ItemRow, data: ExportData): Json {
  const r = data.risks.find((x) => x.itemId === i.id);
  const cloud = cloudProvider(i);
  return {
    uid: i.artifactKey ?? i.id,
    name: i.name,
    type: i.kind === 'artifact' ? (i.artifactType ?? 'AI system') : 'AI service',
    ...(r?.owner ? { owner: { name: r.owner } } : {}),
    labels: [`status:${i.status}`, `category:${i.category}`, `service:${i.service}`, ...i.sources.map((s) => `source:${s}`)],
    data: { vendor: i.vendor, service: i.service, subjects: i.subjects.map((s) => `${s.kind}:${s.name ?? s.id}`), risk_entry: r?.id ?? null },
  };
}

function cloudProvider(i: ItemRow): string | undefined {
  const t = `${i.artifactType ?? ''}`.toLowerCase();
  if (i.kind !== 'artifact') return undefined;
  if (t.startsWith('aws') || (i.artifactKey ?? '').startsWith('arn:')) return 'AWS';
  if (t.startsWith('azure') || (i.artifactKey ?? '').startsWith('/subscriptions/')) return 'Azure';
  if (t.startsWith('gcp') || (i.artifactKey ?? '').startsWith('//')) return 'GCP';
  return undefined;
}

function clean(o: Json): Json {
  return JSON.parse(JSON.stringify(o)) as Json;
}

export function detectionFinding(i: ItemRow, data: ExportData): Json {
  const sev = severityOf(i);
  const r = data.risks.find((x) => x.itemId === i.id);
  const fs = data.findings.get(i.id) ?? [];
  const time = ms(data.generatedAt)!;
  return clean({
    activity_id: 1,
    activity_name: 'Create',
    category_uid: 2,
    category_name: 'Findings',
    class_uid: 2004,
    class_name: 'Detection Finding',
    type_uid: 200401,
    type_name: 'Detection Finding: Create',
    severity_id: sev.id,
    severity: sev.name,
    time,
    message: `${i.status === 'declined-but-in-use' ? 'Declined' : 'Unregistered'} AI ${i.kind === 'artifact' ? 'system' : 'service'} in use: ${i.name} (${i.statusReason})`,
    status_id: r && ['approved', 'closed', 'declined'].includes(r.status) ? 2 : 1,
    is_alert: i.status === 'declined-but-in-use' || i.status === 'unsanctioned',
    confidence_id: i.signals.includes('usage') || i.signals.includes('credential') ? 3 : 2,
    metadata: metadata(data, `${i.id}:finding`),
    finding_info: {
      uid: r?.id ?? i.id,
      title: r?.title ?? `Shadow AI: ${i.name}`,
      desc: r?.evidenceSummary ?? i.statusReason,
      types: ['Shadow AI', i.category],
      analytic: { uid: `shadowscan:${i.status}`, name: `shadowscan reconciliation: ${i.status}`, type_id: 1, type: 'Rule' },
      created_time: ms(i.firstDetectedAt),
      first_seen_time: ms(i.seenFirst ?? i.firstDetectedAt),
      last_seen_time: ms(i.seenLast ?? i.lastDetectedAt),
      data_sources: i.sources,
    },
    resources: [resource(i, data)],
    evidences: fs.slice(0, 10).map((f) => ({ data: { source: f.source, kind: f.kind, value: f.value, locator: f.locator, signal: f.signal } })),
    unmapped: undefined,
  });
}

export function inventoryInfo(i: ItemRow, data: ExportData): Json {
  const cloud = cloudProvider(i);
  return clean({
    activity_id: 2,
    activity_name: 'Collect',
    category_uid: 5,
    category_name: 'Discovery',
    class_uid: 5023,
    class_name: 'Cloud Resources Inventory Info',
    type_uid: 502302,
    type_name: 'Cloud Resources Inventory Info: Collect',
    severity_id: 1,
    severity: 'Informational',
    time: ms(data.generatedAt),
    message: `AI inventory item ${i.name}: ${i.status}`,
    metadata: metadata(data, `${i.id}:inventory`),
    ...(cloud ? { cloud: { provider: cloud } } : {}),
    resources: [resource(i, data)],
  });
}

/** JSON lines: the detection findings, then the inventory events. */
export function toOcsf(data: ExportData): string {
  const lines: string[] = [];
  for (const i of data.items) if (QUEUE.has(i.status)) lines.push(JSON.stringify(detectionFinding(i, data)));
  for (const i of data.items) lines.push(JSON.stringify(inventoryInfo(i, data)));
  return lines.length ? lines.join('\n') + '\n' : '';
}
