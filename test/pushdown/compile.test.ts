/**
 * The compiler: the rules table's regexes mean exactly what RuleIndex.matchHost means (a
 * property test over hosts and paths built from the rules, look-alikes included), every target's
 * query carries that table, and the SPL / KQL / ES|QL / SQL texts are golden files (regenerate
 * with UPDATE_GOLDEN=1 after a deliberate change).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerRulesCompileCommand } from '../../src/pushdown/cli.js';
import { join } from 'node:path';
import fc from 'fast-check';
import { domainTable } from '../../src/pushdown/rule-table.js';
import { compileQuery, rulesCompile } from '../../src/pushdown/compile.js';
import { normalizeHost } from '../../src/core/host.js';
import { ruleIndex } from '../../src/rules/load.js';
import type { RuleIndex } from '../../src/rules/compile.js';
import { TARGETS } from '../../src/pushdown/types.js';
import { LOOKALIKES, pdRules, tmp } from './helpers.js';

const GOLDEN = join(process.cwd(), 'fixtures/pushdown/golden');

/** What the compiled query decides for (host, path): the best row of the table, by score then rule order. */
function tableHit(rules: RuleIndex, host: string, path: string): string | undefined {
  const t = domainTable(rules);
  if (!new RegExp(t.candidateRe).test(host)) return undefined;
  const rows = t.rows.filter((r) => new RegExp(r.hostRe).test(host) && (!r.pathRe || new RegExp(r.pathRe).test(path.toLowerCase())));
  rows.sort((a, b) => a.score - b.score || a.ordinal - b.ordinal);
  return rows[0] ? rows[0].service : undefined;
}

function hostsFrom(rules: RuleIndex): string[] {
  const out: string[] = [];
  for (const d of rules.domainRules()) {
    const h = d.pattern.replace(/\{[^}]*\}/g, 'x1');
    out.push(h, `a.${h}`, `not${h}`, `${h}.evil.net`, `${h.split('.').slice(1).join('.')}`, `a-b.${h}`);
  }
  return [...new Set(out.filter(Boolean))];
}

describe('rules table = RuleIndex.matchHost', () => {
  for (const [name, rules] of [['test rules', pdRules()], ['bundled rules', ruleIndex().index]] as const) {
    it(`${name}: every host and path built from the rules decides the same`, () => {
      const hosts = hostsFrom(rules);
      const paths = ['', '/', '/code', '/codex', '/code/x', '/openai/deployments', '/client/v4/accounts/abc/ai/run', '/client/v4/zones', '/serving-endpoints/x', '/api/2.0/serving-endpoints', '/chat', '/i/grok', '/copilot', '/copilot_internal/v2'];
      fc.assert(
        fc.property(fc.constantFrom(...hosts), fc.constantFrom(...paths), (host, path) => {
          const h = normalizeHost(host);
          expect(tableHit(rules, h, path), `${h}${path}`).toBe(rules.matchHost(h, path || undefined)?.service);
        }),
        { numRuns: 3000, seed: 13 },
      );
    });
  }

  it('look-alikes never pass the candidate filter; the real hosts do', () => {
    const t = domainTable(pdRules());
    const re = new RegExp(t.candidateRe);
    for (const h of LOOKALIKES) expect(re.test(h), h).toBe(false);
    for (const h of ['api.alpha.test', 'alpha.test', 'x.y.alpha.test', 'res1.beta-ai.test', 'inference.eu-west-1-gpu.cloud.test', 'code.test', 'api.platform.test']) expect(re.test(h), h).toBe(true);
    const bundled = new RegExp(domainTable(ruleIndex().index).candidateRe);
    for (const h of ['openai.com.evil.net', 'notopenai.com', 'api.openai.com.attacker.io', 'xanthropic.com']) expect(bundled.test(h), h).toBe(false);
    for (const h of ['api.openai.com', 'myres.openai.azure.com', 'bedrock-runtime.us-east-1.amazonaws.com']) expect(bundled.test(h), h).toBe(true);
  });
});

