import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { configJsonSchema, loadConfig, parseConfig } from '../../src/config.js';
import { ConfigError } from '../../src/core/errors.js';
import { tmpDir } from '../helpers/tmp.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ROOT = resolve(__dirname, '../..');
const SCHEMA_FILE = join(ROOT, 'docs/shadowscan.schema.json');

function write(yaml: string): string {
  const f = join(tmpDir(), 'shadowscan.yaml');
  writeFileSync(f, yaml);
  return f;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('shadowscan.yaml', () => {
  it('docs/shadowscan.schema.json is up to date (UPDATE_GOLDEN=1 regenerates it)', () => {
    const text = JSON.stringify(configJsonSchema(), null, 2) + '\n';
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(SCHEMA_FILE)) writeFileSync(SCHEMA_FILE, text);
    expect(readFileSync(SCHEMA_FILE, 'utf8'), 'run UPDATE_GOLDEN=1 npx vitest run test/schedule/config.test.ts').toBe(text);
  });

  it('the published schema accepts the README example and rejects a typo', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
    const example = parse(readFileSync(join(ROOT, 'docs/examples/shadowscan.yaml'), 'utf8'));
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...example, sources: { repo: { paths: ['.'], shedule: '* * * * *' } } })).toBe(false);
  });

  it('keeps the first format working: sources keyed by scanner id, schedule taken out', () => {
    const f = write('db: x.db\nsources:\n  repo:\n    schedule: "0 3 * * *"\n    paths: [a, /abs/b]\n');
    const c = loadConfig(f);
    expect(c.sources).toEqual({ repo: { paths: [join(f, '..', 'a'), '/abs/b'] } });
    expect(c.sourceSpecs).toEqual([{ name: 'repo', scanner: 'repo', schedule: '0 3 * * *' }]);
    expect(c.db).toBe(join(f, '..', 'x.db'));
    expect(c.outputs).toEqual([]);
    expect(c.notifications).toEqual({ targets: [], onBaseline: false });
  });

  it('names the file and the path of every problem', () => {
    const f = write('sources:\n  repo:\n    schedule: "61 * * * *"\n    paths: []\n  nope: {}\noutputs:\n  - { format: pdf, path: x }\nnotifications:\n  targets:\n    - url: not-a-url\n');
    const msg = errorOf(() => loadConfig(f));
    expect(msg).toContain(`${f}: outputs.0.format: Invalid enum value`);
    expect(msg).toContain(`${f}: notifications.targets.0.url: Invalid url`);
    const f2 = write('sources:\n  repo:\n    schedule: "61 * * * *"\n    paths: []\n  nope: {}\n');
    const msg2 = errorOf(() => loadConfig(f2));
    expect(msg2).toContain(`${f2}: sources.repo.schedule: expected a cron expression`);
    expect(msg2).toContain(`${f2}: sources.repo.paths: expected at least one path`);
    expect(msg2).toContain(`${f2}: sources.nope: unknown source "nope"`);
    const msg3 = errorOf(() => loadConfig(write('sources:\n  github: { org: "bad org", tokn: x }\n')));
    expect(msg3).toMatch(/sources\.github\.org: expected a GitHub organisation login/);
    expect(msg3).toMatch(/sources\.github: Unrecognized key\(s\) in object: 'tokn'/);
  });

  it('substitutes ${ENV} and reports a missing variable by path, never its value', () => {
    const raw = { sources: { github: { org: 'acme', token: '${GH_TOKEN}' } }, notifications: { targets: [{ url: '${HOOK}', headers: { authorization: 'Bearer ${HOOK_TOKEN}' } }] } };
    const c = parseConfig(raw, '/x/shadowscan.yaml', { env: { GH_TOKEN: 't0k', HOOK: 'https://hooks.example/1', HOOK_TOKEN: 's3' } });
    expect(c.github).toMatchObject({ org: 'acme', token: 't0k', apiUrl: 'https://api.github.com', cacheDir: '/x/.shadowscan/github' });
    expect(c.sourceSpecs).toEqual([{ name: 'github', scanner: 'repo', schedule: undefined }]);
    expect(c.notifications.targets[0]).toMatchObject({ url: 'https://hooks.example/1', headers: { authorization: 'Bearer s3' }, format: 'json', retries: 4 });
    const msg = errorOf(() => parseConfig(raw, '/x/shadowscan.yaml', { env: { GH_TOKEN: 't0k' } }));
    expect(msg).toBe('/x/shadowscan.yaml: notifications.targets.0.url: environment variable HOOK is not set (referenced as ${HOOK})\n/x/shadowscan.yaml: notifications.targets.0.headers.authorization: environment variable HOOK_TOKEN is not set (referenced as ${HOOK_TOKEN})');
  });
});
