/**
 * Candidates (issue 11): evidence only from test / fixture / docs / example / ui-text files makes a
 * candidate — kept, with its reason, never in the intake queue and with no risk entry; usage-grade
 * evidence from any other role makes an item; promotion is an audit entry.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { EMPTY_CATALOG } from '../../src/catalog/catalog.js';
import type { Observation } from '../../src/core/types.js';
import { matchAll } from '../../src/match/match.js';
import { commitScan, startRun } from '../../src/register/commit.js';
import { judge } from '../../src/register/judge.js';
import { openRegister, QUEUE_STATUSES, type RegisterStore } from '../../src/register/register.js';
import { cov, obs } from '../helpers/findings.js';
import { smallIndex } from '../helpers/rules.js';
import { tmpDir } from '../helpers/tmp.js';

const rules = smallIndex();
const now = new Date('2026-11-01T10:00:00Z');
const pkg = (role: string, locator = `${role}/package.json:3`): Observation => obs({ kind: 'package', namespace: 'npm', value: 'alpha-ai', locator, attrs: { role } });

function judgeOf(observations: Observation[]) {
  return judge({ active: matchAll(rules, observations), catalog: EMPTY_CATALOG, rules, now, priorItems: new Map(), priorRisks: new Map(), riskCount: 0, touched: new Set(), actor: 'test' });
}

async function commit(reg: RegisterStore, observations: Observation[], units: string[]) {
  const runId = await startRun(reg, { scanners: ['repo'] });
  return commitScan(reg, { runId, findings: matchAll(rules, observations), coverage: [cov('repo', units)], errors: {}, state: {}, scannerVersions: {}, catalog: EMPTY_CATALOG, rules, now });
}

describe('candidates: mentions are not usage', () => {
  for (const role of ['test', 'fixture', 'docs', 'example', 'ui-text']) {
    it(`evidence only from a ${role} file makes a candidate with its reason and no risk entry`, () => {
      const j = judgeOf([pkg(role)]);
      expect(j.items).toHaveLength(1);
      expect(j.items[0].verdict.status).toBe('candidate');
      expect(j.items[0].verdict.reason).toContain(role);
      expect(j.riskChanges).toEqual([]);
      expect(QUEUE_STATUSES).not.toContain(j.items[0].verdict.status);
    });
  }
  for (const role of ['source', 'manifest', 'config', 'iac', 'ci', 'agent-config']) {
    it(`a declared dependency in a ${role} file makes an item in the intake queue`, () => {
      const j = judgeOf([pkg(role), pkg('test')]);
      expect(j.items[0].verdict.status).toBe('unsanctioned');
      expect(j.items[0].basis.basis).toBe('usage');
      expect(j.riskChanges.map((c) => c.kind)).toEqual(['created']);
    });
  }

  it('a candidate stays out of the queue in the register and is promoted, with an audit entry, when usage-grade evidence appears', async () => {
    const reg = await openRegister(join(tmpDir(), 'r.db'));
    let c = await commit(reg, [pkg('test', 'test/fixtures/package.json:3')], ['test/fixtures/package.json']);
    expect(c.summary.items.byStatus).toEqual({ candidate: 1 });
    expect(await reg.listRisks()).toEqual([]);
    expect((await reg.queryItems({ status: QUEUE_STATUSES })).rows).toEqual([]);
    expect((await reg.queryItems({ status: ['candidate'] })).rows.map((r) => r.statusReason)).toEqual([expect.stringMatching(/^candidate — .*test/)]);
    c = await commit(reg, [pkg('test', 'test/fixtures/package.json:3'), pkg('manifest', 'package.json:7')], ['test/fixtures/package.json', 'package.json']);
    expect(c.summary.items.byStatus).toEqual({ unsanctioned: 1 });
    expect((await reg.listRisks()).map((r) => r.status)).toEqual(['needs-intake']);
    const history = await reg.auditLog({ entityId: 'svc-alpha-ai' });
    expect(history.map((h) => h.action)).toEqual(['item.detected', 'item.status-changed', 'item.promoted']);
    expect(history[2].rationale).toMatch(/usage-grade evidence appeared: .*declared dependency/);
    expect((await reg.verifyAudit()).ok).toBe(true);
    await reg.close();
  });
});
