/**
 * V8's tier-up budget during a repository scan. A scan runs a wide spread of code (a lexer per
 * language, the YAML composer, a dozen manifest parsers, the credential patterns) a moderate number
 * of times each, in two isolates (the main thread and a worker): with V8's default budget, TurboFan
 * optimises hundreds of lukewarm functions in each, on background threads that compete for the
 * same cores as the scan (on the accuracy corpus, 2 cores: ~1.9 s of the process's ~5.3 s of CPU).
 * A larger budget per tick (`--interrupt-budget`) leaves the lukewarm functions in the baseline
 * tiers and optimises the hot ones a little later.
 *
 * V8 flags are process-wide: the budget is raised while at least one scan runs and restored to
 * V8's default when the last one ends — only on a V8 whose default is known here (restored
 * exactly), and never when the process was started with its own `--interrupt-budget`.
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default `--interrupt-budget` by V8 major.minor (`node --v8-options`). */
export const V8_DEFAULT_INTERRUPT_BUDGET: Readonly<Record<string, number>> = { '11.3': 67_584 };

/**
 * The budget while a scan runs (~15× Node 20's default). On the accuracy corpus (whole CLI, 2 cores,
 * interleaved pairs) 400,000, 1,000,000 and 2,500,000 used about the same CPU, all less than the default.
 */
export const SCAN_INTERRUPT_BUDGET = 1_000_000;

/** Whether node was started with an interrupt budget of its own (flags or NODE_OPTIONS). */
export function explicitBudget(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((a) => /^--interrupt[-_]budget(=|$)/.test(a));
}

/** The budget to restore after a scan, or undefined when the scan leaves the flag alone. */
export function defaultBudget(v8Version: string, execArgv: readonly string[], nodeOptions: string | undefined): number | undefined {
  if (explicitBudget(execArgv, nodeOptions)) return undefined;
  return V8_DEFAULT_INTERRUPT_BUDGET[/^\d+\.\d+/.exec(v8Version)?.[0] ?? ''];
}

let active = 0;

/**
 * Raises the budget until the returned function is called, when there is a default to `restore`
 * (defaultBudget); nested and concurrent scans share the raise, and the last one to end restores it.
 */
export function raiseTieringBudget(o: { set?: (flags: string) => void; restore?: number } = {}): () => void {
  const set = o.set ?? setFlagsFromString;
  const restore = 'restore' in o ? o.restore : defaultBudget(process.versions.v8, process.execArgv, process.env.NODE_OPTIONS);
  if (restore === undefined) return () => {};
  if (active++ === 0) set(`--interrupt-budget=${SCAN_INTERRUPT_BUDGET}`);
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    if (--active === 0) set(`--interrupt-budget=${restore}`);
  };
}
