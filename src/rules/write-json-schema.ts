/**
 * Writes the JSON Schemas of the rule files (for editors and other tools) from the zod schemas:
 *   rules/schema/service.schema.json        one rules/services/<id>.yaml
 *   rules/schema/model-formats.schema.json  rules/model-formats.yaml
 * `npm run rules:schema` regenerates them; a test checks the committed files are current.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { modelFormatsFileSchema, serviceSchema } from './schema.js';

export const SCHEMA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../rules/schema');

/** The generated files, name → text (stable, newline-terminated). */
export function jsonSchemas(): Record<string, string> {
  const service = zodToJsonSchema(serviceSchema, { name: 'ServiceRule', $refStrategy: 'none', target: 'jsonSchema7' });
  const formats = zodToJsonSchema(modelFormatsFileSchema, { name: 'ModelFormats', $refStrategy: 'none', target: 'jsonSchema7' });
  const withMeta = (s: object, title: string) => ({ title, ...s });
  return {
    'service.schema.json': JSON.stringify(withMeta(service, 'shadowscan service rule (rules/services/<id>.yaml)'), null, 2) + '\n',
    'model-formats.schema.json': JSON.stringify(withMeta(formats, 'shadowscan model formats (rules/model-formats.yaml)'), null, 2) + '\n',
  };
}

export function writeJsonSchemas(dir = SCHEMA_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(jsonSchemas()).map(([name, text]) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  });
}

if (process.argv[1] && /write-json-schema\.ts$/.test(process.argv[1])) {
  for (const f of writeJsonSchemas()) console.log(`wrote ${f}`);
}
