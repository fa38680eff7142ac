// Equivalence check for repo-scanner optimisations: the same tree must give the same findings and
// items before and after a change. `dump` scans DIR with a checkout's CLI (a fresh register, JSON
// report) and writes the findings and items as sorted JSON, wall-clock fields aside; `compare`
// diffs two dumps and exits 1 on any difference (counted, first ones listed).
//   node bench/repo-equivalence.mjs dump DIR OUT.json [--cli path/to/bin/shadowscan.mjs]
//   node bench/repo-equivalence.mjs compare BEFORE.json AFTER.json
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Fields that differ between two runs of the same code (clock, run ids, register sequence). */
const VOLATILE = new Set(['firstDetected', 'lastDetected', 'firstSeen', 'lastSeen', 'detectedAt', 'at', 'time', 'runId', 'riskEntry']);

function stable(v) {
  if (Array.isArray(v)) return v.map(stable);
  if (v && typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v).sort()) if (!VOLATILE.has(k)) out[k] = stable(v[k]);
    return out;
  }
  return v;
}

function sorted(list) {
  return list.map((x) => JSON.stringify(stable(x))).sort();
}

const [cmd, a, b] = process.argv.slice(2);
const cliArg = process.argv.indexOf('--cli');
if (cmd === 'dump' && a && b) {
  const cli = resolve(cliArg > 0 ? process.argv[cliArg + 1] : 'bin/shadowscan.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'ss-equiv-'));
  try {
    const report = join(dir, 'report.json');
    const r = spawnSync(process.execPath, [cli, 'scan', '--repo', resolve(a), '--db', join(dir, 'r.db'), '--format', 'json', '--output', report, '--quiet'], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) {
      console.error(`scan exited ${r.status}`);
      process.exit(2);
    }
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    const units = (rep.coverage ?? []).reduce((n, c) => n + (c.units?.length ?? 0), 0);
    writeFileSync(resolve(b), JSON.stringify({ findings: sorted(rep.findings ?? []), items: sorted(rep.items ?? []), units }, null, 0));
    console.log(`${a}: ${rep.findings?.length ?? 0} findings, ${rep.items?.length ?? 0} items, ${units} units -> ${b}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else if (cmd === 'compare' && a && b) {
  const x = JSON.parse(readFileSync(a, 'utf8'));
  const y = JSON.parse(readFileSync(b, 'utf8'));
  let diffs = 0;
  for (const part of ['findings', 'items']) {
    const sx = new Set(x[part]);
    const sy = new Set(y[part]);
    const only = (s, t) => [...s].filter((e) => !t.has(e));
    const gone = only(sx, sy);
    const added = only(sy, sx);
    diffs += gone.length + added.length;
    console.log(`${part}: ${x[part].length} before, ${y[part].length} after, ${gone.length} only before, ${added.length} only after`);
    for (const e of gone.slice(0, 5)) console.log(`  - ${e.slice(0, 400)}`);
    for (const e of added.slice(0, 5)) console.log(`  + ${e.slice(0, 400)}`);
  }
  console.log(diffs ? `DIFFERENT (${diffs})` : 'SAME');
  process.exit(diffs ? 1 : 0);
} else {
  console.error('usage: repo-equivalence.mjs dump DIR OUT.json [--cli bin/shadowscan.mjs] | compare BEFORE.json AFTER.json');
  process.exit(2);
}
