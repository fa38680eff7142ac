import type { Observation } from '../../src/core/types.js';

export function obs(p: Partial<Observation> & Pick<Observation, 'kind' | 'value'>): Observation {
  return {
    source: 'repo',
    scanner: 'repo',
    signal: 'presence',
    confidence: 'declared',
    subject: { kind: 'repo', id: 'r1' },
    locator: 'a.py:1',
    ...p,
  };
}

export function cov(scanner: string, units: string[], failed: string[] = []) {
  return { scanner, scanned: units.length, skipped: [], failed: failed.map((u) => ({ unit: u, reason: 'EACCES: permission denied' })), units, problemCount: 0, problems: [], stats: {} };
}
