/**
 * Evidence basis (src/resolve/basis.ts): usage-grade evidence makes an item, evidence only from
 * mention roles (test, fixture, docs, example, ui-text), transitive dependencies or web-page
 * links makes a candidate, with a reason naming them.
 */
import { describe, expect, it } from 'vitest';
import type { Finding, ObservationKind, SourceKind } from '../../src/core/types.js';
import { evidenceBasis, looksLikeApiUrl, MENTION_ROLES } from '../../src/resolve/basis.js';

let n = 0;
function finding(kind: ObservationKind, value: string, role: string | undefined, extra: Partial<Finding> = {}): Finding {
  n++;
  return {
    id: `f${n}`,
    kind,
    value,
    source: 'repo' as SourceKind,
    scanner: 'repo',
    signal: kind === 'credential' ? 'credential' : 'presence',
    confidence: 'declared',
    subject: { kind: 'repo', id: 'github.com/acme/app' },
    locator: `file${n}:1`,
    service: 'acme-llm',
    serviceName: 'Acme LLM',
    vendor: 'Acme',
    category: 'llm-api',
    match: { rule: kind === 'url' ? 'domain' : kind, pattern: value },
    ...extra,
    attrs: { ...(role ? { role } : {}), ...(extra.attrs ?? {}) },
  };
}

const usageGrade: Array<[string, Finding]> = [
  ['declared dependency', finding('package', 'acme-llm', 'manifest', { namespace: 'npm', attrs: { direct: true } })],
  ['import in source', finding('import', 'acme_llm', 'source', { namespace: 'python' })],
  ['client construction', finding('import', 'acme_llm#AcmeClient', 'source', { match: { rule: 'code-symbol', pattern: 'x' } })],
  ['API base URL in config', finding('url', 'https://api.acme-llm.test/v1', 'config', { match: { rule: 'api-base-url', pattern: 'x' } })],
  ['API host in source (domain rule)', finding('url', 'https://api.acme-llm.test/chat', 'source')],
  ['key variable in runtime config', finding('env-var', 'ACME_LLM_API_KEY', 'config')],
  ['IaC resource', finding('iac-resource', 'acme_llm_endpoint', 'iac', { namespace: 'terraform' })],
  ['container image', finding('container-image', 'acme/llm-server:1', 'iac')],
  ['agent config', finding('agent-config', 'AGENTS.md', 'agent-config')],
  ['CI action', finding('container-image', 'acme/review-action@v1', 'ci')],
  ['credential in config', finding('credential', 'acmk…Ij12', 'config')],
];

describe('evidenceBasis: usage', () => {
  it.each(usageGrade)('%s alone is usage', (_n, f) => {
    const b = evidenceBasis([f]);
    expect(b.basis).toBe('usage');
    expect(b.reason).toContain(f.locator);
  });

  it.each(['network', 'saas', 'cloud'] as const)('a %s finding is always usage, whatever attrs it carries', (source) => {
    expect(evidenceBasis([finding('host', 'api.acme-llm.test', 'docs', { source })]).basis).toBe('usage');
  });

  it('usage-grade evidence promotes a candidate: mentions plus one import is usage', () => {
    const mentions = [...MENTION_ROLES].map((r) => finding('import', 'acme_llm', r));
    expect(evidenceBasis(mentions).basis).toBe('candidate');
    const b = evidenceBasis([...mentions, finding('import', 'acme_llm', 'source', { locator: 'src/app.py:3' })]);
    expect(b).toEqual({ basis: 'usage', reason: 'import (source) at src/app.py:3' });
  });

  it('repo findings without a role (older scans) are judged by their kind', () => {
    expect(evidenceBasis([finding('package', 'acme-llm', undefined)]).basis).toBe('usage');
  });
});

