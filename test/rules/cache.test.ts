import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRules } from '../../src/rules/load.js';
import { RulesError } from '../../src/core/errors.js';
import { writeRules } from '../helpers/rules.js';

describe('validated-rule cache', () => {
  it('returns the same rules from the cache, and re-validates a changed file', () => {
    const dir = writeRules();
    const a = loadRules([dir], { builtin: false });
    const b = loadRules([dir], { builtin: false });
    expect(b.services).toEqual(a.services);
    const uncached = loadRules([dir], { builtin: false, cache: false });
    expect(uncached.services).toEqual(a.services);
    const file = join(dir, 'services', 'alpha-ai.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('category: llm-api', 'category: Not An Id'));
    expect(() => loadRules([dir], { builtin: false })).toThrowError(RulesError);
    expect(() => loadRules([dir], { builtin: false })).toThrowError(/alpha-ai\.yaml: category: expected a kebab-case id/);
  });
});
