import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Register } from '../../src/register/register.js';
import { commitScan, startRun } from '../../src/register/commit.js';
import { EMPTY_CATALOG, type Catalog } from '../../src/catalog/catalog.js';
import { matchAll } from '../../src/match/match.js';
import type { Coverage, Observation } from '../../src/core/types.js';
import { expiringApprovals, getRunChanges, recordRunChanges } from '../../src/diff/diff.js';
import { diffToJson, diffToMarkdown } from '../../src/diff/render.js';
import { smallIndex } from '../helpers/rules.js';
import { obs, cov } from '../helpers/findings.js';
import { tmpDir } from '../helpers/tmp.js';

const rules = smallIndex();
const T0 = new Date('2026-11-01T10:00:00Z');

async function run(reg: Register, source: string, observations: Observation[], coverage: Coverage[], opts: { errors?: Record<string, string>; catalog?: Catalog; now?: Date } = {}) {
  const now = opts.now ?? T0;
  const runId = await startRun(reg, { scanners: coverage.map((c) => c.scanner), startedAt: now.toISOString() });
  const { summary } = await commitScan(reg, { runId, findings: matchAll(rules, observations), coverage, errors: opts.errors ?? {}, state: {}, scannerVersions: {}, catalog: opts.catalog ?? EMPTY_CATALOG, rules, now });
  return recordRunChanges(reg, { runId, source, scanner: coverage[0].scanner, status: summary.status, catalog: opts.catalog, now, expiringWithinDays: 30 });
}

const A = obs({ kind: 'package', namespace: 'npm', value: 'alpha-ai', locator: 'package.json:4', attrs: { unit: 'r1:package.json' } });
const A_r2 = obs({ kind: 'package', namespace: 'npm', value: 'alpha-ai', locator: 'package.json:4', subject: { kind: 'repo', id: 'r2' }, attrs: { unit: 'r2:package.json' } });
const B = obs({ kind: 'host', value: 'app.beta-notes.test', source: 'network', scanner: 'egress', signal: 'usage', confidence: 'inferred', subject: { kind: 'user', id: 'alice' }, locator: 'proxy.log:10', attrs: { increment: true } });
const G = obs({ kind: 'container-image', value: 'gamma/gamma:1.0', locator: 'Dockerfile:1', attrs: { unit: 'r1:Dockerfile' } });

describe('what changed, per source, against its last complete run', () => {
  it('first run is the baseline; then new items, new subjects, gone (only after complete coverage)', async () => {
    const reg = await Register.open(join(tmpDir(), 'r.db'));
    const c1 = await run(reg, 'repo', [A], [cov('repo', ['r1:package.json'])]);
    expect(c1.baseline).toBe(true);
    expect(c1.newItems.map((i) => i.id)).toEqual(['svc-alpha-ai']);

    // second run: nothing changed
    const c2 = await run(reg, 'repo', [A], [cov('repo', ['r1:package.json'])]);
    expect(c2.baseline).toBe(false);
    expect(c2.baselineRunId).toBe(c1.runId);
    expect([c2.newItems, c2.newSubjects, c2.goneItems, c2.statusChanged].map((x) => x.length)).toEqual([0, 0, 0, 0]);

    // third: a new subject on a known item, and a new item
    const c3 = await run(reg, 'repo', [A, A_r2, G], [cov('repo', ['r1:package.json', 'r2:package.json', 'r1:Dockerfile'])]);
    expect(c3.newItems.map((i) => i.service)).toEqual(['gamma-local']);
    expect(c3.newSubjects).toHaveLength(1);
    expect(c3.newSubjects[0]).toMatchObject({ id: 'svc-alpha-ai', newSubjects: ['repo:r2'] });

    // fourth: Dockerfile unit failed (partial) — gamma not seen, but not reported gone
    const c4 = await run(reg, 'repo', [A, A_r2], [cov('repo', ['r1:package.json', 'r2:package.json'], ['r1:Dockerfile'])]);
    expect(c4.status).toBe('partial');
    expect(c4.goneItems).toEqual([]);
    // partial runs are never a baseline
    expect(c4.baselineRunId).toBe(c3.runId);

    // fifth: complete coverage without gamma → gone, against the last complete run (c3)
    const c5 = await run(reg, 'repo', [A, A_r2], [cov('repo', ['r1:package.json', 'r2:package.json', 'r1:Dockerfile'])]);
    expect(c5.status).toBe('complete');
    expect(c5.baselineRunId).toBe(c3.runId);
    expect(c5.goneItems.map((i) => i.service)).toEqual(['gamma-local']);

    // stored, and readable by run id / latest
    expect((await getRunChanges(reg, c3.runId))[0].newItems.map((i) => i.service)).toEqual(['gamma-local']);
    expect((await getRunChanges(reg))[0].runId).toBe(c5.runId);
    await reg.close();
  });

  it('keeps sources apart and carries incremental (usage) findings over between runs', async () => {
    const reg = await Register.open(join(tmpDir(), 'r.db'));
    await run(reg, 'repo', [A], [cov('repo', ['r1:package.json'])]);
    const e1 = await run(reg, 'egress', [B], [cov('egress', ['proxy.log'])]);
    expect(e1.baseline).toBe(true);
    expect(e1.newItems.map((i) => i.service)).toEqual(['beta-ai']);
    // the egress scanner reports nothing new (offsets): beta is still there, not gone
    const e2 = await run(reg, 'egress', [], [cov('egress', ['proxy.log'])]);
    expect(e2.goneItems).toEqual([]);
    expect(e2.newItems).toEqual([]);
    // a repo run does not see egress items as new or gone
    const r2 = await run(reg, 'repo', [A], [cov('repo', ['r1:package.json'])]);
    expect([r2.newItems.length, r2.goneItems.length]).toEqual([0, 0]);
    await reg.close();
  });

  it('reports status changes and approvals expiring within N days', async () => {
    const reg = await Register.open(join(tmpDir(), 'r.db'));
    const catalog: Catalog = {
      version: 1,
      approved: [
        { service: 'alpha-ai', owner: { business: 'Ops' }, approvedBy: 'ciso', approvedOn: '2026-01-01', expires: '2026-11-20', lifecycle: 'active' },
        { id: 'later', service: 'beta-ai', owner: { business: 'HR' }, approvedBy: 'ciso', approvedOn: '2026-01-01', expires: '2027-06-01', lifecycle: 'active' },
      ],
      declined: [],
    };
    await run(reg, 'repo', [A], [cov('repo', ['r1:package.json'])], { catalog });
    const declined: Catalog = { version: 1, approved: [], declined: [{ service: 'alpha-ai', treatment: 'avoid', rationale: 'no', declinedBy: 'ciso', declinedOn: '2026-10-01', block: true }] };
    const c = await run(reg, 'repo', [A], [cov('repo', ['r1:package.json'])], { catalog: declined });
    expect(c.statusChanged).toHaveLength(1);
    expect(c.statusChanged[0]).toMatchObject({ from: 'sanctioned', status: 'declined-but-in-use' });
    expect(expiringApprovals(catalog, T0, 30, () => true)).toEqual([{ id: 'alpha-ai', service: 'alpha-ai', expires: '2026-11-20', daysLeft: 19, owner: 'Ops', inUse: true }]);
    expect(expiringApprovals(catalog, T0, 10)).toEqual([]);
    const md = diffToMarkdown([c]);
    expect(md).toContain('### Status changes (1)');
    expect(md).toContain('(was `sanctioned`)');
    expect(JSON.parse(diffToJson([c])).runs[0].statusChanged).toHaveLength(1);
    await reg.close();
  });
});
