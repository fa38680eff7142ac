/**
 * Default lifecycle stages (ISO/IEC 22989) and STRIDE threats of a risk entry, derived from its
 * item's evidence by the rules data in rules/governance/threats.yaml: rules know the threats of a
 * kind of evidence, this code only applies them.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { ShadowscanError } from '../core/errors.js';

export const GOVERNANCE_RULES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../rules/governance');

export const LIFECYCLE_STAGES = ['inception', 'design-and-development', 'verification-and-validation', 'deployment', 'operation-and-monitoring', 're-evaluation', 'retirement'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];
export const STRIDE = ['spoofing', 'tampering', 'repudiation', 'information-disclosure', 'denial-of-service', 'elevation-of-privilege'] as const;
export type StrideThreat = (typeof STRIDE)[number];

export interface Threat {
  stage: LifecycleStage;
  threat: StrideThreat;
  reason: string;
}

const whenSchema = z
  .object({
    signal: z.array(z.enum(['presence', 'usage', 'credential'])).optional(),
    category: z.array(z.string()).optional(),
    minBytesOut: z.number().int().nonnegative().optional(),
    status: z.array(z.string()).optional(),
  })
  .strict();
const ruleSchema = z.object({ stage: z.enum(LIFECYCLE_STAGES), threat: z.enum(STRIDE), reason: z.string().min(1), when: whenSchema.optional() }).strict();
const pairSchema = z.string().regex(/^[a-z-]+\/[a-z-]+$/);
const exampleSchema = z
  .object({
    finding: z.object({ kind: z.string(), signal: z.enum(['presence', 'usage', 'credential']), category: z.string(), bytesOut: z.number().optional() }).strict().optional(),
    item: z.object({ status: z.string() }).strict().optional(),
    expect: z.array(pairSchema),
    reasons: z.array(z.string()).optional(),
  })
  .strict();
export const threatMapSchema = z
  .object({
    stages: z.array(z.enum(LIFECYCLE_STAGES)),
    threats: z.array(z.enum(STRIDE)),
    kinds: z.record(z.string(), z.object({ rules: z.array(ruleSchema).min(1), examples: z.array(exampleSchema).min(1) }).strict()),
    item: z.object({ rules: z.array(ruleSchema), examples: z.array(exampleSchema) }).strict(),
  })
  .strict();
export type ThreatMap = z.output<typeof threatMapSchema>;
export type ThreatRule = z.output<typeof ruleSchema>;

/** What the derivation needs of one finding. */
export interface EvidenceFact {
  kind: string;
  signal: string;
  category: string;
  bytesOut?: number;
}

let cached: ThreatMap | undefined;

/** A governance data file's YAML, or a one-line error naming the file. */
export function readGovernanceYaml(file: string, what: string): unknown {
  try {
    return parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ShadowscanError(`${file}: cannot read ${what}: ${(e as Error).message}`);
  }
}

