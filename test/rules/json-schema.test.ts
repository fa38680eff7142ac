import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { jsonSchemas, SCHEMA_DIR } from '../../src/rules/write-json-schema.js';
import { BUILTIN_RULES_DIR } from '../../src/rules/load.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

describe('rules JSON Schema', () => {
  it('committed schema files equal a fresh generation (run `npm run rules:schema`)', () => {
    for (const [name, text] of Object.entries(jsonSchemas())) {
      expect(readFileSync(join(SCHEMA_DIR, name), 'utf8'), name).toBe(text);
    }
  });

  it('accepts every bundled rule file and rejects a broken one', () => {
    const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
    const service = ajv.compile(JSON.parse(jsonSchemas()['service.schema.json']));
    const formats = ajv.compile(JSON.parse(jsonSchemas()['model-formats.schema.json']));
    const dir = join(BUILTIN_RULES_DIR, 'services');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
      const ok = service(parse(readFileSync(join(dir, f), 'utf8')));
      expect(ok, `${f}: ${ajv.errorsText(service.errors)}`).toBe(true);
    }
    expect(formats(parse(readFileSync(join(BUILTIN_RULES_DIR, 'model-formats.yaml'), 'utf8')))).toBe(true);
    expect(service({ id: 'Bad Id', name: 'x', vendor: 'y', category: 'llm-api' })).toBe(false);
    expect(service({ id: 'x', name: 'x', vendor: 'y', category: 'llm-api', match: { domains: [{ host: 'a.com', bogus: 1 }] } })).toBe(false);
  });
});
