/**
 * Structural validation of generated Sigma rules against the Sigma rules specification
 * (SigmaHQ/sigma-specification, specification/sigma-rules-specification.md v2.1.0, and the
 * required / enum parts of json-schema/sigma-detection-rule-schema.json):
 * - required: title (string, ≤ 256), logsource (object with at least one of category,
 *   product, service), detection (object that contains `condition`);
 * - id: UUID; status ∈ stable, test, experimental, deprecated, unsupported; level ∈
 *   informational, low, medium, high, critical; date / modified: YYYY-MM-DD; tags: lower-case
 *   `namespace.value`; references / falsepositives / fields: arrays of strings;
 * - every search identifier a condition names (or matches with `1 of x*` / `all of x*`) exists
 *   in `detection`; field modifiers are ones the spec defines.
 */
import { parseAllDocuments } from 'yaml';

const STATUS = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'];
const LEVEL = ['informational', 'low', 'medium', 'high', 'critical'];
const MODIFIERS = new Set(['contains', 'all', 'startswith', 'endswith', 'base64', 'base64offset', 'utf16le', 'utf16be', 'wide', 'utf16', 'windash', 're', 'i', 'm', 's', 'cidr', 'expand', 'exists', 'fieldref', 'gt', 'gte', 'lt', 'lte', 'neq', 'cased', 'minute', 'hour', 'day', 'week', 'month', 'year']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const strArr = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function validateSigmaRule(r: any): string[] {
  const p: string[] = [];
  if (!r || typeof r !== 'object') return ['rule is not a mapping'];
  if (typeof r.title !== 'string' || !r.title || r.title.length > 256) p.push('title: required string (≤ 256 characters)');
  if (r.id !== undefined && (typeof r.id !== 'string' || !UUID.test(r.id))) p.push('id: must be a UUID');
  if (r.status !== undefined && !STATUS.includes(r.status)) p.push(`status: must be one of ${STATUS.join(', ')}`);
  if (r.level !== undefined && !LEVEL.includes(r.level)) p.push(`level: must be one of ${LEVEL.join(', ')}`);
  for (const k of ['date', 'modified']) if (r[k] !== undefined && !(typeof r[k] === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(r[k]))) p.push(`${k}: must be YYYY-MM-DD`);
  for (const k of ['references', 'falsepositives', 'fields']) if (r[k] !== undefined && !strArr(r[k])) p.push(`${k}: must be a list of strings`);
  if (r.tags !== undefined && !(strArr(r.tags) && r.tags.every((t: string) => /^[a-z0-9_-]+\.[a-z0-9._-]+$/.test(t)))) p.push('tags: must be lower-case namespace.value strings');
  const ls = r.logsource;
  if (!ls || typeof ls !== 'object') p.push('logsource: required mapping');
  else {
    if (!['category', 'product', 'service'].some((k) => typeof ls[k] === 'string' && ls[k])) p.push('logsource: needs at least one of category, product, service');
    for (const k of Object.keys(ls)) if (!['category', 'product', 'service', 'definition'].includes(k)) p.push(`logsource.${k}: unknown key`);
  }
  const det = r.detection;
  if (!det || typeof det !== 'object') {
    p.push('detection: required mapping');
    return p;
  }
  if (typeof det.condition !== 'string' && !strArr(det.condition)) p.push('detection.condition: required');
  const ids = Object.keys(det).filter((k) => k !== 'condition' && k !== 'timeframe');
  if (!ids.length) p.push('detection: needs at least one search identifier');
  for (const id of ids) {
    const sel = det[id];
    const maps = Array.isArray(sel) ? sel.filter((x) => x && typeof x === 'object') : sel && typeof sel === 'object' ? [sel] : [];
    for (const m of maps)
      for (const key of Object.keys(m)) {
        const [, ...mods] = key.split('|');
        for (const mod of mods) if (!MODIFIERS.has(mod)) p.push(`detection.${id}: unknown modifier "${mod}" in ${key}`);
      }
  }
  for (const cond of [det.condition].flat().filter((c) => typeof c === 'string') as string[]) {
    const tokens = cond.replace(/[()]/g, ' ').split(/\s+/).filter(Boolean);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (['and', 'or', 'not', 'them'].includes(t)) continue;
      if (t === '1' || t === 'all') {
        if (tokens[i + 1] !== 'of') p.push(`detection.condition: "${t}" must be followed by "of"`);
        continue;
      }
      if (t === 'of') {
        const target = tokens[i + 1];
        if (!target) p.push('detection.condition: "of" without a target');
        else if (target !== 'them') {
          const re = new RegExp('^' + target.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$');
          if (!ids.some((x) => re.test(x))) p.push(`detection.condition: no identifier matches ${target}`);
        }
        i++;
        continue;
      }
      if (!ids.includes(t)) p.push(`detection.condition: unknown identifier ${t}`);
    }
  }
  return p;
}

/** Parses a (multi-document) YAML stream and validates every rule; returns problems with the document number. */
export function validateSigmaYaml(text: string): { rules: unknown[]; problems: string[] } {
  const docs = parseAllDocuments(text);
  const problems: string[] = [];
  const rules: unknown[] = [];
  (Array.isArray(docs) ? docs : [docs]).forEach((d, n) => {
    if (d.errors.length) problems.push(`document ${n + 1}: ${d.errors[0].message}`);
    const r = d.toJS();
    rules.push(r);
    for (const x of validateSigmaRule(r)) problems.push(`document ${n + 1} (${r?.title ?? '?'}): ${x}`);
  });
  return { rules, problems };
}
