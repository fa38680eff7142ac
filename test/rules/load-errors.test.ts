/**
 * Invalid rule folders must fail with one precise message: the file, the field path inside it
 * and what was expected (or the YAML line and column).
 */
import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { loadRules } from '../../src/rules/load.js';
import { RulesError } from '../../src/core/errors.js';

const root = resolve(import.meta.dirname, '../../fixtures/rules-invalid');

function errorOf(folder: string): RulesError {
  try {
    loadRules([join(root, folder)], { builtin: false });
  } catch (e) {
    expect(e).toBeInstanceOf(RulesError);
    return e as RulesError;
  }
  throw new Error(`${folder}: expected loadRules to fail`);
}

describe('rule load errors', () => {
  it('bad id: names the file, the id field and the kebab-case expectation', () => {
    const m = errorOf('bad-id').message;
    expect(m).toContain(join(root, 'bad-id/services/open-ai.yaml'));
    expect(m).toMatch(/: id: expected a kebab-case id/);
  });

  it('wrong type: names the nested field path and the expected type', () => {
    const m = errorOf('wrong-type').message;
    expect(m).toContain('wrong-type/services/acme-ai.yaml');
    expect(m).toMatch(/match\.packages\.npm: expected array, got string/);
  });

  it('bad regex: names the credential pattern and says a valid regular expression was expected', () => {
    const m = errorOf('bad-regex').message;
    expect(m).toContain('bad-regex/services/acme-ai.yaml');
    expect(m).toMatch(/match\.credentials\.acme-key\.pattern: expected a valid regular expression/);
  });

  it('id ≠ file name: says which id the file name requires', () => {
    const m = errorOf('id-mismatch').message;
    expect(m).toContain('id-mismatch/services/acme-ai.yaml: id: expected "acme-ai" (the file name), got "acme-labs"');
  });

  it('invalid YAML: gives the line and column', () => {
    const m = errorOf('invalid-yaml').message;
    expect(m).toMatch(/invalid-yaml\/services\/acme-ai\.yaml:\d+:\d+: invalid YAML/);
    const line = Number(/acme-ai\.yaml:(\d+):/.exec(m)![1]);
    expect(line).toBeGreaterThanOrEqual(8);
    expect(line).toBeLessThanOrEqual(10);
  });

  it('duplicate key: rejected as invalid YAML with its line', () => {
    expect(errorOf('duplicate-key').message).toMatch(/duplicate-key\/services\/acme-ai\.yaml:4:\d+: invalid YAML: Map keys must be unique/);
  });

  it('unknown field (a typo): names the object and the unrecognised key', () => {
    const m = errorOf('unknown-field').message;
    expect(m).toMatch(/unknown-field\/services\/acme-ai\.yaml: match\.domains\.0: unknown key 'sharde' \(a typo, or a field this version does not know\)/);
  });

  it('unknown model format: lists the formats that exist', () => {
    const m = errorOf('unknown-format').message;
    expect(m).toMatch(/unknown-format\/services\/acme-ai\.yaml: match\.modelFormats: unknown model format "acme-weights" \(expected one of: gguf\)/);
  });

  it('a missing folder is an error too', () => {
    expect(errorOf('does-not-exist').message).toMatch(/does-not-exist: expected a rules folder/);
  });
});
