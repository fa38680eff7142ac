/**
 * Policies of record (settings entries of the decision log) and the CLI's named actors, on both
 * backends: required rationale, approvers per tier, `--actor` checked against the register's
 * users and roles, `policy set|show`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { approve, requestIntake, triage, type IntakeContext } from '../../src/intake/actions.js';
import { readPolicy, setPolicy } from '../../src/intake/policy.js';
import { Auth } from '../../src/web/auth.js';
import { tmpDir } from '../helpers/tmp.js';
import { BACKENDS } from '../register/backends.js';
import { FIXTURES, seed, testCatalog } from './helpers.js';

const KEYS = tmpDir('shadowscan-ledger-keys-');
process.env.SHADOWSCAN_AUDIT_KEY_FILE = join(KEYS, 'audit.key');

const NOW = new Date('2026-04-22T10:00:00Z');
const answers = { consequence: 'medium' as const, affected: 'internal' as const, significantDecisions: false };

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = { out: '', err: '' };
  const code = await main(args, { out: (s) => (io.out += s), err: (s) => (io.err += s), isTTY: false });
  return { code, ...io };
}

describe.each(BACKENDS)('policies of record on $name', (backend) => {
  beforeAll(() => backend.setup(), 120_000);
  afterAll(() => backend.teardown());

  it('require-rationale and approve-tier-N are enforced from the register, and are log entries', async () => {
    const spec = await backend.fresh();
    const reg = await seed(spec);
    const auth = new Auth(reg);
    await auth.addUser('rita', 'correct horse battery', 'reviewer', 'local-admin');
    const ctx: IntakeContext = { register: reg, baseCatalog: testCatalog(), now: () => NOW };
    const r = (await reg.listRisks()).find((x) => x.service === 'otter-ai')!;
    expect(await readPolicy(reg)).toEqual({ separationOfDuties: false, requireRationale: false, approvers: {} });
    await setPolicy(reg, 'require-rationale', 'on', 'local-admin');
    await expect(triage(ctx, r.id, { answers, owner: 'Sales' }, 'user:gl')).rejects.toThrow('triage: a rationale is required (policy require-rationale is on)');
    await triage(ctx, r.id, { answers, owner: 'Sales', rationale: 'meeting notes' }, 'user:gl');
    await expect(requestIntake(ctx, r.id, {}, 'user:gl')).rejects.toThrow('request intake: a rationale is required');
    await requestIntake(ctx, r.id, { rationale: 'needs a decision' }, 'user:gl');
    const tier = (await reg.getRisk(r.id))!.tier;
    await setPolicy(reg, `approve-tier-${tier}`, 'admin', 'local-admin');
    const err = await approve(ctx, r.id, { expires: '2027-01-31', rationale: 'ok' }, 'user:rita').catch((e) => e);
    expect(err.status).toBe(403);
    expect(err.message).toBe(`${r.id}: policy approve-tier-${tier} — only admin may approve a tier-${tier} entry (user:rita is reviewer)`);
    const unknown = await approve(ctx, r.id, { expires: '2027-01-31', rationale: 'ok' }, 'user:nobody').catch((e) => e);
    expect(unknown.message).toMatch(/\(user:nobody is no known role\)$/);
    expect((await approve(ctx, r.id, { expires: '2027-01-31', rationale: 'ok', acceptance: { role: 'governance-lead', rationale: 'residual risk accepted by the governance lead' } }, 'local-admin')).to).toBe('approved');
    // setting the same value again records nothing
    expect((await setPolicy(reg, 'require-rationale', 'on', 'local-admin')).changed).toBe(false);
    const entries = (await reg.auditLog({ entityType: 'policy', order: 'asc' })).map((e) => [e.entity_id, e.after_state, e.actor]);
    expect(entries).toEqual([['require-rationale', '{"value":true}', 'local-admin'], [`approve-tier-${tier}`, '{"value":["admin"]}', 'local-admin']]);
    expect((await reg.verifyAudit()).ok).toBe(true);
    await reg.close();
  });

  it('CLI: --actor must be a known user whose role allows the action, or local-admin; policy set validates its values', async () => {
    const spec = await backend.fresh();
    const reg = await seed(spec);
    await new Auth(reg).addUser('tina', 'correct horse battery', 'triager', 'local-admin');
    const id = (await reg.listRisks()).find((x) => x.service === 'otter-ai')!.id;
    await reg.close();
    const common = ['--db', spec, '--catalog', join(FIXTURES, 'catalog.yaml'), '--rules', join(FIXTURES, 'rules')];
    const t = await run(['intake', 'triage', id, '--consequence', 'low', '--affected', 'internal', '--significant-decisions', 'no', '--owner', 'Sales', '--actor', 'tina', ...common]);
    expect(t.code, t.err).toBe(0);
    const a = await run(['intake', 'approve', id, '--expires', '2027-01-31', '--rationale', 'x', '--actor', 'tina', ...common]);
    expect(a.code).toBe(2);
    expect(a.err).toBe('shadowscan: --actor tina: role triager may not decide\n');
    const ok = await run(['intake', 'approve', id, '--expires', '2027-01-31', '--rationale', 'x', '--accept-role', 'governance-lead', '--accept-rationale', 'accepted', ...common]);
    expect(ok.code, ok.err).toBe(0);
    for (const [args, msg] of [
      [['policy', 'set', 'approve-tier-2', 'viewer'], 'shadowscan: policy approve-tier-2: role "viewer" cannot decide intake at all\n'],
      [['policy', 'set', 'approve-tier-2', 'root'], 'shadowscan: policy approve-tier-2: unknown role "root" (expected viewer, triager, reviewer, admin)\n'],
      [['policy', 'set', 'no-such-policy', 'on'], 'shadowscan: unknown policy "no-such-policy" (expected one of: separation-of-duties, require-rationale, approve-tier-1, approve-tier-2, approve-tier-3)\n'],
      [['policy', 'set', 'separation-of-duties', 'maybe'], 'shadowscan: policy separation-of-duties: expected on or off, got "maybe"\n'],
      [['policy', 'set', 'separation-of-duties', 'on', '--actor', 'tina'], 'shadowscan: --actor tina: role triager may not admin\n'],
    ] as const) {
      const r = await run([...args, '--db', spec]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toBe(msg);
    }
    expect((await run(['policy', 'set', 'separation-of-duties', 'on', '--db', spec])).out).toBe('separation-of-duties: set to on\n');
    const show = await run(['policy', 'show', '--db', spec]);
    expect(show.out).toMatch(/^separation-of-duties: on {2}\(set by local-admin at .*\)\nrequire-rationale: off {2}\(default\)\napprove-tier-1: \(any role that may decide\) {2}\(default\)\n/);
    const check = await backend.open(spec);
    const actors = (await check.auditLog({ order: 'asc' })).filter((e) => e.action.startsWith('risk.') && e.actor !== 'system:ledger' && !e.actor.startsWith('system:')).map((e) => [e.action, e.actor]);
    expect(actors).toEqual([['risk.triage', 'user:tina'], ['risk.approve', 'local-admin']]);
    await check.close();
  });
});
