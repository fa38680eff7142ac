/**
 * Config, catalog and rules files are parsed with explicit limits and fail with one line; output
 * paths and register files are checked before anything runs. Each test feeds the real loaders the
 * input that used to crash, hang or be silently ignored.
 */
import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/catalog.js';
import { checkOutputPaths, loadConfig, parseConfig, substituteEnv } from '../../src/config.js';
import { editDistance } from '../../src/core/did-you-mean.js';
import { CatalogError, ConfigError, RulesError, UsageError } from '../../src/core/errors.js';
import { checkRegisterFile } from '../../src/core/register-file.js';
import { loadRules, MAX_YAML_ALIASES } from '../../src/rules/load.js';
import { tmpDir } from '../helpers/tmp.js';

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

const oneLine = (e: Error) => expect(e.message.split('\n')).toHaveLength(1);

/** A catalog entry per index, all sharing one owner through a YAML alias. */
function aliasCatalog(n: number): string {
  let y = 'version: 1\napproved:\n';
  for (let i = 0; i < n; i++) {
    y += `  - id: openai-${i}\n    service: openai-api\n    owner: ${i === 0 ? '&owner { business: Data Platform, technical: ml-team }' : '*owner'}\n    approvedBy: ciso\n    approvedOn: 2026-01-01\n`;
  }
  return y;
}

const LAUGHS = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefg'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`), 'h: [*g,*g,*g,*g,*g,*g,*g,*g,*g]'].join('\n') + '\n';

describe('YAML with limits', () => {
  it('a catalog reusing one owner 500 times through an alias loads', () => {
    const f = join(tmpDir(), 'catalog.yaml');
    writeFileSync(f, aliasCatalog(500));
    const c = loadCatalog(f, new Set(['openai-api']));
    expect(c.approved).toHaveLength(500);
    expect(c.approved[499].owner.business).toBe('Data Platform');
  });

  it('a "billion laughs" document fails in one line in a catalog, a config and a rule file', () => {
    const d = tmpDir();
    writeFileSync(join(d, 'catalog.yaml'), `version: 1\n${LAUGHS}`);
    const c = errorOf(() => loadCatalog(join(d, 'catalog.yaml')));
    expect(c).toBeInstanceOf(CatalogError);
    expect(c.message).toMatch(new RegExp(`catalog\\.yaml: invalid YAML: more than ${MAX_YAML_ALIASES} alias expansions`));
    oneLine(c);
    writeFileSync(join(d, 'shadowscan.yaml'), `version: 1\n${LAUGHS.replace(/^(\w): /gm, 'x-$1: ')}`);
    const g = errorOf(() => loadConfig(join(d, 'shadowscan.yaml')));
    expect(g).toBeInstanceOf(ConfigError);
    oneLine(g);
    mkdirSync(join(d, 'rules', 'services'), { recursive: true });
    writeFileSync(join(d, 'rules', 'services', 'acme-ai.yaml'), LAUGHS);
    const r = errorOf(() => loadRules([join(d, 'rules')], { builtin: false, cache: false }));
    expect(r).toBeInstanceOf(RulesError);
    expect(r.message).toMatch(/acme-ai\.yaml: invalid YAML: more than/);
    oneLine(r);
  });

  it('deep nesting and a folder given as a file are one-line errors', () => {
    const d = tmpDir();
    writeFileSync(join(d, 'deep.yaml'), '['.repeat(100_000));
    const e = errorOf(() => loadCatalog(join(d, 'deep.yaml')));
    expect(e).toBeInstanceOf(CatalogError);
    oneLine(e);
    const f = errorOf(() => loadCatalog(d));
    expect(f.message).toMatch(/cannot read: is a folder/);
  });
});

