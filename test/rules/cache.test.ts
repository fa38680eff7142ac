import { describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastRuleLoad, loadRules } from '../../src/rules/load.js';
import { RulesError } from '../../src/core/errors.js';
import { writeRules } from '../helpers/rules.js';
import { tmpDir } from '../helpers/tmp.js';
import { PACKAGE_ROOT as ROOT, runCli } from '../helpers/cli-process.js';


describe('rule cache', () => {
  it('returns the same rules from the cache, and re-validates a changed file', () => {
    const cacheDirs = [tmpDir()];
    const dir = writeRules();
    const a = loadRules([dir], { builtin: false, cacheDirs });
    expect(lastRuleLoad).toBe('parsed');
    const b = loadRules([dir], { builtin: false, cacheDirs });
    expect(lastRuleLoad).toBe('cache');
    expect(b.services).toEqual(a.services);
    expect(b.modelFormats).toEqual(a.modelFormats);
    expect([...b.files]).toEqual([...a.files]);
    const uncached = loadRules([dir], { builtin: false, cache: false });
    expect(lastRuleLoad).toBe('uncached');
    expect(uncached.services).toEqual(a.services);
    const file = join(dir, 'services', 'alpha-ai.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('category: llm-api', 'category: Not An Id'));
    expect(() => loadRules([dir], { builtin: false, cacheDirs })).toThrowError(RulesError);
    expect(() => loadRules([dir], { builtin: false, cacheDirs })).toThrowError(/alpha-ai\.yaml: category: expected a kebab-case id/);
  });

  it('an edited, added or removed rule file invalidates the set; an --rules folder is cached by its hash too', () => {
    const cacheDirs = [tmpDir()];
    const extra = writeRules();
    loadRules([extra], { cacheDirs });
    expect(lastRuleLoad).toBe('parsed');
    const before = loadRules([extra], { cacheDirs });
    expect(lastRuleLoad).toBe('cache');
    const file = join(extra, 'services', 'alpha-ai.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('name: Alpha AI', 'name: Alpha AI Renamed'));
    const edited = loadRules([extra], { cacheDirs });
    expect(lastRuleLoad).toBe('parsed');
    expect(edited.services.find((s) => s.id === 'alpha-ai')?.name).toBe('Alpha AI Renamed');
    expect(before.services.find((s) => s.id === 'alpha-ai')?.name).toBe('Alpha AI');
    loadRules([extra], { cacheDirs });
    expect(lastRuleLoad).toBe('cache');
    // a new file
    writeFileSync(join(extra, 'services', 'delta-ai.yaml'), readFileSync(file, 'utf8').replace('id: alpha-ai', 'id: delta-ai').replaceAll('alpha', 'delta'));
    const added = loadRules([extra], { cacheDirs });
    expect(lastRuleLoad).toBe('parsed');
    expect(added.services.map((s) => s.id)).toContain('delta-ai');
    loadRules([extra], { cacheDirs });
    expect(lastRuleLoad).toBe('cache');
  });

  it('a corrupt or foreign cache file is ignored and rebuilt', () => {
    const cacheDirs = [tmpDir()];
    const dir = writeRules();
    const good = loadRules([dir], { builtin: false, cacheDirs });
    const sets = readdirSync(cacheDirs[0]).filter((f) => f.startsWith('rules-'));
    expect(sets).toHaveLength(1);
    const setFile = join(cacheDirs[0], sets[0]);
    for (const damage of ['{"format":"rules-cache-v2","key":', 'null', JSON.stringify({ format: 'rules-cache-v2', key: 'other', services: [], modelFormats: [] })]) {
      writeFileSync(setFile, damage);
      const again = loadRules([dir], { builtin: false, cacheDirs });
      expect(lastRuleLoad).toBe('parsed');
      expect(again.services).toEqual(good.services);
      // rebuilt: the next load is a hit again
      expect(() => JSON.parse(readFileSync(setFile, 'utf8'))).not.toThrow();
      loadRules([dir], { builtin: false, cacheDirs });
      expect(lastRuleLoad).toBe('cache');
    }
  });

  it('an unwritable cache folder falls back to the next one', () => {
    const notADir = join(tmpDir(), 'file');
    writeFileSync(notADir, 'x');
    const second = tmpDir();
    const dir = writeRules();
    loadRules([dir], { builtin: false, cacheDirs: [notADir, second] });
    expect(readdirSync(second).some((f) => f.startsWith('rules-'))).toBe(true);
    loadRules([dir], { builtin: false, cacheDirs: [notADir, second] });
    expect(lastRuleLoad).toBe('cache');
  });
});

function cli(args: string[], env: Record<string, string>) {
  return runCli(args, { env });
}

/** Findings without what differs from run to run (ids, times). */
function stable(json: string): unknown {
  const r = JSON.parse(json) as { findings: Array<Record<string, unknown>> };
  return r.findings.map((f) => ({ service: f.service, kind: f.kind, value: f.value, source: f.source, signal: f.signal, locator: f.locator, subject: f.subject, confidence: f.confidence, match: f.match, count: f.count, status: f.status })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('rule cache and build equivalence (the CLI on the demo estate)', () => {
  it('rules from the cache find exactly what freshly parsed rules find, compiled or from the sources', async () => {
    const demo = join(ROOT, 'fixtures', 'demo');
    const repos = readdirSync(join(demo, 'repos')).map((r) => join(demo, 'repos', r));
    const extra = tmpDir();
    // an organisation's --rules folder goes through the cache too
    mkdirSync(join(extra, 'services'), { recursive: true });
    cpSync(join(ROOT, 'rules', 'services', 'openai-api.yaml'), join(extra, 'services', 'openai-api.yaml'));
    const args = (db: string) => ['scan', ...repos.flatMap((r) => ['--repo', r]), '--egress', join(demo, 'egress', 'access.log'), '--egress', join(demo, 'egress', 'dns.log'), '--audit', join(demo, 'audit'), '--rules', extra, '--db', db, '--format', 'json', '--quiet'];
    const d = tmpDir();
    const fresh = await cli(args(join(d, 'a.db')), { SHADOWSCAN_NO_RULE_CACHE: '1' });
    expect(fresh.err).toBe('');
    // and the TypeScript sources (tsx), rules parsed afresh: the compiled build finds the same
    const source = await cli(args(join(d, 's.db')), { SHADOWSCAN_NO_RULE_CACHE: '1', SHADOWSCAN_FROM_SOURCE: '1' });
    expect(source.err).toBe('');
    const cacheDir = join(d, 'cache');
    const first = await cli(args(join(d, 'b.db')), { SHADOWSCAN_CACHE_DIR: cacheDir });
    const setFiles = readdirSync(cacheDir).filter((f) => /^rules-[0-9a-f]{32}\.json$/.test(f));
    expect(setFiles).toHaveLength(1);
    const written = statSync(join(cacheDir, setFiles[0])).mtimeMs;
    const fromCache = await cli(args(join(d, 'c.db')), { SHADOWSCAN_CACHE_DIR: cacheDir });
    // a hit reads the cache and writes nothing
    expect(statSync(join(cacheDir, setFiles[0])).mtimeMs).toBe(written);
    expect(readdirSync(cacheDir).filter((f) => f.startsWith('rules-'))).toHaveLength(1);
    const findings = stable(fresh.out) as unknown[];
    expect(findings.length).toBeGreaterThan(20);
    expect(stable(source.out)).toEqual(findings);
    expect(stable(first.out)).toEqual(findings);
    expect(stable(fromCache.out)).toEqual(findings);
  });
});
