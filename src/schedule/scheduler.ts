/**
 * In-process scheduler: one cron schedule per source (croner computes the next fire time),
 * never two overlapping runs of one source in this process (a tick that finds the source still
 * running is skipped), and — through the `lock` hook — never two processes on one source.
 * Time comes from an injectable Clock, so tests drive it with a fake clock.
 */
import { Cron } from 'croner';
import type { Logger } from '../core/types.js';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Node timers overflow past 2^31-1 ms; longer waits are chained. */
const MAX_TIMER = 2_147_483_647;

export interface ScheduledJob {
  source: string;
  schedule: string;
}

export type TickOutcome = 'ran' | 'failed' | 'skipped-overlap' | 'skipped-locked' | 'skipped-claimed' | 'stopped';

export interface SchedulerEvent {
  source: string;
  outcome: TickOutcome;
  at: Date;
  error?: string;
  durationMs?: number;
}

export interface SchedulerOptions {
  jobs: ScheduledJob[];
  /** Runs one source. Should throw only on real failure. */
  run: (source: string, signal: AbortSignal) => Promise<unknown>;
  /** Cross-process lock: returns a release function, or undefined when another process holds it. */
  lock?: (source: string) => Promise<(() => Promise<void>) | undefined>;
  /**
   * Claims one scheduled tick of a source across replicas (several `schedule run`s on one
   * register): false when another replica already ran this tick.
   */
  claim?: (source: string, tickAt: Date) => Promise<boolean>;
  clock?: Clock;
  timezone?: string;
  log?: Logger;
  onEvent?: (e: SchedulerEvent) => void;
}

interface JobState {
  job: ScheduledJob;
  cron: Cron;
  timer?: unknown;
  next?: Date;
  running?: Promise<SchedulerEvent>;
  last?: SchedulerEvent;
}

export class Scheduler {
  private readonly states = new Map<string, JobState>();
  private readonly clock: Clock;
  private readonly abort = new AbortController();
  private started = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.clock = opts.clock ?? systemClock;
    for (const job of opts.jobs) {
      if (this.states.has(job.source)) throw new Error(`source ${job.source} is scheduled twice`);
      this.states.set(job.source, { job, cron: new Cron(job.schedule, { paused: true, ...(opts.timezone ? { timezone: opts.timezone } : {}) }) });
    }
  }

  start(): this {
    if (this.started) return this;
    this.started = true;
    for (const st of this.states.values()) this.arm(st);
    return this;
  }

  /** Stops the timers, signals running scans to abort and waits for them to finish. */
  async stop(): Promise<void> {
    this.started = false;
    this.abort.abort();
    for (const st of this.states.values()) if (st.timer !== undefined) this.clock.clearTimeout(st.timer);
    await Promise.allSettled([...this.states.values()].map((s) => s.running).filter(Boolean));
  }

  /** Runs a source now (same overlap and lock rules as a scheduled tick). */
  async runNow(source: string): Promise<TickOutcome> {
    const st = this.states.get(source) ?? this.adHoc(source);
    return this.tick(st);
  }

  status(): Array<{ source: string; schedule: string; next?: string; running: boolean; last?: SchedulerEvent }> {
    return [...this.states.values()].map((s) => ({ source: s.job.source, schedule: s.job.schedule, next: s.next?.toISOString(), running: !!s.running, last: s.last }));
  }

  /** Next fire time of a source after `from` (default now). */
  nextRun(source: string, from?: Date): Date | undefined {
    const st = this.states.get(source);
    return st?.cron.nextRun(from ?? new Date(this.clock.now())) ?? undefined;
  }

  private adHoc(source: string): JobState {
    return { job: { source, schedule: '' }, cron: new Cron('0 0 1 1 *', { paused: true }) };
  }

  private arm(st: JobState): void {
    if (!this.started) return;
    const now = this.clock.now();
    // Strictly after `now`, so a tick firing exactly on its second does not re-arm for itself.
    const next = st.cron.nextRun(new Date(now + 1));
    st.next = next ?? undefined;
    if (!next) return;
    const wait = Math.max(0, next.getTime() - now);
    st.timer = this.clock.setTimeout(() => {
      st.timer = undefined;
      if (!this.started) return;
      if (this.clock.now() < next.getTime()) return this.arm(st); // chained long wait
      void this.tick(st, next);
      this.arm(st);
    }, Math.min(wait, MAX_TIMER));
  }

  private emit(e: SchedulerEvent, st: JobState): void {
    st.last = e;
    this.opts.onEvent?.(e);
    const msg = `schedule: ${e.source}: ${e.outcome}${e.error ? ` — ${e.error}` : ''}`;
    if (e.outcome === 'failed') this.opts.log?.warn(msg);
    else this.opts.log?.info(msg);
  }

  private async tick(st: JobState, scheduledAt?: Date): Promise<TickOutcome> {
    const at = new Date(this.clock.now());
    const source = st.job.source;
    if (st.running) {
      this.emit({ source, outcome: 'skipped-overlap', at }, st);
      return 'skipped-overlap';
    }
    // the tick's event is emitted once it has ended — its lock released, the job no longer running —
    // so whoever hears 'ran' can start the next tick at once without meeting this one
    const p = (async (): Promise<SchedulerEvent> => {
      let release: (() => Promise<void>) | undefined;
      if (scheduledAt && this.opts.claim && !(await this.opts.claim(source, scheduledAt))) return { source, outcome: 'skipped-claimed', at };
      if (this.opts.lock) {
        release = await this.opts.lock(source);
        if (!release) return { source, outcome: 'skipped-locked', at };
      }
      const t0 = this.clock.now();
      try {
        await this.opts.run(source, this.abort.signal);
        return { source, outcome: 'ran', at, durationMs: this.clock.now() - t0 };
      } catch (e) {
        return { source, outcome: 'failed', at, error: (e as Error)?.message ?? String(e), durationMs: this.clock.now() - t0 };
      } finally {
        await release?.();
      }
    })();
    st.running = p;
    let e: SchedulerEvent;
    try {
      e = await p;
    } finally {
      st.running = undefined;
    }
    this.emit(e, st);
    return e.outcome;
  }
}