export function loadThreatMap(file = resolve(GOVERNANCE_RULES_DIR, 'threats.yaml')): ThreatMap {
  const r = threatMapSchema.safeParse(readGovernanceYaml(file, 'the threat mapping'));
  if (!r.success) throw new ShadowscanError(`${file}: invalid threat mapping: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

export function threatMap(): ThreatMap {
  return (cached ??= loadThreatMap());
}

function holds(w: ThreatRule['when'], f: { signal?: string; category?: string; bytesOut?: number; status?: string }): boolean {
  if (!w) return true;
  if (w.signal && !w.signal.includes(f.signal as never)) return false;
  if (w.category && !w.category.includes(f.category ?? '')) return false;
  if (w.minBytesOut !== undefined && (f.bytesOut ?? 0) < w.minBytesOut) return false;
  if (w.status && !w.status.includes(f.status ?? '')) return false;
  return true;
}

/** Unknown evidence kinds are reported, never silently dropped. */
export class UnmappedKindError extends ShadowscanError {}

/**
 * The (stage, threat) pairs the evidence implies, each with its reasons (joined when several rules
 * give the same pair), in lifecycle then STRIDE order.
 */
export function deriveThreats(facts: EvidenceFact[], item: { status: string }, map: ThreatMap = threatMap()): Threat[] {
  const out = new Map<string, { stage: LifecycleStage; threat: StrideThreat; reasons: string[] }>();
  const add = (r: ThreatRule) => {
    const k = `${r.stage}/${r.threat}`;
    const e = out.get(k) ?? { stage: r.stage, threat: r.threat, reasons: [] };
    if (!e.reasons.includes(r.reason)) e.reasons.push(r.reason);
    out.set(k, e);
  };
  // reasons joined in the mapping file's order, whatever order the evidence arrives in
  const order = ruleOrder(map);
  const byFile = (a: string, b: string) => order.get(a)! - order.get(b)!; // every reason comes from the map
  // a fact adds nothing after one of the same kind, signal and category with at least its bytes
  // (every rule it meets, that one met): skipped, so an item with 10,000 findings costs a few rules
  const most = new Map<string, Map<string, Map<string, number>>>(); // kind → signal → category → bytes
  for (const f of facts) {
    let bySignal = most.get(f.kind);
    if (!bySignal) most.set(f.kind, (bySignal = new Map()));
    let byCategory = bySignal.get(f.signal);
    if (!byCategory) bySignal.set(f.signal, (byCategory = new Map()));
    const seen = byCategory.get(f.category);
    const bytes = f.bytesOut ?? 0;
    if (seen !== undefined && seen >= bytes) continue;
    byCategory.set(f.category, bytes);
    const k = map.kinds[f.kind];
    if (!k) throw new UnmappedKindError(`no lifecycle / STRIDE mapping for evidence kind "${f.kind}" in rules/governance/threats.yaml`);
    for (const r of k.rules) if (holds(r.when, f)) add(r);
  }
  for (const r of map.item.rules) if (holds(r.when, { status: item.status })) add(r);
  return sortThreats([...out.values()].map((e) => ({ stage: e.stage, threat: e.threat, reason: e.reasons.sort(byFile).join('; ') })));
}

const RULE_ORDER = new WeakMap<ThreatMap, Map<string, number>>();
/** Each reason's first position in the mapping (evidence kinds in file order, then the item rules). */
function ruleOrder(map: ThreatMap): Map<string, number> {
  let o = RULE_ORDER.get(map);
  if (!o) {
    o = new Map();
    for (const r of [...Object.values(map.kinds).flatMap((k) => k.rules), ...map.item.rules]) if (!o.has(r.reason)) o.set(r.reason, o.size);
    RULE_ORDER.set(map, o);
  }
  return o;
}

export function sortThreats(ts: Threat[]): Threat[] {
  return [...ts].sort((a, b) => LIFECYCLE_STAGES.indexOf(a.stage) - LIFECYCLE_STAGES.indexOf(b.stage) || STRIDE.indexOf(a.threat) - STRIDE.indexOf(b.threat));
}

export function stagesOf(ts: Threat[]): LifecycleStage[] {
  return LIFECYCLE_STAGES.filter((s) => ts.some((t) => t.stage === s));
}

/** Parses `stage/threat: reason` lines (CLI and form input); a clear error names the bad line. */
export function parseThreatLines(text: string): Threat[] {
  const out: Threat[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const s = line.trim();
    if (!s) return;
    const m = /^([a-z-]+)\s*\/\s*([a-z-]+)\s*(?::\s*(.*))?$/.exec(s);
    if (!m) throw new ShadowscanError(`threats line ${i + 1}: expected "stage/threat: reason", got "${s}"`);
    if (!(LIFECYCLE_STAGES as readonly string[]).includes(m[1])) throw new ShadowscanError(`threats line ${i + 1}: unknown lifecycle stage "${m[1]}" (expected one of ${LIFECYCLE_STAGES.join(', ')})`);
    if (!(STRIDE as readonly string[]).includes(m[2])) throw new ShadowscanError(`threats line ${i + 1}: unknown STRIDE threat "${m[2]}" (expected one of ${STRIDE.join(', ')})`);
    if (!m[3]?.trim()) throw new ShadowscanError(`threats line ${i + 1}: "${m[1]}/${m[2]}" needs a reason after a colon`);
    out.push({ stage: m[1] as LifecycleStage, threat: m[2] as StrideThreat, reason: m[3].trim() });
  });
  return sortThreats(out);
}

export function formatThreatLines(ts: Threat[]): string {
  return ts.map((t) => `${t.stage}/${t.threat}: ${t.reason}`).join('\n');
}
