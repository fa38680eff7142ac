/**
 * Several `schedule run` replicas on one register: each scheduled tick of a job runs once, on the
 * replica that claims it in the register; `runNow` (a manual run) is not a tick and always runs.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openRegister } from '../../src/register/register.js';
import { Scheduler, type SchedulerEvent } from '../../src/schedule/scheduler.js';
import { acquireSourceLock } from '../../src/schedule/lock.js';
import { tmpDir } from '../helpers/tmp.js';
import { FakeClock } from './fake-clock.js';

describe('scheduler replicas sharing one register', () => {
  it('three replicas, two jobs, four ticks: every tick runs exactly once', async () => {
    const db = join(tmpDir(), 'r.db');
    const stores = await Promise.all([0, 1, 2].map(() => openRegister(db)));
    const clocks = stores.map(() => new FakeClock(new Date('2026-03-02T09:58:30Z')));
    const runs: string[] = [];
    const events: SchedulerEvent[] = [];
    const replicas = stores.map((store, i) =>
      new Scheduler({
        clock: clocks[i],
        timezone: 'UTC',
        jobs: [
          { source: 'repo', schedule: '*/30 * * * *' },
          { source: 'egress', schedule: '0 * * * *' },
        ],
        claim: (source, tickAt) => store.claimTick(source, tickAt.toISOString(), `replica-${i}`),
        lock: (source) => acquireSourceLock(store, source, { holder: `replica-${i}` }),
        onEvent: (e) => events.push(e),
        run: async (source) => void runs.push(`${source}@${new Date(clocks[i].now()).toISOString()}#${i}`),
      }).start(),
    );
    // the replicas' clocks advance in interleaved steps, as separate machines would
    for (let step = 0; step < 12; step++) for (const c of clocks) await c.advance(10 * 60_000);
    const ticks = runs.map((r) => r.split('#')[0]).sort();
    expect(ticks).toEqual([
      'egress@2026-03-02T10:00:00.000Z',
      'egress@2026-03-02T11:00:00.000Z',
      'repo@2026-03-02T10:00:00.000Z',
      'repo@2026-03-02T10:30:00.000Z',
      'repo@2026-03-02T11:00:00.000Z',
      'repo@2026-03-02T11:30:00.000Z',
    ]);
    expect(events.filter((e) => e.outcome === 'skipped-claimed')).toHaveLength(ticks.length * 2);
    // a manual run is not a tick: it is not claimed away
    expect(await replicas[1].runNow('repo')).toBe('ran');
    for (const r of replicas) await r.stop();
    for (const s of stores) await s.close();
  });
});
