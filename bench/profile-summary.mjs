#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof): self time per package / source file, heaviest first.
// Usage: node bench/profile-summary.mjs FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: profile-summary.mjs FILE.cpuprofile [TOP]\n');
  process.exit(2);
}
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
/** node_modules/<pkg> (scoped too), our dist chunk, node: internals, or the V8 pseudo-frame. */
function bucket(url, fn) {
  if (!url) return `(${fn || 'program'})`;
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node: internals';
  return url.replace(/^file:\/\/.*?\/(dist|src|scanners|bin)\//, '$1/');
}
const totals = new Map();
let all = 0;
for (const [id, us] of self) {
  const n = byId.get(id);
  const k = bucket(n.callFrame.url, n.callFrame.functionName);
  totals.set(k, (totals.get(k) ?? 0) + us);
  all += us;
}
const top = Number(topArg ?? 15);
if (process.env.FUNCTIONS) {
  const fns = new Map();
  for (const [id, us] of self) {
    const f = byId.get(id).callFrame;
    const k = `${f.functionName || '(anonymous)'} ${bucket(f.url, '')}:${f.lineNumber + 1}`;
    fns.set(k, (fns.get(k) ?? 0) + us);
  }
  for (const [k, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${(us / 1000).toFixed(1).padStart(8)} ms  ${k}\n`);
  process.exit(0);
}
process.stdout.write(`total sampled: ${(all / 1000).toFixed(1)} ms\n`);
for (const [k, us] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${(us / 1000).toFixed(1).padStart(8)} ms  ${((100 * us) / all).toFixed(1).padStart(5)} %  ${k}\n`);
