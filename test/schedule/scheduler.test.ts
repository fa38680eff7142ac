import { describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerEvent } from '../../src/schedule/scheduler.js';
import { FakeClock, flush } from './fake-clock.js';

const START = new Date('2026-03-02T09:58:30Z'); // a Monday

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Scheduler (fake clock)', () => {
  it('fires each source on its cron times', async () => {
    const clock = new FakeClock(START);
    const runs: Array<[string, string]> = [];
    const s = new Scheduler({
      clock,
      timezone: 'UTC',
      jobs: [
        { source: 'repo', schedule: '*/15 * * * *' },
        { source: 'egress', schedule: '0 10 * * *' },
      ],
      run: async (source) => void runs.push([source, new Date(clock.now()).toISOString()]),
    }).start();
    expect(s.status().map((x) => x.next)).toEqual(['2026-03-02T10:00:00.000Z', '2026-03-02T10:00:00.000Z']);
    await clock.advance(60 * 60_000); // one hour
    expect(runs).toEqual([
      ['repo', '2026-03-02T10:00:00.000Z'],
      ['egress', '2026-03-02T10:00:00.000Z'],
      ['repo', '2026-03-02T10:15:00.000Z'],
      ['repo', '2026-03-02T10:30:00.000Z'],
      ['repo', '2026-03-02T10:45:00.000Z'],
    ]);
    expect(s.status().find((x) => x.source === 'egress')!.next).toBe('2026-03-03T10:00:00.000Z');
    await s.stop();
    expect(clock.pending()).toBe(0);
    await clock.advance(24 * 3600_000);
    expect(runs).toHaveLength(5);
  });

  it('never overlaps two runs of one source: a tick during a run is skipped', async () => {
    const clock = new FakeClock(START);
    const events: SchedulerEvent[] = [];
    const gate = deferred();
    let started = 0;
    const s = new Scheduler({
      clock,
      timezone: 'UTC',
      jobs: [{ source: 'repo', schedule: '* * * * *' }],
      onEvent: (e) => events.push(e),
      run: async () => {
        started++;
        await gate.promise; // a slow scan: spans three minute-ticks
      },
    }).start();
    await clock.advance(3 * 60_000 + 1000);
    expect(started).toBe(1);
    expect(events.map((e) => e.outcome)).toEqual(['skipped-overlap', 'skipped-overlap']);
    gate.resolve();
    await flush();
    expect(events.map((e) => e.outcome)).toEqual(['skipped-overlap', 'skipped-overlap', 'ran']);
    await clock.advance(60_000);
    expect(started).toBe(2);
    expect(await s.runNow('repo')).toBe('ran');
    await s.stop();
  });

  it("a tick's outcome is heard once the tick has ended: its lock released, the source free for the next tick", async () => {
    const clock = new FakeClock(START);
    const releasing = deferred();
    const heard: Array<{ outcome: string; running: boolean; released: boolean }> = [];
    let released = false;
    const s: Scheduler = new Scheduler({
      clock,
      timezone: 'UTC',
      jobs: [{ source: 'repo', schedule: '* * * * *' }],
      onEvent: (e) => heard.push({ outcome: e.outcome, running: s.status()[0].running, released }),
      run: async () => undefined,
      // a lock whose release takes a while (a register write on a loaded machine)
      lock: async () => async () => {
        await releasing.promise;
        released = true;
      },
    }).start();
    await clock.advance(60_000);
    await flush();
    // the run is over but its lock is not released yet: nothing heard
    expect(heard).toEqual([]);
    releasing.resolve();
    await flush();
    expect(heard).toEqual([{ outcome: 'ran', running: false, released: true }]);
    // the next tick, as soon as the outcome was heard, runs (no overlap with the one that ended)
    await clock.advance(60_000);
    await flush();
    expect(heard.map((h) => h.outcome)).toEqual(['ran', 'ran']);
    await s.stop();
  });

  it('skips a tick when another process holds the source lock, and reports failures without stopping', async () => {
    const clock = new FakeClock(START);
    const events: SchedulerEvent[] = [];
    let held = true;
    let releases = 0;
    let n = 0;
    const s = new Scheduler({
      clock,
      timezone: 'UTC',
      jobs: [{ source: 'repo', schedule: '0 * * * *' }],
      onEvent: (e) => events.push(e),
      lock: async () => (held ? undefined : async () => void releases++),
      run: async () => {
        if (++n === 1) throw new Error('scanner exploded');
      },
    }).start();
    await clock.advance(3600_000);
    held = false;
    await clock.advance(3600_000);
    await clock.advance(3600_000);
    expect(events.map((e) => e.outcome)).toEqual(['skipped-locked', 'failed', 'ran']);
    expect(events[1].error).toBe('scanner exploded');
    expect(releases).toBe(2);
    await s.stop();
  });

  it('chains waits longer than a Node timer can hold', async () => {
    const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
    const runs: string[] = [];
    const s = new Scheduler({ clock, timezone: 'UTC', jobs: [{ source: 'yearly', schedule: '0 0 1 3 *' }], run: async () => void runs.push(new Date(clock.now()).toISOString()) }).start();
    await clock.advance(60 * 86400_000);
    expect(runs).toEqual(['2026-03-01T00:00:00.000Z']);
    await s.stop();
  });
});
