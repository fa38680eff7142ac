/**
 * Unknown-AI-app heuristic: data-driven (rules/unknown-ai-app.yaml), vendor-neutral. An app no
 * rule matches but whose name words or scopes look like AI becomes a triage candidate.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { RulesError } from '../../../src/core/errors.js';
import { normalizeAppName } from '../../../src/rules/compile.js';
import { BUILTIN_RULES_DIR } from '../../../src/rules/load.js';

export const CANDIDATE = 'unknown-ai-app';

const fileSchema = z.object({
  strong: z.array(z.string().min(1)).default([]),
  weak: z.array(z.string().min(1)).default([]),
  suffixes: z.array(z.string().min(1)).default([]),
  scopes: z.array(z.string().min(1)).default([]),
});
export type CandidateConfig = z.infer<typeof fileSchema>;

export const DEFAULT_CANDIDATE_FILE = join(BUILTIN_RULES_DIR, 'unknown-ai-app.yaml');

export class CandidateHeuristic {
  private strongWords = new Set<string>();
  private strongPrefixes: string[] = [];
  private weakWords = new Set<string>();
  private weakPrefixes: string[] = [];
  private suffixes: string[];
  private scopes: string[];

  constructor(cfg: CandidateConfig) {
    for (const w of cfg.strong) add(w.toLowerCase(), this.strongWords, this.strongPrefixes);
    for (const w of cfg.weak) add(w.toLowerCase(), this.weakWords, this.weakPrefixes);
    this.suffixes = cfg.suffixes.map((s) => s.toLowerCase());
    this.scopes = cfg.scopes.map((s) => s.toLowerCase());
  }

  static load(file = DEFAULT_CANDIDATE_FILE): CandidateHeuristic {
    let raw: unknown;
    try {
      raw = parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new RulesError(`${file}: cannot read: ${(e as Error).message}`, { cause: e });
    }
    const r = fileSchema.safeParse(raw);
    if (!r.success) throw new RulesError(`${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    return new CandidateHeuristic(r.data);
  }

  /** The words that made the name look AI-like (empty when it does not). */
  evidence(name: string, scopes: readonly string[] = []): string[] {
    const words = normalizeAppName(name).split(' ').filter(Boolean);
    const strong: string[] = [];
    const weak: string[] = [];
    for (const w of words) {
      if (this.strongWords.has(w) || this.strongPrefixes.some((p) => w.startsWith(p))) strong.push(w);
      else if (this.suffixes.some((s) => w.endsWith(s) && w.length - s.length >= 3 && /^[a-z]+$/.test(w))) strong.push(w);
      else if (this.weakWords.has(w) || this.weakPrefixes.some((p) => w.startsWith(p))) weak.push(w);
    }
    const scopeHits = scopes.filter((s) => this.scopes.some((k) => s.toLowerCase().includes(k)));
    if (strong.length) return [...strong, ...weak, ...scopeHits];
    if (new Set(weak).size >= 2) return [...weak, ...scopeHits];
    if (scopeHits.length) return [...weak, ...scopeHits];
    return [];
  }

  looksLikeAi(name: string, scopes: readonly string[] = []): boolean {
    return this.evidence(name, scopes).length > 0;
  }
}

function add(w: string, words: Set<string>, prefixes: string[]): void {
  if (w.endsWith('*')) prefixes.push(w.slice(0, -1));
  else words.add(w);
}

let cached: { file: string; h: CandidateHeuristic } | undefined;
export function candidateHeuristic(file = DEFAULT_CANDIDATE_FILE): CandidateHeuristic {
  if (cached?.file !== file) cached = { file, h: CandidateHeuristic.load(file) };
  return cached.h;
}
