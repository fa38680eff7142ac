/**
 * Evidence roles (scanners/repo/role.ts): each role from paths, file kinds and content, and the
 * look-alikes that must not be taken for them.
 */
import { describe, expect, it } from 'vitest';
import { fileRole, isCiPath, isTestFileName, lineRole, ROLES, type Role } from '../../../scanners/repo/role.js';
import { firstPartyPython, pythonModules } from '../../../scanners/repo/scan.js';
import { ACME_KEY, rmTree, runScan, tree } from './helpers.js';

const role = (relPath: string, head?: string, agentConfig = false) => fileRole({ relPath, head, agentConfig });

describe('fileRole', () => {
  const cases: Array<[string, Role]> = [
    // test
    ['tests/test_client.py', 'test'],
    ['src/__tests__/chat.ts', 'test'],
    ['pkg/client_test.go', 'test'],
    ['app/chat.test.tsx', 'test'],
    ['lib/chat.spec.js', 'test'],
    ['spec/openai/client_spec.rb', 'test'],
    ['src/test/java/com/acme/ClientTest.java', 'test'],
    ['Tests/AcmeKitTests/ClientTests.swift', 'test'],
    ['src/Polly.Core.Tests/RetryTests.cs', 'test'],
    ['client/src/commonTest/kotlin/Api.kt', 'test'],
    ['glean-core/rlb-tests/src/lib.rs', 'test'],
    ['conftest.py', 'test'],
    // fixture (more specific than the test folder around it)
    ['tests/fixtures/keys.env', 'fixture'],
    ['pkg/testdata/config.yaml', 'fixture'],
    ['src/__fixtures__/resp.json', 'fixture'],
    ['tests/cassettes/test_chat.yaml', 'fixture'],
    ['src/__snapshots__/ui.test.ts.snap', 'fixture'],
    ['src/__mocks__/sdk.ts', 'fixture'],
    // example
    ['examples/chat/main.py', 'example'],
    ['examples/chat/package.json', 'example'],
    ['samples/app/Program.cs', 'example'],
    ['OpenAI.Playground/Program.cs', 'example'],
    ['demo/index.js', 'example'],
    // docs
    ['README.md', 'docs'],
    ['docs/setup.md', 'docs'],
    ['docs/conf.py', 'docs'],
    ['CHANGELOG', 'docs'],
    ['guide.mdx', 'docs'],
    ['notes.rst', 'docs'],
    // ui-text
    ['src/locales/en.json', 'ui-text'],
    ['app/i18n/de.yml', 'ui-text'],
    ['po/fr.po', 'ui-text'],
    ['Resources/en.lproj/Localizable.strings', 'ui-text'],
    ['templates/help.html', 'ui-text'],
    // vendored / generated
    ['node_modules/sdk/index.js', 'vendored'],
    ['vendor/github.com/x/y/client.go', 'vendored'],
    ['dist/bundle.js', 'generated'],
    ['static/app.min.js', 'generated'],
    ['api/v1/service.pb.go', 'generated'],
    ['proto/chat_pb2.py', 'generated'],
    // ci
    ['.github/workflows/review.yml', 'ci'],
    ['.gitlab-ci.yml', 'ci'],
    ['.circleci/config.yml', 'ci'],
    ['Jenkinsfile', 'ci'],
    ['azure-pipelines.yml', 'ci'],
    // manifest
    ['package.json', 'manifest'],
    ['services/api/requirements.txt', 'manifest'],
    ['go.mod', 'manifest'],
    ['go.sum', 'manifest'],
    ['Cargo.lock', 'manifest'],
    ['pnpm-lock.yaml', 'manifest'],
    ['gradle/libs.versions.toml', 'manifest'],
    // iac
    ['infra/main.tf', 'iac'],
    ['infra/main.bicep', 'iac'],
    ['Dockerfile', 'iac'],
    ['docker-compose.yml', 'iac'],
    ['compose.yaml', 'iac'],
    ['Pulumi.yaml', 'iac'],
    ['charts/app/values.yaml', 'iac'],
    // config
    ['.env', 'config'],
    ['.env.example', 'config'],
    ['config/settings.yaml', 'config'],
    ['app.properties', 'config'],
    // source
    ['src/app.py', 'source'],
    ['cmd/main.go', 'source'],
    ['web/App.tsx', 'source'],
    ['notebooks/explore.ipynb', 'source'],
  ];
  it.each(cases)('%s → %s', (p, r) => {
    expect(role(p)).toBe(r);
  });

  it('every role the classifier returns is a declared role', () => {
    for (const [p] of cases) expect(ROLES).toContain(role(p));
  });

  const lookAlikes: Array<[string, Role, string]> = [
    ['contest/solver.py', 'source', 'contest is not a test folder'],
    ['src/latest/client.py', 'source', 'latest is not test'],
    ['attestation/verify.go', 'source', 'attestation is not a test folder'],
    ['src/testimonials/Card.tsx', 'source', 'testimonials is not a test folder'],
    ['packages/examples-utils/index.ts', 'source', 'a package whose name contains examples is not an example folder'],
    ['src/example_client.py', 'source', 'a file named example_* is not an example folder'],
    ['src/sampler/mod.rs', 'source', 'sampler is not a sample folder'],
    ['src/docstring/parse.py', 'source', 'docstring is not docs'],
    ['src/language/detect.py', 'source', 'language is not a locale folder'],
    ['pkg/protest/run.go', 'source', 'protest is not test'],
    ['src/Contest.java', 'source', 'Contest.java is not a JVM test class'],
    ['src/testing_utils/help.txt', 'test', 'testing/ is a test folder only by its whole name — testing_utils is a *_utils folder'],
  ];
  it.each(lookAlikes.filter(([, r]) => r !== 'test'))('look-alike %s → %s (%s)', (p, r) => {
    expect(role(p)).toBe(r);
  });

  it('a folder named testing_utils is not a test folder, but a test file inside any folder is a test', () => {
    expect(role('src/testing_utils/helpers.py')).toBe('source');
    expect(role('src/testing_utils/test_helpers.py')).toBe('test');
  });

  it('agent configs come from the rules (no vendor names here), unless they sit in a mention folder', () => {
    expect(role('AGENTS.md', undefined, true)).toBe('agent-config');
    expect(role('.acme/settings.json', undefined, true)).toBe('agent-config');
    expect(role('AGENTS.md')).toBe('docs');
    expect(role('examples/demo/AGENTS.md', undefined, true)).toBe('example');
  });

  it('content decides generated code and Python test modules', () => {
    expect(role('api/client.go', '// Code generated by openapi-generator. DO NOT EDIT.\npackage api\n')).toBe('generated');
    expect(role('src/schema.ts', '/* eslint-disable */\n// @generated by protoc-gen-es\n')).toBe('generated');
    expect(role('src/client.go', 'package client\n// this code is not generated by hand, honestly\n')).toBe('source');
    expect(role('checks.py', 'import pytest\n\ndef test_chat():\n    assert True\n')).toBe('test');
    expect(role('tool.py', 'import os\n\ndef test_connection():\n    pass\n')).toBe('source');
  });

  it('content decides CloudFormation and Kubernetes manifests outside IaC folders', () => {
    expect(role('stack.yaml', 'AWSTemplateFormatVersion: "2010-09-09"\nResources: {}\n')).toBe('iac');
    expect(role('app.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {}\n')).toBe('iac');
    expect(role('app.yaml', 'name: app\nversion: 1\n')).toBe('config');
  });
});

