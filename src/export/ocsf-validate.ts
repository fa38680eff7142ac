/**
 * A minimal OCSF validator for the classes we emit, written from the official schema's
 * requirement flags (github.com/ocsf/ocsf-schema, release 1.8.0 layout):
 * - events/base_event.json + traits: `activity_id`, `category_uid`, `class_uid`, `metadata`,
 *   `severity_id`, `time`, `type_uid` are required (the 1.9.0-dev HEAD also requires `origin`;
 *   we emit 1.8.0, so it is not checked);
 * - objects/metadata.json: `product` and `version` required;
 * - events/findings/finding.json: `finding_info` required; objects/finding_info.json: `uid` required;
 * - events/findings/detection_finding.json: uid 4 in category findings (2) → class_uid 2004;
 *   activity_id 1 Create, 2 Update, 3 Close (finding.json);
 * - events/discovery/cloud_resources_inventory_info.json: uid 23 in category discovery (5) →
 *   5023; constraint at_least_one of cloud, container, database, databucket, idp, resources,
 *   table; activity_id 1 Log, 2 Collect (discovery.json);
 * - objects/cloud.json: `provider` required.
 * Rules from the dictionary: class_uid = category_uid × 1000 + class uid; type_uid = class_uid
 * × 100 + activity_id; severity_id ∈ {0…6, 99}; `time` is a timestamp_t (epoch milliseconds).
 */
type Json = Record<string, any>;

interface ClassSpec {
  category_uid: number;
  required: string[];
  activities: number[];
  atLeastOne?: string[];
  nested?: Record<string, string[]>;
}

export const OCSF_CLASSES: Record<number, ClassSpec> = {
  2004: { category_uid: 2, required: ['finding_info'], activities: [0, 1, 2, 3, 99], nested: { finding_info: ['uid'] } },
  5023: { category_uid: 5, required: [], activities: [0, 1, 2, 99], atLeastOne: ['cloud', 'container', 'database', 'databucket', 'idp', 'resources', 'table'], nested: { cloud: ['provider'] } },
};

const BASE_REQUIRED = ['activity_id', 'category_uid', 'class_uid', 'metadata', 'severity_id', 'time', 'type_uid'];
const SEVERITIES = new Set([0, 1, 2, 3, 4, 5, 6, 99]);
const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);

export function validateOcsfEvent(e: Json): string[] {
  const p: string[] = [];
  for (const k of BASE_REQUIRED) if (e[k] === undefined || e[k] === null) p.push(`missing required attribute ${k}`);
  for (const k of ['activity_id', 'category_uid', 'class_uid', 'severity_id', 'type_uid', 'time']) if (e[k] !== undefined && !isInt(e[k])) p.push(`${k} must be an integer`);
  if (isInt(e.severity_id) && !SEVERITIES.has(e.severity_id)) p.push(`severity_id ${e.severity_id} is not in the enum`);
  if (isInt(e.class_uid) && isInt(e.activity_id) && e.type_uid !== e.class_uid * 100 + e.activity_id) p.push(`type_uid must be class_uid × 100 + activity_id (${e.class_uid * 100 + e.activity_id}), got ${e.type_uid}`);
  if (e.metadata && typeof e.metadata === 'object') {
    if (!e.metadata.product || typeof e.metadata.product !== 'object') p.push('missing required attribute metadata.product');
    if (typeof e.metadata.version !== 'string' || !/^\d+\.\d+\.\d+/.test(e.metadata.version)) p.push('metadata.version must be a SemVer string');
  }
  const spec = OCSF_CLASSES[e.class_uid];
  if (!spec) {
    p.push(`class_uid ${e.class_uid} is not one this validator knows`);
    return p;
  }
  if (e.category_uid !== spec.category_uid) p.push(`category_uid must be ${spec.category_uid} for class ${e.class_uid}`);
  if (Math.floor(e.class_uid / 1000) !== e.category_uid) p.push('class_uid must be category_uid × 1000 + class uid');
  if (isInt(e.activity_id) && !spec.activities.includes(e.activity_id)) p.push(`activity_id ${e.activity_id} is not in the enum of class ${e.class_uid}`);
  for (const k of spec.required) if (e[k] === undefined || e[k] === null) p.push(`missing required attribute ${k}`);
  if (spec.atLeastOne && !spec.atLeastOne.some((k) => e[k] !== undefined && e[k] !== null)) p.push(`at least one of ${spec.atLeastOne.join(', ')} is required`);
  for (const [obj, req] of Object.entries(spec.nested ?? {})) {
    if (e[obj] === undefined) continue;
    for (const k of req) if (e[obj]?.[k] === undefined || e[obj]?.[k] === null || e[obj]?.[k] === '') p.push(`missing required attribute ${obj}.${k}`);
  }
  return p;
}

/** Validates JSON lines; returns `line N: problem` strings (empty when valid). */
export function validateOcsfLines(text: string): string[] {
  const out: string[] = [];
  text
    .split('\n')
    .filter((l) => l.trim())
    .forEach((l, n) => {
      let e: Json;
      try {
        e = JSON.parse(l);
      } catch (err) {
        out.push(`line ${n + 1}: not JSON: ${(err as Error).message}`);
        return;
      }
      for (const p of validateOcsfEvent(e)) out.push(`line ${n + 1}: ${p}`);
    });
  return out;
}
