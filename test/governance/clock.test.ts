/**
 * The governance clock runs without a human (issue 15), on both backends: as a job of the
 * schedules (`schedule run`, the web server) driven here by an injected clock, and after every
 * scan commit. Each scheduled tick escalates what the deadlines say is overdue and posts each
 * escalation level once to a real loopback webhook receiver; ticks with nothing new post nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { deadlinesOf, loadSettings, PENDING_STATUSES } from '../../src/governance/governance.js';
import type { Register } from '../../src/register/register.js';
import { GOVERNANCE_SWEEP_JOB, runSources, schedulerFor } from '../../src/schedule/run.js';
import type { SchedulerEvent } from '../../src/schedule/scheduler.js';
import { tmpDir } from '../helpers/tmp.js';
import { FIXTURES, seed } from '../intake/helpers.js';
import { webhookServer, type Hook } from '../notify/helpers.js';
import { BACKENDS } from '../register/backends.js';
import { FakeClock } from '../schedule/fake-clock.js';

const CREATED = new Date('2026-04-21T09:00:00Z'); // a Tuesday: the seed scan creates the entries

/** Waits (real time) until `ok()` holds: a scheduled run is a promise the fake clock only starts. */
async function until(ok: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(BACKENDS)('the governance clock on $name', (backend) => {
  let spec: string;
  let register: Register;
  let hook: Hook;
  let dir: string;

  beforeAll(async () => {
    await backend.setup();
    spec = await backend.fresh();
    register = await seed(spec, CREATED);
    hook = await webhookServer();
    dir = tmpDir();
  });
  afterAll(async () => {
    await hook?.close();
    await register?.close();
    await backend.teardown();
  });

  /** A shadowscan.yaml on this register, its webhook target the loopback receiver. */
  function config(extra: Record<string, unknown> = {}, db = spec): string {
    const file = join(dir, `shadowscan-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, stringify({ db, catalog: join(FIXTURES, 'catalog.yaml'), rules: [join(FIXTURES, 'rules')], timezone: 'UTC', notifications: { targets: [{ name: 'gov', url: hook.url, retries: 0 }] }, ...extra }));
    return file;
  }
  const escalated = (events: Array<{ event: string; riskEntry: { id: string }; level: number }>) => events.filter((e) => e.event === 'governance-escalated').map((e) => `${e.riskEntry.id}@${e.level}`);
  const posted = () => escalated(hook.requests.map((r) => JSON.parse(r.body)));
  const logged = async (reg = register) => (await reg.auditLog({ order: 'asc' })).filter((r) => r.action === 'governance.escalated').map((r) => `${r.entity_id}@${JSON.parse(r.after_state!).escalation.level}`);

  it('a scheduled tick escalates what is overdue and notifies each level once; quiet ticks post nothing', async () => {
    const cfg = loadConfig(config({ governance: { sweep: '0 10 * * *' } }));
    const clock = new FakeClock(new Date('2026-04-22T09:30:00Z'));
    const events: SchedulerEvent[] = [];
    const scheduler = schedulerFor(cfg, { clock, onEvent: (e) => events.push(e) }).start();
    const settings = await loadSettings(register);
    const expected = new Set<string>();
    const quiet: string[] = [];
    try {
      // fourteen daily ticks (weekends included: deadlines count business days)
      for (let day = 0; day < 14; day++) {
        const before = hook.requests.length;
        // to the tick (10:00), held there while the sweep runs at the clock's time, then to 09:30
        await clock.advance(30 * 60_000);
        await until(() => events.filter((e) => e.source === GOVERNANCE_SWEEP_JOB).length === day + 1, `tick ${day + 1}`);
        const tick = events.at(-1)!;
        expect(tick.outcome, tick.error).toBe('ran');
        // what the deadlines say at this tick, for every entry still waiting for a decision
        for (const r of await register.listRisks({ status: PENDING_STATUSES })) {
          const d = deadlinesOf(r, settings, tick.at);
          if (d.overdue) expected.add(`${r.id}@${d.level}`);
        }
        expect(new Set(await logged())).toEqual(expected);
        // each escalation level posted once: no repeats across ticks
        expect(posted().sort()).toEqual([...expected].sort());
        if (hook.requests.length === before) quiet.push(tick.at.toISOString().slice(0, 10));
        await clock.advance(23.5 * 3600_000);
      }
    } finally {
      await scheduler.stop();
    }
    // the clock reached the last role of the path for some entry, and some ticks had nothing new
    expect([...expected].some((e) => e.endsWith(`@${settings.escalation.length - 1}`))).toBe(true);
    expect(expected.size).toBeGreaterThan(1);
    expect(quiet.length).toBeGreaterThan(0);
    expect(hook.requests.every((r) => r.headers['content-type'] === 'application/json')).toBe(true);
    expect(events.filter((e) => e.source === GOVERNANCE_SWEEP_JOB).every((e) => e.outcome === 'ran')).toBe(true);
    expect((await register.verifyAudit()).ok).toBe(true);
  });

  it('every scan commit sweeps: a source run escalates the overdue entries and notifies each once', async () => {
    // a register whose entries nobody triaged: weeks later, the next scan (through the config) sweeps
    const spec2 = await backend.fresh();
    const reg2 = await seed(spec2, CREATED);
    try {
      const log = join(dir, 'proxy.log');
      writeFileSync(log, `${Math.floor(new Date('2026-06-01T08:00:00Z').getTime() / 1000)}.000    120 10.0.0.7 TCP_TUNNEL/200 4000 CONNECT api.deepseek.com:443 erin HIER_DIRECT/203.0.113.9 -\n`);
      const cfg = loadConfig(config({ sources: { egress: { paths: [log] } } }, spec2));
      const settings = await loadSettings(reg2);
      const at = new Date('2026-07-01T12:00:00Z');
      const want = new Set<string>();
      for (const r of await reg2.listRisks({ status: PENDING_STATUSES })) {
        const d = deadlinesOf(r, settings, at);
        if (d.overdue) want.add(`${r.id}@${d.level}`);
      }
      expect(want.size).toBeGreaterThan(0);
      expect(await logged(reg2)).toEqual([]);
      const sent = hook.requests.length;
      const [res] = await runSources(cfg, { now: at });
      expect(res.status).not.toBe('failed');
      expect(new Set(await logged(reg2))).toEqual(want);
      const mine = () => escalated(hook.requests.slice(sent).map((r) => JSON.parse(r.body)));
      expect(mine().sort()).toEqual([...want].sort());
      // the same scan a minute later: nothing new to escalate or post
      await runSources(cfg, { now: new Date(at.getTime() + 60_000) });
      expect(mine().sort()).toEqual([...want].sort());
      expect(new Set(await logged(reg2))).toEqual(want);
      expect((await reg2.verifyAudit()).ok).toBe(true);
    } finally {
      await reg2.close();
    }
  });
});
