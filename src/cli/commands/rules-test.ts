/** `shadowscan rules test`: the rule corpus checks, as a command (the test suite runs the same). */
import safeRegex from 'safe-regex2';
import { RuleIndex } from '../../rules/compile.js';
import { loadRules } from '../../rules/load.js';

export interface RulesTestResult {
  services: number;
  patterns: number;
  examples: number;
  domains: number;
  problems: string[];
}

export function testRules(extraDirs: string[] = []): RulesTestResult {
  const problems: string[] = [];
  const loaded = loadRules(extraDirs);
  const index = new RuleIndex(loaded.services, loaded.modelFormats);
  let patterns = 0;
  let examples = 0;
  for (const s of loaded.services) {
    const file = loaded.files.get(s.id) ?? s.id;
    for (const c of s.match.credentials) {
      patterns++;
      if (/\\\d|\(\?<[=!]/.test(c.pattern)) problems.push(`${file}: match.credentials.${c.id}.pattern: backreferences and lookbehind are not allowed`);
      if (!safeRegex(c.pattern)) problems.push(`${file}: match.credentials.${c.id}.pattern: open to catastrophic backtracking (nested quantifiers)`);
      for (const ex of c.examples.match) {
        examples++;
        const hits = index.scanSecrets(ex);
        if (!hits.some((h) => h.service === s.id && h.patternId === c.id)) problems.push(`${file}: match.credentials.${c.id}.examples.match: does not match "${ex.slice(0, 24)}…"`);
        const other = hits.find((h) => h.service !== s.id);
        if (other) problems.push(`${file}: match.credentials.${c.id}.examples.match: also claimed by ${other.service}/${other.patternId}`);
      }
      for (const ex of c.examples.noMatch) {
        examples++;
        if (index.credentialRuleMatches(s.id, c.id, ex)) problems.push(`${file}: match.credentials.${c.id}.examples.noMatch: matches "${ex.slice(0, 24)}…"`);
      }
    }
  }
  const byDomain = new Map<string, Array<{ service: string; shared: boolean; paths?: string[] }>>();
  const domains = index.domainRules();
  for (const d of domains) {
    const key = `${d.kind}:${d.pattern}:${(d.paths ?? []).join(',')}`;
    const l = byDomain.get(key) ?? [];
    l.push(d);
    byDomain.set(key, l);
  }
  for (const [key, l] of byDomain) {
    const services = [...new Set(l.map((x) => x.service))];
    if (services.length > 1 && !l.every((x) => x.shared)) problems.push(`domain ${key.split(':').slice(0, 2).join(' ')} is claimed by ${services.join(', ')} without shared: true on every claim`);
  }
  return { services: loaded.services.length, patterns, examples, domains: domains.length, problems };
}
