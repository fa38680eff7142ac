/**
 * The repo scan's tier-up budget (scanners/repo/tiering.ts): raised while a scan runs, restored to
 * V8's default when the last scan ends; left alone when node was given its own budget or runs a V8
 * whose default is not known. node:v8 is mocked: no flag of this test process changes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('node:v8', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:v8')>()), setFlagsFromString: vi.fn() }));

const { setFlagsFromString } = await import('node:v8');
const { SCAN_INTERRUPT_BUDGET, V8_DEFAULT_INTERRUPT_BUDGET, defaultBudget, explicitBudget, raiseTieringBudget } = await import('../../../scanners/repo/tiering.js');
const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const { runScan } = await import('./helpers.js');
type FileParser = import('../../../scanners/repo/parsers/types.js').FileParser;

const set = vi.mocked(setFlagsFromString);
afterEach(() => set.mockClear());

describe('repo scan tier-up budget', () => {
  it('an interrupt budget given to node (flags or NODE_OPTIONS) is kept', () => {
    expect(explicitBudget(['--interrupt-budget=5000'], undefined)).toBe(true);
    expect(explicitBudget(['--interrupt_budget', '5000'], undefined)).toBe(true);
    expect(explicitBudget([], '--max-old-space-size=512 --interrupt-budget=5000')).toBe(true);
    expect(explicitBudget(['--interrupt-budget-for-feedback-allocation=940'], '--stack-size=900')).toBe(false);
    expect(explicitBudget([], undefined)).toBe(false);
    expect(defaultBudget('11.3.244.8-node.33', ['--interrupt-budget=5000'], undefined)).toBeUndefined();
  });

  it('restores V8 defaults it knows only', () => {
    expect(defaultBudget('11.3.244.8-node.33', [], undefined)).toBe(V8_DEFAULT_INTERRUPT_BUDGET['11.3']);
    expect(defaultBudget('99.1.0', [], undefined)).toBeUndefined();
    expect(defaultBudget('', [], undefined)).toBeUndefined();
  });

  it('nested and concurrent scans raise once and the last to end restores', () => {
    const calls: string[] = [];
    const end1 = raiseTieringBudget({ set: (f) => calls.push(f), restore: 67_584 });
    const end2 = raiseTieringBudget({ set: (f) => calls.push(f), restore: 67_584 });
    expect(calls).toEqual([`--interrupt-budget=${SCAN_INTERRUPT_BUDGET}`]);
    end1();
    end1(); // a second call is no second end
    expect(calls).toHaveLength(1);
    end2();
    expect(calls).toEqual([`--interrupt-budget=${SCAN_INTERRUPT_BUDGET}`, '--interrupt-budget=67584']);
    // and raised again by the next scan
    raiseTieringBudget({ set: (f) => calls.push(f), restore: 67_584 })();
    expect(calls).toHaveLength(4);
  });

  it('without a default to restore, the flag is never touched', () => {
    const calls: string[] = [];
    raiseTieringBudget({ set: (f) => calls.push(f), restore: undefined })();
    expect(calls).toEqual([]);
  });

  it('a scan raises the budget while it runs and restores it when done (when this V8 default is known)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'shadowscan-tiering-'));
    try {
      writeFileSync(join(root, 'a.py'), 'import os\n');
      // what had been set when a file was parsed
      let during: string[] = [];
      const probe: FileParser = { id: 'probe', matches: () => true, parse: () => void (during = set.mock.calls.map((c) => c[0])) };
      await runScan({ paths: [root] }, { deps: { parsers: [probe] } });
      const restore = defaultBudget(process.versions.v8, process.execArgv, process.env.NODE_OPTIONS);
      const calls = set.mock.calls.map((c) => c[0]);
      if (restore === undefined) {
        expect(calls).toEqual([]);
      } else {
        expect(during).toEqual([`--interrupt-budget=${SCAN_INTERRUPT_BUDGET}`]);
        expect(calls).toEqual([`--interrupt-budget=${SCAN_INTERRUPT_BUDGET}`, `--interrupt-budget=${restore}`]);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
