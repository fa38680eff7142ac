/**
 * `npm run bench [-- NAME …]`: runs the benchmarks (repo, egress, audit, cloud, web), each of
 * which writes bench/results/NAME.md, then assembles BENCHMARKS.md from the results.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { machine } from './lib.js';

const ALL = ['startup', 'repo', 'egress', 'audit', 'cloud', 'web', 'commit', 'pushdown', 'login', 'ledger', 'accuracy'];
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const which = asked.length ? asked : ALL;
for (const name of which) {
  const file = join('bench', `${name}.ts`);
  if (!existsSync(file)) {
    console.error(`bench: no ${file}; skipped`);
    continue;
  }
  console.error(`bench: ${name} …`);
  const r = spawnSync(process.execPath, ['bin/run-ts.mjs', file], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench: ${name} failed (exit ${r.status})`);
    process.exitCode = 1;
  }
}
// commit-floor.md: `node bench/commit-floor.mjs` (by hand, after the commit benchmark: it reads the register that one wrote)
const parts = ALL.flatMap((n) => (n === 'commit' ? [n, 'commit-floor'] : [n])).map((n) => join('bench/results', `${n}.md`)).filter(existsSync).map((f) => readFileSync(f, 'utf8').trim());
writeFileSync(
  'BENCHMARKS.md',
  `# Benchmarks\n\nRun with \`npm run bench\` (all) or \`npm run bench -- NAME\` (one of: ${ALL.join(', ')}). Each benchmark generates its own input under \`bench/.data/\` (git-ignored), compares against a baseline measured in the same run (a ratio, because these machines are noisy) and writes \`bench/results/NAME.md\`; this file is assembled from those.\n\nLast assembled on ${machine()}.\n\n${parts.join('\n\n')}\n`,
);