describe('evidenceBasis: candidate', () => {
  it.each([...MENTION_ROLES])('evidence only from %s files is a candidate naming the role', (role) => {
    const b = evidenceBasis([finding('package', 'acme-llm', role), finding('url', 'https://api.acme-llm.test/v1', role, { match: { rule: 'api-base-url', pattern: 'x' } })]);
    expect(b.basis).toBe('candidate');
    expect(b.reason).toBe(`evidence only in ${role} files`);
  });

  it('a credential found only in test and fixture files is a candidate, not use', () => {
    const b = evidenceBasis([finding('credential', 'acmk…Ij12', 'test'), finding('credential', 'acmk…Zz90', 'fixture')]);
    expect(b).toEqual({ basis: 'candidate', reason: 'evidence only in fixture, test files' });
  });

  it('a transitive lock-file entry alone is a candidate', () => {
    const b = evidenceBasis([finding('package', 'acme-llm', 'manifest', { attrs: { direct: false } })]);
    expect(b).toEqual({ basis: 'candidate', reason: 'evidence only in transitive dependencies' });
  });

  it('a link to a vendor web page in source is a candidate; with docs roles the reason names both', () => {
    expect(evidenceBasis([finding('url', 'https://acme-llm.test/pricing', 'source')]).reason).toBe('evidence only in links to web pages');
    expect(evidenceBasis([finding('url', 'https://acme-llm.test/pricing', 'source'), finding('env-var', 'ACME_LLM_API_KEY', 'docs')]).reason).toBe(
      'evidence only in docs files and links to web pages',
    );
  });

  it('an import that resolves to the repository’s own same-named module is not usage', () => {
    expect(evidenceBasis([finding('import', 'acme_llm', 'source', { attrs: { firstParty: true } })])).toEqual({ basis: 'candidate', reason: 'evidence only in imports of first-party modules of the same name' });
  });

  it('no findings is no usage', () => {
    expect(evidenceBasis([]).basis).toBe('candidate');
  });
});

describe('looksLikeApiUrl', () => {
  it('tells API endpoints from web pages', () => {
    for (const u of ['https://api.acme.test', 'https://acme-api.example.com/x', 'https://gen.acme.test/v1beta/models', 'http://localhost:11434', 'http://llm:8080/x', 'https://x.acme.test/api/chat', 'https://{resource}.acme.test/openai'])
      expect(looksLikeApiUrl(u), u).toBe(true);
    for (const u of ['https://acme.test/', 'https://platform.acme.test/account/api-keys', 'https://docs.acme.test/guide/v', 'https://rapid.acme.test/', 'not a url'])
      expect(looksLikeApiUrl(u), u).toBe(false);
  });
});

describe('evidenceBasis: any order', () => {
  it('the same basis and reason in any order: of equal locators the smallest id, as if read in id order', () => {
    // usage-grade findings sharing locators, mentions and a non-repository finding, with ids out of locator order
    const pool = [
      ...usageGrade.map(([, f], i) => ({ ...f, id: `z${String(i).padStart(2, '0')}`, locator: `same:${i % 3}` })),
      finding('import', 'acme_llm', 'test'),
      finding('package', 'acme-llm', 'manifest', { attrs: { direct: false } }),
      { ...finding('host', 'api.acme-llm.test', undefined), source: 'network' as SourceKind, id: 'a00', locator: 'same:0' },
    ];
    let seed = 5;
    const shuffled = () => pool.map((f) => [(seed = (seed * 1103515245 + 12345) % 2 ** 31), f] as const).sort((a, b) => a[0] - b[0]).map(([, f]) => f);
    const inIdOrder = [...pool].sort((a, b) => (a.id < b.id ? -1 : 1));
    const want = evidenceBasis(inIdOrder);
    // the network finding 'a00' is first in id order among the four findings at the smallest locator
    expect(want.reason).toBe('network host at same:0');
    for (let i = 0; i < 20; i++) expect(evidenceBasis(shuffled())).toEqual(want);
    // candidates only: the reasons do not depend on the order either
    const mentions = pool.filter((f) => f.attrs?.role === 'test' || f.attrs?.direct === false);
    expect(evidenceBasis([...mentions].reverse())).toEqual(evidenceBasis(mentions));
  });
});
