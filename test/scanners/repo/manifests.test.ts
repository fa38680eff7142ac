import { describe, expect, it } from 'vitest';
import { manifestParsers } from '../../../scanners/repo/parsers/manifests/index.js';
import { parseRequirement } from '../../../scanners/repo/parsers/manifests/python.js';
import { pnpmKeyName } from '../../../scanners/repo/parsers/manifests/npm.js';
import type { FileParser } from '../../../scanners/repo/parsers/types.js';
import { runParser, runParserText, testRules } from './helpers.js';

function parser(id: string): FileParser {
  const p = manifestParsers.find((x) => x.id === id);
  if (!p) throw new Error(`no parser ${id}`);
  return p;
}

type Exp = [value: string, line: number, direct?: boolean];

interface Case {
  id: string;
  good: string;
  ns: string;
  expect: Exp[];
  /** values that must not be emitted */
  absent?: string[];
  bad: string;
  /** line of the first problem for the malformed file (undefined: no problem expected, only no crash) */
  badLine?: number;
}

const cases: Case[] = [
  {
    id: 'npm-package-json', good: 'good/npm/package.json', ns: 'npm',
    expect: [['express', 7, true], ['@acme/llm-sdk', 8, true], ['zod', 9], ['vitest', 12], ['react', 15], ['acme-llm', 18]],
    bad: 'bad/package.json', badLine: 5,
  },
  {
    id: 'npm-package-lock', good: 'good/npm-lock-v3/package-lock.json', ns: 'npm',
    expect: [['@acme/llm-sdk', 18, true], ['acme-llm', 25, false], ['express', 29, true], ['vitest', 35, true]],
    absent: ['local-pkg', 'support-bot'],
    bad: 'bad/package-lock.json', badLine: 5,
  },
  {
    id: 'npm-package-lock', good: 'good/npm-lock-v1/package-lock.json', ns: 'npm',
    expect: [['@acme/llm-sdk', 7, true], ['acme-llm', 14, false], ['lodash', 18, true], ['tiny', 21, false]],
    bad: 'bad/package-lock.json', badLine: 5,
  },
  {
    id: 'npm-pnpm-lock', good: 'good/pnpm-v9/pnpm-lock.yaml', ns: 'npm',
    expect: [['@acme/llm-sdk', 11, true], ['express', 14, true], ['vitest', 18, true], ['acme-llm', 33, false]],
    absent: ['shared'],
    bad: 'bad/pnpm-lock.yaml', badLine: 6,
  },
  { id: 'npm-pnpm-lock', good: 'good/pnpm-v6/pnpm-lock.yaml', ns: 'npm', expect: [['@acme/llm-sdk', 4, true], ['acme-llm', 16, false]], bad: 'bad/pnpm-lock.yaml', badLine: 6 },
  { id: 'npm-pnpm-lock', good: 'good/pnpm-v5/pnpm-lock.yaml', ns: 'npm', expect: [['acme-llm', 7, true], ['@acme/core', 17, false]], bad: 'bad/pnpm-lock.yaml', badLine: 6 },
  {
    id: 'npm-yarn-lock', good: 'good/yarn-classic/yarn.lock', ns: 'npm',
    expect: [['@acme/llm-sdk', 5, true], ['acme-llm', 12, false], ['express', 17, true]],
    bad: 'bad/yarn.lock', badLine: 3,
  },
  {
    id: 'npm-yarn-lock', good: 'good/yarn-berry/yarn.lock', ns: 'npm',
    expect: [['@acme/llm-sdk', 8, true], ['acme-llm', 17, false]],
    absent: ['support-bot', '__metadata'],
    bad: 'bad/yarn.lock', badLine: 3,
  },
  {
    id: 'pypi-requirements', good: 'good/python/requirements.txt', ns: 'pypi',
    expect: [['acme-llm', 4], ['requests', 5], ['Acme_Vector.Client', 8], ['acme-agents', 9], ['acme_tools', 10], ['numpy', 11]],
    absent: ['https', 'local'],
    bad: 'bad/requirements.txt', badLine: 2,
  },
  {
    id: 'pypi-pyproject', good: 'good/python/pyproject.toml', ns: 'pypi',
    expect: [['acme-llm', 9], ['httpx', 10], ['pydantic', 11], ['acme-vector-client', 15], ['pytest', 16], ['ruff', 19]],
    bad: 'bad/pyproject.toml', badLine: 5,
  },
  {
    id: 'pypi-pyproject', good: 'good/poetry/pyproject.toml', ns: 'pypi',
    expect: [['acme-llm', 9], ['fastapi', 10], ['acme-agents', 11], ['pytest', 14], ['black', 17]],
    absent: ['python'],
    bad: 'bad/pyproject.toml', badLine: 5,
  },
  { id: 'pypi-pipfile', good: 'good/python/Pipfile', ns: 'pypi', expect: [['acme-llm', 7], ['flask', 8], ['acme-vector-client', 9], ['pytest', 12]], absent: ['pypi', 'python_version'], bad: 'bad/Pipfile', badLine: 2 },
  { id: 'pypi-setup-cfg', good: 'good/python/setup.cfg', ns: 'pypi', expect: [['acme-llm', 9], ['requests', 10], ['tomli', 11], ['acme-vector-client', 15]], absent: ['find:'], bad: 'bad/setup.cfg', badLine: 4 },
  { id: 'pypi-setup-py', good: 'good/python/setup.py', ns: 'pypi', expect: [['acme-llm', 4], ['click', 5], ['acme-vector-client', 14], ['pytest', 15]], absent: ['vector', 'dev', 'summarizer-cli'], bad: 'bad/setup.py', badLine: 3 },
  { id: 'pypi-conda-environment', good: 'good/conda/environment.yml', ns: 'pypi', expect: [['numpy', 7], ['acme-llm', 8], ['acme-vector-client', 11]], absent: ['python', 'pip'], bad: 'bad/environment.yml', badLine: 6 },
  { id: 'go-mod', good: 'good/go/go.mod', ns: 'go', expect: [['github.com/acme/llm-go', 5, true], ['github.com/gin-gonic/gin', 8, true], ['github.com/acme/vector-go/v2', 9, false]], bad: 'bad/go.mod', badLine: 5 },
  { id: 'maven-pom', good: 'good/maven/pom.xml', ns: 'maven', expect: [['com.acme.llm:acme-llm-java', 10], ['org.junit.jupiter:junit-jupiter', 15], ['com.acme.vector:vector-bom', 24]], absent: ['com.example:assistant'], bad: 'bad/pom.xml', badLine: 5 },
  { id: 'maven-gradle', good: 'good/gradle/build.gradle', ns: 'maven', expect: [['com.acme.llm:acme-llm-java', 6], ['org.junit.jupiter:junit-jupiter', 7], ['com.acme.vector:vector-client', 8]], absent: ['com.example:commented-out'], bad: 'bad/build.gradle' },
  { id: 'maven-gradle', good: 'good/gradle-kts/build.gradle.kts', ns: 'maven', expect: [['com.acme.llm:acme-llm-kotlin', 6], ['com.acme.vector:vector-client', 7]], bad: 'bad/build.gradle' },
  { id: 'maven-gradle-catalog', good: 'good/gradle-kts/gradle/libs.versions.toml', ns: 'maven', expect: [['com.acme.llm:acme-llm-kotlin', 5], ['com.acme.vector:vector-client', 6], ['io.ktor:ktor-client-core', 7]], bad: 'bad/Cargo.toml', badLine: 1 },
  { id: 'cargo-toml', good: 'good/cargo/Cargo.toml', ns: 'cargo', expect: [['acme-llm', 7], ['tokio', 8], ['acme-vector', 9], ['insta', 12], ['nix', 15]], absent: ['vec', 'edge-agent'], bad: 'bad/Cargo.toml', badLine: 1 },
  { id: 'nuget-project', good: 'good/nuget/Assistant.csproj', ns: 'nuget', expect: [['Acme.LLM', 6], ['Newtonsoft.Json', 7]], bad: 'bad/App.csproj', badLine: 4 },
  { id: 'nuget-project', good: 'good/nuget/packages.config', ns: 'nuget', expect: [['Acme.Vector', 3], ['log4net', 4]], bad: 'bad/packages.config', badLine: 1 },
  { id: 'rubygems-gemfile', good: 'good/ruby/Gemfile', ns: 'rubygems', expect: [['rails', 5], ['acme-llm', 6], ['rspec-rails', 9], ['acme-vector', 12]], bad: 'bad/Gemfile' },
  { id: 'rubygems-gemfile-lock', good: 'good/ruby/Gemfile.lock', ns: 'rubygems', expect: [['acme-llm', 4, true], ['faraday', 6, false], ['rails', 7, true]], bad: 'bad/Gemfile.lock' },
];

