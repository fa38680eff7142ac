/**
 * Credential keyword gates: a keyword that is context (not part of the secret) wakes its pattern
 * only as a token — `fal` in `FAL_KEY`, `fal.run`, `falKey`, never inside `false` — while a
 * keyword the secret itself carries (`T3BlbkFJ` mid-key, `AIza`, `sk-ant-api03-`) counts anywhere.
 */
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/rules/load.js';
import { RuleIndex, isKeywordToken } from '../../src/rules/compile.js';

const loaded = loadRules([]);
const index = new RuleIndex(loaded.services, loaded.modelFormats);
const FAL = 'a3c79068-1483-4d1d-ab1a-6e9dc0dbb2c7:1d33e9b8357a0106e7c8eb1d1e132df2';

const token = (text: string, kw: string) => {
  const i = text.toLowerCase().indexOf(kw);
  return isKeywordToken(text, i, kw.length);
};

describe('credential keywords as tokens', () => {
  it('a context keyword is a token at identifier separators and case changes, not inside a longer word', () => {
    for (const t of ['FAL_KEY=x', 'fal_key', 'fal.run', 'fal-ai', 'falKey', 'FalClient', 'myFal', 'MY_FAL', '"fal"', 'x=fal', 'fal2']) expect(token(t, 'fal'), t).toBe(true);
    for (const t of ['false', 'False', 'FALSE', 'fall', 'falcon', 'FALLBACK', 'nonfal', 'Default']) expect(token(t, 'fal'), t).toBe(false);
    // acronyms: the keyword ends where an upper-case letter starts a lower-case word
    expect(token('AzureOpenAIClient', 'azureopenai')).toBe(true);
    expect(token('new AzureOpenAI(', 'azureopenai')).toBe(true);
    expect(token('HTTPFalKey', 'fal')).toBe(true);
    expect(token('AZUREOPENAIX', 'azureopenai')).toBe(false);
  });

  it('`false` no longer makes a <uuid>:<hex> value a fal-ai key; FAL_KEY still does (labelled)', () => {
    const falseOnly = `enabled: false\nrequest_id: "${FAL}"\n`;
    expect(index.scanSecrets(falseOnly).map((h) => h.service)).toEqual([]);
    for (const ctx of [`FAL_KEY=${FAL}`, `fal_client.api_key = "${FAL}"`, `const falKey = '${FAL}'`, `# fal.run\nkey: ${FAL}`]) {
      expect(index.scanSecrets(ctx).map((h) => h.patternId), ctx).toEqual(['fal-api-key']);
    }
  });

  it('a keyword inside the secret still counts in the middle of a token', () => {
    const inner = 'T3BlbkFJ';
    const key = `sk-${'a1B2c3D4e5F6g7H8i9J0'}${inner}${'k1L2m3N4o5P6q7R8s9T0'}`;
    expect(index.scanSecrets(`OPENAI_API_KEY=${key}`).map((h) => h.patternId)).toEqual(['openai-legacy-key']);
  });
});
