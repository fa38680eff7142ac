/**
 * Lifecycle stages and STRIDE threats are STORED with each risk entry when the scan commit creates
 * it or changes its evidence, and when a decision or a lapsed review changes its item's status —
 * never derived at read time (a first filter on a large register used to derive them all). On both
 * backends: a fresh register answers stage / threat filters, through the store and the web's
 * register page, with no page viewed before; what is stored equals the one derivation over the
 * findings as stored; a triage override survives re-scans (override precedence).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivedThreats } from '../../src/governance/derived.js';
import { overrideThreats, resetThreats } from '../../src/governance/governance.js';
import { STRIDE, LIFECYCLE_STAGES } from '../../src/governance/mapping.js';
import { approve, triage, type IntakeContext } from '../../src/intake/actions.js';
import type { Register } from '../../src/register/register.js';
import { Auth } from '../../src/web/auth.js';
import { createServer } from '../../src/web/server.js';
import { rescan, seed, testCatalog, testRules } from '../intake/helpers.js';
import { BACKENDS } from '../register/backends.js';

const NOW = new Date('2026-04-21T10:00:00Z');
const pairs = (ts: Array<{ stage: string; threat: string }>) => ts.map((t) => `${t.stage}/${t.threat}`);

describe.each(BACKENDS)('stored stages and threats on $name', (backend) => {
  let register: Register;
  let ctx: IntakeContext;

  beforeAll(async () => {
    await backend.setup();
    register = await seed(await backend.fresh());
    ctx = { register, baseCatalog: testCatalog(), now: () => NOW };
  });
  afterAll(async () => {
    await register?.close();
    await backend.teardown();
  });

  /** Every entry's stored record against the derivation over its findings as stored now. */
  async function expectStoredIsDerived(): Promise<void> {
    const risks = await register.listRisks();
    const stored = new Map((await register.governance().list()).map((g) => [g.riskEntryId, g]));
    expect(risks.length).toBeGreaterThan(3);
    for (const r of risks) {
      const g = stored.get(r.id);
      expect(g, r.id).toBeDefined();
      if (g!.threatsSource === 'derived') expect(g!.threats, r.id).toEqual(await derivedThreats(register, r.itemId));
    }
  }

  it('the scan commit stores every new entry\'s derived stages and threats; filters answer from them at once', async () => {
    // nothing has read the register yet: the rows are there because the commit wrote them
    await expectStoredIsDerived();
    for (const stage of LIFECYCLE_STAGES) {
      const got = (await register.governance().list({ stage })).map((g) => g.riskEntryId).sort();
      const want = [];
      for (const r of await register.listRisks()) if ((await derivedThreats(register, r.itemId)).some((t) => t.stage === stage)) want.push(r.id);
      expect(got, stage).toEqual(want.sort());
    }
    for (const threat of STRIDE) {
      const got = (await register.governance().list({ threat })).map((g) => g.riskEntryId).sort();
      const want = [];
      for (const r of await register.listRisks()) if ((await derivedThreats(register, r.itemId)).some((t) => t.threat === threat)) want.push(r.id);
      expect(got, threat).toEqual(want.sort());
    }
    // the repository evidence puts DeepSeek at development; the SaaS app (Otter.ai) is not there
    const dev = (await register.governance().list({ stage: 'design-and-development' })).map((g) => g.itemId);
    expect(dev).toContain('svc-deepseek');
    expect(dev).not.toContain('svc-otter-ai');
  });

  it('the web register page filters a fresh register by stage and threat with no page viewed before', async () => {
    const fresh = await seed(await backend.fresh());
    const auth = new Auth(fresh);
    const token = (await auth.createToken('viewer-bot', 'viewer')).token;
    const app = await createServer({ register: fresh, rules: testRules(), baseCatalog: testCatalog(), now: () => NOW });
    try {
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      const html = await (await fetch(`${base}/register?stage=design-and-development`, { headers: { authorization: `Bearer ${token}` } })).text();
      expect(html).toContain('svc-deepseek');
      expect(html).not.toContain('/items/svc-otter-ai"');
      const rep = await (await fetch(`${base}/register?threat=repudiation`, { headers: { authorization: `Bearer ${token}` } })).text();
      // every item without a decision on record is used with no trace of who allowed it
      for (const r of await fresh.listRisks()) expect(rep).toContain(`/items/${r.itemId}"`);
    } finally {
      await app.close();
      await fresh.close();
    }
  });

  it('an approval re-derives the entry (its item is sanctioned: no repudiation); a re-scan keeps a triage override', async () => {
    const before = (await register.governance().get((await register.getRisk('svc-azure-openai'))!.id))!;
    expect(pairs(before.threats)).toContain('operation-and-monitoring/repudiation');
    const az = await register.getRisk('svc-azure-openai');
    await triage(ctx, az!.id, { answers: { consequence: 'high', affected: 'internal', significantDecisions: false }, owner: 'Cloud team' }, 'user:gl');
    await approve(ctx, az!.id, { expires: '2027-01-01', rationale: 'tenant-hosted' }, 'user:rita');
    expect((await register.getItem('svc-azure-openai'))!.item.status).toBe('sanctioned');
    const after = (await register.governance().get(az!.id))!;
    expect(pairs(after.threats)).not.toContain('operation-and-monitoring/repudiation');
    expect(after.threats).toEqual(await derivedThreats(register, 'svc-azure-openai'));
    expect((await register.governance().list({ threat: 'repudiation' })).map((g) => g.itemId)).not.toContain('svc-azure-openai');

    // a triage override holds over re-scans; the others stay equal to the derivation
    const ds = (await register.getRisk('svc-deepseek'))!;
    await overrideThreats(ctx, ds.id, { threats: [{ stage: 'deployment', threat: 'tampering', reason: 'the support bot runs unreviewed prompts' }], rationale: 'what the team told us' }, 'user:gl');
    await rescan(register, new Date('2026-04-22T09:00:00Z'));
    const kept = (await register.governance().get(ds.id))!;
    expect(kept.threatsSource).toBe('override');
    expect(pairs(kept.threats)).toEqual(['deployment/tampering']);
    expect((await register.governance().list({ stage: 'deployment', threat: 'tampering' })).map((g) => g.itemId)).toContain('svc-deepseek');
    await expectStoredIsDerived();
    // a reset goes back to the evidence, stored at once
    await resetThreats(ctx, ds.id, { rationale: 'back to the evidence' }, 'user:gl');
    expect((await register.governance().get(ds.id))!.threats).toEqual(await derivedThreats(register, 'svc-deepseek'));
    expect((await register.verifyAudit()).ok).toBe(true);
  });

  it('new evidence in a re-scan re-derives the stored stages and threats', async () => {
    const ds = (await register.getRisk('svc-deepseek'))!;
    const was = (await register.governance().get(ds.id))!;
    expect(was.threatsSource).toBe('derived');
    expect(pairs(was.threats)).not.toContain('design-and-development/tampering');
    // the DeepSeek SDK turns up in a repository's dependencies
    await rescan(register, new Date('2026-04-23T09:00:00Z'), testRules(), testCatalog(), [
      { kind: 'package', value: 'deepseek', namespace: 'pypi', source: 'repo', scanner: 'fixture-repo', signal: 'presence', confidence: 'declared', subject: { kind: 'repo', id: 'support-bot', name: 'support-bot' }, locator: 'support-bot/requirements.txt:4', snippet: 'deepseek' },
    ]);
    const now = (await register.governance().get(ds.id))!;
    expect(now.threats).toEqual(await derivedThreats(register, 'svc-deepseek'));
    expect(pairs(now.threats)).toContain('design-and-development/tampering');
    await expectStoredIsDerived();
  });
});
