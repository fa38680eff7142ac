/**
 * Writes what the before/after scenario commits (commit-scenario.ts) as JSON on stdout: the
 * generated estate and the demo estate, into a fresh SQLite register. Run on the commit before the
 * batched commit to write fixtures/commit/before-after.json (fixtures/commit/SOURCES.md):
 *   SHADOWSCAN_FROM_SOURCE=1 node bin/run-ts.mjs test/register/commit-scenario-run.ts > fixtures/commit/before-after.json
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegister } from '../../src/register/register.js';
import { ruleIndex } from '../../src/rules/load.js';
import { demoSteps, estateSteps, runSteps } from './commit-scenario.js';

const { index: rules } = ruleIndex([]);
const out: Record<string, unknown> = {};
for (const [name, steps] of [['estate', estateSteps(rules, 400)], ['demo', await demoSteps(rules)]] as const) {
  const dir = mkdtempSync(join(tmpdir(), 'commit-scenario-'));
  const reg = await openRegister(join(dir, 'r.db'));
  try {
    out[name] = await runSteps(reg, rules, steps);
  } finally {
    await reg.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