describe('manifest parsers', () => {
  it('have unique kebab-case ids and match their file names', () => {
    const ids = manifestParsers.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    for (const c of cases) {
      const rel = c.good.replace(/^good\/[^/]+\//, '');
      expect(parser(c.id).matches(rel, rel.split('/').pop()!), `${c.id} matches ${rel}`).toBe(true);
    }
  });

  for (const c of cases) {
    it(`${c.id}: ${c.good}`, () => {
      const rel = c.good.replace(/^good\/[^/]+\//, '');
      const r = runParser(parser(c.id), c.good, rel);
      expect(r.problems).toEqual([]);
      for (const o of r.obs) {
        expect(o).toMatchObject({ kind: 'package', namespace: c.ns, signal: 'presence' });
        expect(typeof o.attrs?.direct).toBe('boolean');
        expect(o.line).toBeGreaterThan(0);
        expect(o.snippet).toBeTruthy();
      }
      for (const [value, line, direct] of c.expect) {
        const o = r.obs.find((x) => x.value === value);
        expect(o, `${value} emitted`).toBeDefined();
        expect(o!.line, `${value} line`).toBe(line);
        if (direct !== undefined) expect(o!.attrs?.direct, `${value} direct`).toBe(direct);
      }
      for (const v of c.absent ?? []) expect(r.obs.map((o) => o.value)).not.toContain(v);
    });
    it(`${c.id}: malformed ${c.bad} → problem with a line, no crash`, () => {
      const r = runParser(parser(c.id), c.bad, c.bad.split('/').pop());
      if (c.badLine !== undefined) {
        expect(r.problems.length).toBeGreaterThan(0);
        expect(r.problems[0].line).toBe(c.badLine);
      }
    });
  }

  it('every good fixture declares the Acme packages the test rules know', () => {
    const rules = testRules();
    const r = runParser(parser('npm-package-json'), 'good/npm/package.json', 'package.json');
    const hits = r.obs.filter((o) => rules.matchPackage(o.namespace!, o.value)).map((o) => o.value);
    expect(hits).toEqual(['@acme/llm-sdk', 'acme-llm']);
  });

  it('requirement lines: extras, markers, hashes, URLs, local paths', () => {
    expect(parseRequirement('Acme-LLM[a, b] >= 1.0 ; sys_platform == "linux"')).toEqual({ name: 'Acme-LLM', extras: ['a', 'b'], specifier: '>=1.0', markers: 'sys_platform == "linux"', url: undefined, editable: undefined });
    expect(parseRequirement('pkg==1.0 --hash=sha256:abc')?.specifier).toBe('==1.0');
    expect(parseRequirement('pkg @ https://example.org/pkg-1.0.tar.gz')?.url).toBe('https://example.org/pkg-1.0.tar.gz');
    expect(parseRequirement('https://files.example.org/acme_llm-1.2.0-py3-none-any.whl')?.name).toBe('acme_llm');
    expect(parseRequirement('-e git+ssh://git@github.com/acme/x.git#egg=acme-x')).toMatchObject({ name: 'acme-x', editable: true });
    expect(parseRequirement('./local/pkg')).toBeUndefined();
    expect(parseRequirement('not a requirement at all')).toBeUndefined();
  });

  it('requirements: -r / -c lines and options produce no packages', () => {
    const r = runParserText(parser('pypi-requirements'), '-r base.txt\n-c constraints.txt\n--index-url https://x\n-i https://y\nacme-llm\n', 'requirements.txt');
    expect(r.obs.map((o) => o.value)).toEqual(['acme-llm']);
    expect(r.problems).toEqual([]);
  });

  it('requirements file matching', () => {
    const p = parser('pypi-requirements');
    for (const rel of ['requirements.txt', 'requirements-dev.txt', 'dev-requirements.txt', 'requirements/prod.txt', 'svc/requirements.in', 'constraints.txt']) {
      expect(p.matches(rel, rel.split('/').pop()!), rel).toBe(true);
    }
    for (const rel of ['README.txt', 'notes/requirements.md', 'LICENSE']) expect(p.matches(rel, rel.split('/').pop()!), rel).toBe(false);
  });

  it('pnpm package keys of every lockfile generation', () => {
    expect(pnpmKeyName('/acme-llm/0.8.3')).toBe('acme-llm');
    expect(pnpmKeyName('/@acme/core/1.1.0_typescript@4.9.5')).toBe('@acme/core');
    expect(pnpmKeyName('/@acme/llm-sdk@2.0.4')).toBe('@acme/llm-sdk');
    expect(pnpmKeyName('acme-llm@1.0.0(typescript@5.4.0)')).toBe('acme-llm');
    expect(pnpmKeyName('@acme/llm-sdk@2.3.1')).toBe('@acme/llm-sdk');
  });

  it('package.json with non-object sections reports a problem and keeps going', () => {
    const r = runParserText(parser('npm-package-json'), '{\n  "dependencies": ["x"],\n  "devDependencies": { "acme-llm": "1" }\n}\n', 'package.json');
    expect(r.problems).toEqual([{ message: expect.stringContaining('dependencies'), line: 2 }]);
    expect(r.obs.map((o) => o.value)).toEqual(['acme-llm']);
  });
});