describe('compiled queries', () => {
  const window = { from: new Date('2026-12-01T00:00:00Z'), to: new Date('2026-12-02T00:00:00Z') };
  const map = { user: 'login', clientIp: 'src_ip', url: 'url', bytesOut: 'sent_bytes', bytesIn: 'recv_bytes', action: 'action' };
  const FROM: Record<string, string> = { duckdb: "read_parquet('logs/*.parquet')", trino: 'lake.proxy_logs', athena: 'lake.proxy_logs', bigquery: '`acme.logs.proxy`', postgres: 'proxy_logs', spl: 'index=proxy sourcetype=squid', kql: 'CommonSecurityLog', esql: 'logs-proxy-*' };

  for (const target of TARGETS) {
    it(`${target}: golden text, the rules table inside, the look-alikes' only way in closed`, () => {
      const map2 = target === 'kql' ? { ...map, time: 'TimeGenerated' } : target === 'esql' ? { ...map, time: '@timestamp' } : map;
      const c = compileQuery(pdRules(), { target, source: 'egress', from: FROM[target], map: map2, window });
      const t = domainTable(pdRules());
      // every rule travels in the query: its host regex (Lucene form for ES|QL)
      const lit = (re: string) => (target === 'esql' ? re.slice(1, -1) : target === 'bigquery' ? re.replace(/\\/g, '\\\\') : re);
      for (const r of t.rows) expect(c.query).toContain(lit(r.hostRe));
      expect(c.query).toContain(target === 'esql' ? t.candidateRe.slice(1, -1) : t.candidateRe);
      expect(c.hash).toMatch(/^[0-9a-f]{12}$/);
      if (['spl', 'kql', 'esql'].includes(target)) expect(c.lookups[0].content.split('\n')[0]).toBe('rank,service,pattern,path_prefix,host_re,path_re');
      const ext = { spl: 'spl', kql: 'kql', esql: 'esql' }[target as string] ?? 'sql';
      const file = join(GOLDEN, `egress.${target}.${ext}`);
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, c.query + '\n');
      }
      expect(c.query + '\n', `golden ${file} differs — UPDATE_GOLDEN=1 to regenerate`).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('audit SQL golden (athena)', () => {
    const c = compileQuery(pdRules(), { target: 'athena', source: 'audit', from: 'lake.cloudtrail_flat', map: { subject: 'principal_arn', errorCode: 'error_code' }, timeType: 'iso', window });
    expect(c.query).toContain("('p-cloud-ai', 'bedrock.amazonaws.com')");
    const file = join(GOLDEN, 'audit.athena.sql');
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, c.query + '\n');
    expect(c.query + '\n').toBe(readFileSync(file, 'utf8'));
  });
});

describe('rules compile (the command as a function)', () => {
  it('parses the arguments as typed', () => {
    const c = rulesCompile(pdRules(), { target: 'KQL', map: ['host=DestinationHostName,user=SourceUserName', 'bytesOut=SentBytes'], since: '2026-12-01', until: '2026-12-02' });
    expect(c.target).toBe('kql');
    expect(c.query).toMatch(/^\/\/ shadowscan egress push-down \(kql\).*\nCommonSecurityLog\n\| where TimeGenerated >= datetime\(2026-12-01T00:00:00\.000Z\)\n\| where TimeGenerated < datetime\(2026-12-02T00:00:00\.000Z\)/);
    expect(c.query).toContain('tostring(DestinationHostName)');
    expect(c.query).toContain('sum(tolong(SentBytes))');
    const d = rulesCompile(pdRules(), { target: 'duckdb', source: 'audit', from: "read_parquet('ct/*.parquet')" });
    expect(d.query).toContain("FROM read_parquet('ct/*.parquet') AS src");
  });

  it('refuses what it cannot compile, saying what it expected', () => {
    expect(() => rulesCompile(pdRules(), { target: 'oracle' })).toThrow(/--target: expected one of duckdb, trino, athena, bigquery, postgres, spl, kql, esql/);
    expect(() => rulesCompile(pdRules(), { target: 'duckdb', source: 'dns' })).toThrow(/--source: expected one of egress, audit/);
    expect(() => rulesCompile(pdRules(), { target: 'duckdb', map: ['host'] })).toThrow(/expected FIELD=COLUMN/);
    expect(() => rulesCompile(pdRules(), { target: 'duckdb', map: ['host=a b'] })).toThrow(/not a column name/);
    expect(() => rulesCompile(pdRules(), { target: 'spl', source: 'audit' })).toThrow(/only --source egress/);
    expect(() => rulesCompile(pdRules(), { target: 'duckdb', since: 'yesterday' })).toThrow(/neither an ISO date-time/);
    expect(() => rulesCompile(pdRules(), { target: 'duckdb', since: '2026-12-02', until: '2026-12-01' })).toThrow(/--since must be before --until/);
  });
});

