import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reconciler, inScope } from '../../src/reconcile/reconcile.js';
import { loadCatalog, validateCatalog, type Catalog } from '../../src/catalog/catalog.js';
import { CatalogError } from '../../src/core/errors.js';
import { tmpDir } from '../helpers/tmp.js';

const catalog: Catalog = validateCatalog(
  {
    version: 1,
    approved: [
      { service: 'alpha-ai', owner: { business: 'B' }, scope: { repos: ['payments-*'], users: ['*@corp.test'] }, approvedBy: 'ciso', approvedOn: '2026-01-01', expires: '2026-12-31' },
      { id: 'alpha-ai-research', service: 'alpha-ai', owner: { business: 'R' }, scope: { repos: ['research'] }, approvedBy: 'ciso', approvedOn: '2025-01-01', expires: '2025-12-31' },
      { service: 'beta-ai', owner: { business: 'B' }, approvedBy: 'ciso', approvedOn: '2026-01-01' },
    ],
    declined: [{ service: 'gamma-local', rationale: 'no', declinedBy: 'ciso', declinedOn: '2026-02-01' }],
  },
  'catalog.yaml',
);

describe('reconcile', () => {
  const r = new Reconciler(catalog, new Date('2026-11-28T12:00:00Z'));
  it('sanctioned inside scope', () => {
    expect(r.occurrence('alpha-ai', { kind: 'repo', id: 'payments-api' }).status).toBe('sanctioned');
    expect(r.occurrence('alpha-ai', { kind: 'user', id: 'bob@corp.test' }).status).toBe('sanctioned');
  });
  it('out of scope outside the globs, naming the scope', () => {
    const v = r.occurrence('alpha-ai', { kind: 'repo', id: 'web-frontend' });
    expect(v.status).toBe('out-of-scope');
    expect(v.reason).toMatch(/web-frontend is outside the approved repos/);
    expect(r.occurrence('alpha-ai', { kind: 'user', id: 'eve@other.test' }).status).toBe('out-of-scope');
    expect(r.occurrence('alpha-ai', { kind: 'account', id: '123456789012' }).status).toBe('out-of-scope');
  });
  it('approval expired when the only in-scope approval is past its date', () => {
    const v = r.occurrence('alpha-ai', { kind: 'repo', id: 'research' });
    expect(v.status).toBe('approval-expired');
    expect(v.entry).toBe('alpha-ai-research');
  });
  it('expiry is inclusive of the expiry day', () => {
    const onDay = new Reconciler(catalog, new Date('2026-12-31T23:00:00Z'));
    expect(onDay.occurrence('alpha-ai', { kind: 'repo', id: 'payments-api' }).status).toBe('sanctioned');
    const after = new Reconciler(catalog, new Date('2027-01-01T00:00:01Z'));
    expect(after.occurrence('alpha-ai', { kind: 'repo', id: 'payments-api' }).status).toBe('approval-expired');
  });
  it('unscoped approval covers every subject', () => {
    expect(r.occurrence('beta-ai', { kind: 'ip', id: '10.0.0.7' }).status).toBe('sanctioned');
  });
  it('declined service in use', () => {
    const v = r.occurrence('gamma-local', { kind: 'repo', id: 'x' });
    expect(v.status).toBe('declined-but-in-use');
    expect(v.reason).toMatch(/declined on 2026-02-01/);
  });
  it('anything else is unsanctioned', () => {
    expect(r.occurrence('delta', { kind: 'repo', id: 'x' }).status).toBe('unsanctioned');
  });
  it('resource scope for artifacts', () => {
    expect(inScope({ resources: ['arn:aws:bedrock:*:111122223333:*'] }, { kind: 'account', id: '111122223333' }, 'arn:aws:bedrock:us-east-1:111122223333:custom-model/x').ok).toBe(true);
    expect(inScope({ resources: ['arn:aws:bedrock:*:111122223333:*'] }, { kind: 'account', id: '999' }, 'arn:aws:bedrock:us-east-1:999:custom-model/x').ok).toBe(false);
  });
});

describe('catalog validation errors name the file, the path and what was expected', () => {
  const cases: Array<[string, RegExp]> = [
    ['version: 2\n', /catalog\.yaml: version: /],
    ['version: 1\napproved:\n  - service: alpha-ai\n    approvedBy: x\n    approvedOn: 2026-01-01\n', /approved\.0\.owner: missing: expected object/],
    ['version: 1\napproved:\n  - service: alpha-ai\n    owner: { business: b }\n    approvedBy: x\n    approvedOn: yesterday\n', /approved\.0\.approvedOn: expected a date YYYY-MM-DD/],
    ['version: 1\napproved:\n  - service: nope-ai\n    owner: { business: b }\n    approvedBy: x\n    approvedOn: 2026-01-01\n', /approved\.0\.service: unknown service "nope-ai"/],
    ['version: 1\napproved:\n  - service: alpha-ai\n    owner: { business: b }\n    approvedBy: x\n    approvedOn: 2026-01-01\n    compliance: { controls: [A.9.1] }\n', /approved\.0\.compliance\.controls\.0: expected an ISO\/IEC 42001 Annex A control id/],
    ['version: 1\ndeclined:\n  - service: alpha-ai\n    declinedBy: x\n    declinedOn: 2026-01-01\n    treatment: ban\n', /declined\.0\.rationale: missing: expected string|declined\.0\.treatment/],
    ['version: 1\napproved: [\n', /catalog\.yaml:\d+:\d+: invalid YAML/],
    ['version: 1\napproved:\n  - service: alpha-ai\n    owner: { business: b }\n    approvedBy: x\n', /approved\.0\.approvedOn: missing: expected a date YYYY-MM-DD/],
    ['', /catalog\.yaml: \(root\): the file is empty: expected a YAML mapping/],
    ['version: 1\nentries: []\n', /catalog\.yaml: \(root\): unknown key 'entries'/],
  ];
  for (const [yaml, re] of cases) {
    it(re.source, () => {
      const file = join(tmpDir(), 'catalog.yaml');
      writeFileSync(file, yaml);
      expect(() => loadCatalog(file, new Set(['alpha-ai']))).toThrowError(CatalogError);
      try {
        loadCatalog(file, new Set(['alpha-ai']));
      } catch (e) {
        expect((e as Error).message).toMatch(re);
        expect((e as Error).message).toContain(file);
      }
    });
  }
});

describe('a service\'s constant verdict', () => {
  const r = new Reconciler(catalog, new Date('2026-11-28T12:00:00Z'));
  const subjects = [{ kind: 'repo', id: 'payments-api' }, { kind: 'user', id: 'bob@corp.test' }, { kind: 'account', id: '1' }, { kind: 'ip', id: '10.0.0.1', name: 'h' }];
  it.each(['beta-ai', 'gamma-local', 'never-catalogued'])('%s (no scoped approval): the very verdict of every occurrence', (service) => {
    const c = r.constantVerdict(service);
    expect(c).toBeDefined();
    for (const s of subjects) expect(r.occurrence(service, s, 'arn:x')).toBe(c);
  });
  it('none for a service with a scoped approval (its verdict depends on the subject)', () => {
    expect(r.constantVerdict('alpha-ai')).toBeUndefined();
    expect(new Set(subjects.map((s) => r.occurrence('alpha-ai', s).status)).size).toBeGreaterThan(1);
  });
});
