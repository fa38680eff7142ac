#!/usr/bin/env node
// Interleaved pairs of repository scans: runs two CLIs (or one CLI with two sets of node flags) in
// alternation on the same tree, a fresh register each run, and prints each run's wall and CPU
// (user + system, this process's children) and the medians per side. On a noisy machine the pairs
// share the noise; compare medians (CPU above all: with every core busy, less CPU is less wall).
//   node bench/repo-pairs.mjs --repos DIR --pairs 5 --a /tmp/old/bin/shadowscan.mjs --b bin/shadowscan.mjs
//   [--a-node-flags '--flag …'] [--b-node-flags '--flag …'] [--a-env 'K=V …'] [--b-env 'K=V …']
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const opt = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const repos = resolve(opt('repos', 'bench/.data/accuracy-repos'));
const pairs = Number(opt('pairs', 5));
const words = (s) => (s || '').split(' ').filter(Boolean);
const side = (k) => ({
  cli: resolve(opt(k, 'bin/shadowscan.mjs')),
  flags: words(opt(`${k}-node-flags`, '')),
  env: Object.fromEntries(words(opt(`${k}-env`, '')).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
});
const sides = { a: side('a'), b: side('b') };

/** One scan under /usr/bin/time: wall seconds, CPU seconds (user + system), peak RSS (MB). */
function once({ cli, flags, env }) {
  const dir = mkdtempSync(join(tmpdir(), 'repo-pairs-'));
  try {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, ...flags, cli, 'scan', '--repo', repos, '--db', join(dir, 'r.db'), '--quiet'], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    const last = r.stderr.trim().split('\n').pop() ?? '';
    const [wall, user, sys, rss] = last.split(' ').map(Number);
    if (r.status !== 0 || !Number.isFinite(wall)) throw new Error(`scan failed (${r.status}): ${r.stderr.slice(-500)}`);
    return { wall, cpu: user + sys, rss: rss / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const runs = { a: [], b: [] };
for (let i = 0; i < pairs; i++) {
  // alternate which side goes first: neither always runs after the other
  for (const k of i % 2 ? ['b', 'a'] : ['a', 'b']) {
    const r = once(sides[k]);
    runs[k].push(r);
    console.log(`pair ${i + 1} ${k}: wall ${r.wall.toFixed(2)} s, CPU ${r.cpu.toFixed(2)} s, ${r.rss.toFixed(0)} MB`);
  }
}
for (const k of ['a', 'b']) {
  const rs = runs[k];
  console.log(`${k} median of ${rs.length}: wall ${median(rs.map((r) => r.wall)).toFixed(2)} s, CPU ${median(rs.map((r) => r.cpu)).toFixed(2)} s, ${median(rs.map((r) => r.rss)).toFixed(0)} MB  (${[...Object.entries(sides[k].env).map(([e, v]) => `${e}=${v}`), ...sides[k].flags, sides[k].cli].join(' ')})`);
}
const wins = runs.a.filter((r, i) => runs.b[i].cpu < r.cpu).length;
console.log(`b used less CPU than a in ${wins} of ${pairs} pairs`);
