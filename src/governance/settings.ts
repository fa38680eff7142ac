/**
 * Governance settings of a register: triage and decision deadlines, risk appetite, the role that
 * accepts residual risk above it and the review cycle, per tier; the escalation path. Defaults
 * come from rules/governance/settings.yaml; a register's own values live in its settings table.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ShadowscanError } from '../core/errors.js';
import { GOVERNANCE_RULES_DIR, readGovernanceYaml } from './mapping.js';

const tierSchema = z
  .object({
    triageBusinessDays: z.number().int().min(1).max(365),
    decisionBusinessDays: z.number().int().min(1).max(365),
    appetite: z.number().int().min(1).max(25),
    acceptanceRole: z.string().min(1),
    reviewMonths: z.number().int().min(1).max(120),
  })
  .strict();
export const governanceSettingsSchema = z
  .object({
    tiers: z.object({ '1': tierSchema, '2': tierSchema, '3': tierSchema }).strict(),
    escalation: z.array(z.string().min(1)).min(2),
    reviewDueWithinDays: z.number().int().min(0).max(365),
  })
  .strict();
export type GovernanceSettings = z.output<typeof governanceSettingsSchema>;
export type TierSettings = z.output<typeof tierSchema>;

/** Parsed settings files by path and modification time: the register page reads the defaults on every request. */
const parsed = new Map<string, { mtimeMs: number; settings: GovernanceSettings }>();

export function defaultSettings(file = resolve(GOVERNANCE_RULES_DIR, 'settings.yaml')): GovernanceSettings {
  let mtimeMs = -1;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    /* readGovernanceYaml reports the missing file in one line */
  }
  const hit = parsed.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return structuredClone(hit.settings);
  const settings = parseSettings(readGovernanceYaml(file, 'the governance settings'), file);
  parsed.set(file, { mtimeMs, settings });
  return structuredClone(settings);
}

export function parseSettings(raw: unknown, where = 'governance settings'): GovernanceSettings {
  const r = governanceSettingsSchema.safeParse(raw);
  if (!r.success) throw new ShadowscanError(`${where}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

export function tierSettings(s: GovernanceSettings, tier: number): TierSettings {
  return s.tiers[String(Math.min(3, Math.max(1, tier))) as '1' | '2' | '3'];
}

/** Sets one dotted key (`tiers.1.appetite=8`, `escalation=a,b,c`) and validates the result. */
export function setSetting(s: GovernanceSettings, assignment: string): GovernanceSettings {
  const m = /^([a-zA-Z0-9.]+)=(.*)$/.exec(assignment.trim());
  if (!m) throw new ShadowscanError(`setting: expected KEY=VALUE (e.g. tiers.1.appetite=8), got "${assignment}"`);
  const copy = structuredClone(s) as Record<string, any>;
  const keys = m[1].split('.');
  let o: Record<string, any> = copy;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) throw new ShadowscanError(`setting: unknown key "${m[1]}"`);
    o = o[k];
  }
  const last = keys[keys.length - 1];
  if (!(last in o)) throw new ShadowscanError(`setting: unknown key "${m[1]}"`);
  const v = m[2].trim();
  o[last] = Array.isArray(o[last]) ? v.split(',').map((x) => x.trim()).filter(Boolean) : typeof o[last] === 'number' ? Number(v) : v;
  return parseSettings(copy, `setting ${m[1]}`);
}

/** Adds business days (Monday–Friday, UTC) to a time. */
export function addBusinessDays(from: Date, days: number): Date {
  const d = new Date(from.getTime());
  let left = days;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return d;
}

export function addMonths(day: string, months: number): string {
  const d = new Date(day.slice(0, 10) + 'T00:00:00Z');
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), last));
  return target.toISOString().slice(0, 10);
}
