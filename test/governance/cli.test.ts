/**
 * `shadowscan governance …` on a real register file: the commands change what the web app
 * changes, each through the decision log; `sweep` notifies a real loopback webhook once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.js';
import type { Register } from '../../src/register/register.js';
import { tmpDir } from '../helpers/tmp.js';
import { FIXTURES, seed } from '../intake/helpers.js';
import { webhookServer, type Hook } from '../notify/helpers.js';
import { Auth } from '../../src/web/auth.js';

function io(): Io & { out_: string; err_: string } {
  const o = { out_: '', err_: '', isTTY: false } as Io & { out_: string; err_: string };
  o.out = (s) => void (o.out_ += s);
  o.err = (s) => void (o.err_ += s);
  return o;
}

describe('shadowscan governance (CLI)', () => {
  let db: string;
  let hook: Hook;
  const cat = join(FIXTURES, 'catalog.yaml');
  const rules = join(FIXTURES, 'rules');
  const run = async (args: string[], actor = 'gl') => {
    const x = io();
    const code = await main(['governance', ...args, '--db', db, '--catalog', cat, '--rules', rules, '--actor', actor], x);
    return { code, out: x.out_, err: x.err_ };
  };

  beforeAll(async () => {
    db = join(tmpDir(), 'r.db');
    const r: Register = await seed(db);
    const auth = new Auth(r);
    await auth.addUser('gl', 'governance lead passphrase', 'admin', 'local-admin');
    await auth.addUser('tina', 'triager long passphrase', 'triager', 'local-admin');
    await r.close();
    hook = await webhookServer();
  });
  afterAll(async () => hook?.close());

  it('show prints stages, threats, inherent and residual risk and deadlines', async () => {
    const r = await run(['show', 'svc-deepseek', '--now', '2026-04-21T10:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/lifecycle stages: .*operation-and-monitoring.*\(derived from the evidence\)/);
    expect(r.out).toContain('operation-and-monitoring/repudiation: the AI service is used with no decision on record');
    expect(r.out).toMatch(/inherent risk: \d×\d = \d+/);
    expect(r.out).toMatch(/deadlines: triage by 2026-04-2\d/);
    const j = JSON.parse((await run(['show', 'svc-deepseek', '--json'])).out);
    expect(j.record.threatsSource).toBe('derived');
  });

  it('--actor is a known user whose role allows the action (or local-admin): anyone else is refused in one line, exit 2, nothing recorded', async () => {
    const entries = async () => {
      const x = io();
      await main(['audit', 'verify', '--db', db], x);
      return x.out_.match(/(\d+) records/)?.[1];
    };
    const before = await entries();
    expect(before).toBeDefined();
    for (const [actor, args, why] of [
      ['cli:gl', ['pause', 'svc-deepseek', '--until', '2099-01-01', '--reason', 'x'], /--actor cli:gl: unknown user/],
      ['mallory', ['threats', 'svc-deepseek', '--reset', '--rationale', 'x'], /--actor mallory: unknown user/],
      ['tina', ['pause', 'svc-deepseek', '--until', '2099-01-01', '--reason', 'x'], /--actor tina: role triager may not decide/],
      ['tina', ['approve', 'svc-deepseek', '--rationale', 'x'], /--actor tina: role triager may not decide/],
      ['tina', ['settings', '--set', 'tiers.1.appetite=25', '--rationale', 'x'], /--actor tina: role triager may not admin/],
    ] as Array<[string, string[], RegExp]>) {
      const r = await run(args, actor);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(why);
    }
    expect(await entries()).toBe(before);
    // a triager may record what triage records, as user:tina
    const ok = await run(['treatment', 'svc-deepseek', '--controls', 'A.9.2', '--residual-likelihood', '2', '--residual-impact', '2', '--reason', 'pilot scope'], 'tina');
    expect(ok.code).toBe(0);
    expect((await run(['show', 'svc-deepseek', '--json'])).out).toContain('"by": "user:tina"');
  });

  it('threats --set overrides with a rationale; a bad line is a one-line error with exit 2', async () => {
    const bad = await run(['threats', 'svc-deepseek', '--set', 'deployment/phishing: x', '--rationale', 'r']);
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toContain('unknown STRIDE threat "phishing"');
    const ok = await run(['threats', 'svc-deepseek', '--set', 'deployment/tampering: image pulled from a public registry', '--rationale', 'self-hosted now']);
    expect(ok.code).toBe(0);
    const x = io();
    expect(await main(['audit', 'verify', '--db', db], x)).toBe(0);
    expect((await run(['show', 'svc-deepseek'])).out).toContain('deployment/tampering: image pulled from a public registry');
  });

  it('pause puts the service on `shadowscan blocklist`; settings changes need a rationale', async () => {
    expect((await run(['pause', 'svc-deepseek', '--until', '2099-01-01', '--reason', 'uploads'])).code).toBe(0);
    for (const f of ['squid', 'rpz', 'pac', 'hosts']) {
      const x = io();
      expect(await main(['blocklist', '--format', f, '--db', db, '--catalog', cat, '--rules', rules], x)).toBe(0);
      expect(x.out_, f).toContain('deepseek.com');
    }
    const s = await run(['settings', '--set', 'tiers.1.appetite=4']);
    expect(s.code).toBe(2);
    expect(s.err).toContain('rationale for changing the governance settings is required');
    const t = await run(['settings', '--set', 'tiers.1.appetite=4', '--rationale', 'board decision']);
    expect(t.code).toBe(0);
    expect(JSON.parse(t.out).tiers['1'].appetite).toBe(4);
    expect((await run(['settings', '--set', 'tiers.9.appetite=4', '--rationale', 'x'])).err).toContain('unknown key "tiers.9.appetite"');
  });

  it('sweep escalates overdue entries and notifies the config targets once', async () => {
    const cfg = join(tmpDir(), 'shadowscan.yaml');
    writeFileSync(cfg, `notifications:\n  targets:\n    - name: gov\n      url: ${hook.url}\n      retries: 0\n`);
    const first = await run(['sweep', '--config', cfg, '--now', '2026-06-01T09:00:00Z']);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/escalated AIR-\d+ to ai-governance-committee \(level 2\): triage overdue since 2026-0[45]-\d\d/);
    const sent = hook.requests.length;
    expect(sent).toBeGreaterThan(0);
    expect(first.out).toContain(`${sent} notifications sent`);
    const again = await run(['sweep', '--config', cfg, '--now', '2026-06-01T10:00:00Z']);
    expect(again.out).toContain('0 escalated, 0 reviews due, 0 lapsed, 0 notifications sent');
    expect(hook.requests.length).toBe(sent);
  });
});