describe('test file names and CI paths', () => {
  it('knows the languages’ test file conventions and not their look-alikes', () => {
    for (const n of ['a_test.go', 'test_a.py', 'a_test.py', 'a.test.ts', 'a.spec.tsx', 'a_spec.rb', 'ATest.java', 'AIT.java', 'ClientTests.cs', 'ATests.swift']) expect(isTestFileName(n), n).toBe(true);
    for (const n of ['latest.go', 'contest.py', 'attest.ts', 'Contest.java', 'testify.go', 'protest.rb', 'tester.py']) expect(isTestFileName(n), n).toBe(false);
  });
  it('knows CI definitions and not files that merely live under .github', () => {
    expect(isCiPath('.github/workflows/ci.yaml')).toBe(true);
    expect(isCiPath('.github/actions/setup/action.yml')).toBe(true);
    expect(isCiPath('.github/ISSUE_TEMPLATE/bug.yml')).toBe(false);
    expect(isCiPath('docs/workflows/ci.yml')).toBe(false);
  });
});

describe('lineRole', () => {
  it('a link rendered in a component is UI text; a fetch in the same file is source', () => {
    expect(lineRole('source', 'components/Footer.tsx', '<a href="https://acme-ai.example/">Powered by Acme</a>')).toBe('ui-text');
    expect(lineRole('source', 'components/Help.tsx', '  <p>Get a key at https://console.acme-ai.example/keys</p>')).toBe('ui-text');
    expect(lineRole('source', 'app/route.tsx', '  const r = await fetch("https://api.acme-llm.test/v1/predictions", {')).toBe('source');
    expect(lineRole('source', 'app/route.py', '<a href="https://acme-ai.example/">')).toBe('source');
    expect(lineRole('test', 'tests/Footer.tsx', '<a href="https://acme-ai.example/">')).toBe('test');
  });
});