describe('unknown top-level keys are errors with a suggestion', () => {
  it('config: catalgo → did you mean "catalog"', () => {
    const e = errorOf(() => parseConfig({ version: 1, catalgo: './catalog.yaml' }, '/x/shadowscan.yaml', { env: {} }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/\/x\/shadowscan\.yaml: \(root\): unknown key 'catalgo' — did you mean 'catalog'\?/);
    const far = errorOf(() => parseConfig({ version: 1, colour: 'blue' }, '/x/shadowscan.yaml', { env: {} }));
    expect(far.message).not.toMatch(/did you mean/);
  });

  it('config: x- keys hold anchors and are not settings', () => {
    const d = tmpDir();
    writeFileSync(join(d, 'shadowscan.yaml'), 'version: 1\nx-paths: &logs [./a.log]\nsources:\n  egress:\n    paths: *logs\n');
    const c = loadConfig(join(d, 'shadowscan.yaml'));
    expect(c.sources.egress).toMatchObject({ paths: [join(d, 'a.log')] });
  });

  it('catalog: approvd → did you mean "approved"', () => {
    const f = join(tmpDir(), 'catalog.yaml');
    writeFileSync(f, 'version: 1\napprovd: []\n');
    const e = errorOf(() => loadCatalog(f));
    expect(e.message).toMatch(/\(root\): unknown key 'approvd' — did you mean 'approved'\?/);
  });

  it('edit distance counts a transposition as one', () => {
    expect(editDistance('catalgo', 'catalog')).toBe(1);
    expect(editDistance('outptus', 'outputs')).toBe(1);
    expect(editDistance('db', 'rules')).toBeGreaterThan(2);
  });
});

describe('${VAR} substitution', () => {
  it('an unclosed ${ is an error naming the path, never kept literally', () => {
    const problems: Array<{ path: PropertyKey[]; message: string }> = [];
    substituteEnv({ notifications: { url: 'https://hooks.example/${HOOK' } }, { HOOK: 'x' }, [], problems);
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toEqual(['notifications', 'url']);
    expect(problems[0].message).toMatch(/without a closing "}"/);
    const e = errorOf(() => parseConfig({ version: 1, db: '${DB' }, '/x/s.yaml', { env: { DB: 'a.db' } }));
    expect(e.message).toMatch(/\/x\/s\.yaml: db: .*without a closing/);
  });

  it('$${ is a literal ${ and ${NAME} still substitutes', () => {
    const problems: Array<{ path: PropertyKey[]; message: string }> = [];
    expect(substituteEnv('a $${B} ${C}', { C: 'c' }, [], problems)).toBe('a ${B} c');
    expect(problems).toEqual([]);
    substituteEnv('${1BAD}', {}, [], problems);
    expect(problems).toHaveLength(1);
  });
});

describe('output paths are checked before scanning', () => {
  const d = tmpDir();
  const db = join(d, 'reg.db');
  const cfg = join(d, 'shadowscan.yaml');
  writeFileSync(db, '');
  writeFileSync(cfg, 'version: 1\n');
  mkdirSync(join(d, 'reports'));

  it.each([
    [db, /is the register database/],
    [`${db}-wal`, /is a file of the register database/],
    [cfg, /is the config file/],
    [join(d, 'reports'), /is a folder/],
    [join(d, 'missing', 'r.json'), /folder .* does not exist/],
  ])('%s is refused', (out, why) => {
    const e = errorOf(() => checkOutputPaths([out], { db, config: cfg }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toMatch(why);
    oneLine(e);
  });

  it('the same file through another spelling is still the database; two outputs to one file are refused', () => {
    expect(errorOf(() => checkOutputPaths([join(d, 'reports', '..', 'reg.db')], { db })).message).toMatch(/register database/);
    expect(errorOf(() => checkOutputPaths(['r.json', join(d, 'r.json')], { cwd: d })).message).toMatch(/same file as output r\.json/);
  });

  it('ordinary report paths and stdout pass', () => {
    expect(() => checkOutputPaths([join(d, 'reports', 'r.json'), '-', undefined, join(d, 'r.sarif')], { db, config: cfg })).not.toThrow();
  });
});

describe('register files are checked before SQLite opens them', () => {
  const d = tmpDir();
  const good = join(d, 'good.db');
  const db = new Database(good);
  db.exec('CREATE TABLE t (x TEXT); INSERT INTO t VALUES (\'' + 'y'.repeat(5000) + '\');');
  db.close();

  it('a real SQLite file passes; a missing one passes for scan and fails for readers', () => {
    expect(() => checkRegisterFile(good, { mustExist: true })).not.toThrow();
    expect(() => checkRegisterFile(join(d, 'new.db'))).not.toThrow();
    expect(errorOf(() => checkRegisterFile(join(d, 'new.db'), { mustExist: true })).message).toMatch(/no such register database/);
  });

  it('garbage, a truncated copy, a folder and an empty file are one-line usage errors', () => {
    const garbage = join(d, 'garbage.db');
    writeFileSync(garbage, 'this is not a database\n'.repeat(50));
    const cut = join(d, 'cut.db');
    copyFileSync(good, cut);
    truncateSync(cut, Math.floor(readFileSync(good).length / 2) - 100);
    const empty = join(d, 'empty.db');
    writeFileSync(empty, '');
    for (const [p, why] of [[garbage, /not an SQLite file/], [cut, /damaged register database/], [d, /is a folder/], [empty, /empty file/]] as const) {
      const e = errorOf(() => checkRegisterFile(p, { mustExist: true }));
      expect(e).toBeInstanceOf(UsageError);
      expect(e.message).toMatch(why);
      oneLine(e);
    }
  });
});
