/**
 * Gzip'd JSON golden files for equivalence tests: `value` is compared with DIR/NAME.json.gz, which
 * is written when missing or with UPDATE_GOLDEN=1 (only after a deliberate change of the output).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { expect } from 'vitest';

export function goldenGz(dir: string, name: string, value: unknown): void {
  const file = join(dir, `${name}.json.gz`);
  const text = JSON.stringify(value) + '\n';
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, gzipSync(text, { level: 9 }));
  }
  expect(JSON.parse(text), `golden ${name} differs — UPDATE_GOLDEN=1 only after a deliberate change`).toEqual(JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')));
}