describe('repo scan: attrs.role on every observation', () => {
  it('tags manifests, sources, tests, fixtures, examples and UI text by their file, credentials included', async () => {
    const root = tree({
      'package.json': JSON.stringify({ dependencies: { 'acme-llm': '1.0.0' } }),
      'src/app.py': 'import acme_llm\nclient = acme_llm.Client()\n',
      'tests/test_app.py': `import acme_llm\nKEY = "${ACME_KEY}"\n`,
      'tests/fixtures/resp.json': '{"url": "https://api.acme-llm.test/v1/chat"}',
      'examples/chat/requirements.txt': 'acme-llm==1.0\n',
      'contest/solver.py': 'import acme_llm\n',
      'web/Footer.tsx': 'export const F = () => <a href="https://api.acme-llm.test/v1">Acme</a>;\nconst u = fetch("https://api.acme-llm.test/v1/chat");\n',
    });
    try {
      const { observations } = await runScan({ paths: [root] });
      const roleOf = (pred: (o: (typeof observations)[number]) => boolean) => observations.filter(pred).map((o) => `${o.locator} ${o.attrs?.role}`).sort();
      expect(observations.every((o) => typeof o.attrs?.role === 'string')).toBe(true);
      expect(roleOf((o) => o.kind === 'package')).toEqual(['examples/chat/requirements.txt:1 example', 'package.json:1 manifest'].sort());
      expect(roleOf((o) => o.kind === 'import')).toEqual(['contest/solver.py:1 source', 'src/app.py:1 source', 'tests/test_app.py:1 test'].sort());
      const cred = observations.filter((o) => o.kind === 'credential');
      expect(cred.length).toBe(1);
      for (const c of cred) expect(c.attrs?.role).toBe('test');
      const urls = roleOf((o) => o.kind === 'url' && o.locator.startsWith('web/'));
      expect(urls).toEqual(['web/Footer.tsx:1 ui-text', 'web/Footer.tsx:2 source']);
      expect(roleOf((o) => o.locator.startsWith('tests/fixtures/'))).toEqual(observations.filter((o) => o.locator.startsWith('tests/fixtures/')).map((o) => `${o.locator} fixture`).sort());
    } finally {
      rmTree(root);
    }
  });
});

describe('first-party Python modules', () => {
  it('pythonModules / firstPartyPython: a module beside the file, at the root or under src/ is the repository’s own', () => {
    const mods = pythonModules([{ rel: 'acme_llm.py' }, { rel: 'pkg/tool/__init__.py' }, { rel: 'src/helper.py' }, { rel: 'bin/run.py' }]);
    expect(firstPartyPython(mods, 'bin/run.py', 'acme_llm')).toBe(true);
    expect(firstPartyPython(mods, 'bin/run.py', 'helper.x')).toBe(true);
    expect(firstPartyPython(mods, 'pkg/main.py', 'tool')).toBe(true);
    expect(firstPartyPython(mods, 'bin/run.py', 'tool')).toBe(false);
    expect(firstPartyPython(mods, 'bin/run.py', 'requests')).toBe(false);
  });

  it('the scan marks an import of the repository’s own same-named module as first-party', async () => {
    const root = tree({ 'acme_llm.py': 'def create(path):\n    pass\n', 'bin/tool.py': 'import acme_llm\n', 'other/app.py': 'import acme_llm\n' });
    const lone = tree({ 'app.py': 'import acme_llm\n' });
    try {
      const imports = (await runScan({ paths: [root] })).observations.filter((o) => o.kind === 'import');
      expect(imports.map((o) => `${o.locator} ${o.attrs?.firstParty === true}`).sort()).toEqual(['bin/tool.py:1 true', 'other/app.py:1 true']);
      const third = (await runScan({ paths: [lone] })).observations.filter((o) => o.kind === 'import');
      expect(third.map((o) => o.attrs?.firstParty)).toEqual([undefined]);
    } finally {
      rmTree(root);
      rmTree(lone);
    }
  });
});