describe('rules compile (commander registration)', () => {
  it('registers under `rules`, prints the query and writes the query and the lookup with --out', async () => {
    const program = new Command().exitOverride();
    const rules = program.command('rules');
    const out: string[] = [];
    const err: string[] = [];
    const extra: string[][] = [];
    registerRulesCompileCommand(rules, { ruleIndex: (dirs) => (extra.push(dirs), { index: pdRules() }), out: (s) => out.push(s), err: (s) => err.push(s) });
    const dir = tmp();
    await program.parseAsync(['rules', 'compile', '--target', 'spl', '--from', 'index=proxy', '--map', 'host=dest', '--map', 'user=login', '--rules', '/org/rules', '--out', dir], { from: 'user' });
    expect(out.join('')).toMatch(/^search index=proxy\n\| eval ss_host=replace\(lower\(trim\(tostring\(dest\)\)\)/);
    expect(extra).toEqual([['/org/rules']]);
    expect(readdirSync(dir).sort()).toEqual(['shadowscan-ai-domains.csv', 'shadowscan-egress.spl.spl']);
    expect(readFileSync(join(dir, 'shadowscan-ai-domains.csv'), 'utf8')).toContain('p-platform,api.platform.test,/client/v4/accounts/{account}/ai/');
    expect(err.join('')).toMatch(/wrote 2 file\(s\)/);
    await expect(program.parseAsync(['rules', 'compile'], { from: 'user' })).rejects.toThrow(/--target/);
  });
});

describe('look-alikes through every target', () => {
  /** The candidate filter as each target writes it, read back out of the query text. */
  const filters: Record<string, (q: string) => string> = {
    duckdb: (q) => /WHERE regexp_matches\(host, '([^']+)'\)/.exec(q)![1],
    trino: (q) => /WHERE regexp_like\(host, '([^']+)'\)/.exec(q)![1],
    athena: (q) => /WHERE regexp_like\(host, '([^']+)'\)/.exec(q)![1],
    bigquery: (q) => /WHERE REGEXP_CONTAINS\(host, r'([^']+)'\)/.exec(q)![1],
    postgres: (q) => /WHERE \(host ~ '([^']+)'\)/.exec(q)![1],
    spl: (q) => /\| where match\(ss_host, "([^"]+)"\)/.exec(q)![1],
    kql: (q) => /\| where ss_host matches regex @"([^"]+)"/.exec(q)![1],
    // Lucene regexes match the whole string: anchored here to test them the same way
    esql: (q) => `^(?:${/\| WHERE ss_host RLIKE """([^"]+)"""/.exec(q)![1]})$`,
  };
  for (const target of TARGETS) {
    it(`${target}: the filter in the query lets the AI hosts in and keeps every look-alike out`, () => {
      for (const rules of [pdRules(), ruleIndex().index]) {
        const q = compileQuery(rules, { target, source: 'egress', from: 'logs', map: { host: 'host' } }).query;
        const re = new RegExp(filters[target](q));
        for (const h of [...LOOKALIKES, 'openai.com.evil.net', 'notopenai.com', 'api.openai.com.attacker.io', 'xanthropic.com']) expect(re.test(h), `${target} ${h}`).toBe(false);
        const real = rules === pdRules() ? ['api.alpha.test', 'x.alpha.test', 'res1.beta-ai.test'] : ['api.openai.com', 'myres.openai.azure.com', 'bedrock-runtime.us-east-1.amazonaws.com'];
        for (const h of real) expect(re.test(h), `${target} ${h}`).toBe(true);
      }
    });
  }
});
