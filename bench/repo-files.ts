/**
 * Per-file cost accounting of the repo scanner (bench-only): scans every file of a tree in this
 * process, one at a time, and times each file's scanFile call and each parser run inside it, plus
 * the credential scan and the literal pre-filter on their own; then ranks the cost by extension,
 * size band and parser, and lists the costliest files. Tells which files and which parsers
 * dominate before anything is optimised.
 *   node bin/run-ts.mjs bench/repo-files.ts --repos bench/.data/accuracy-repos [--top 25]
 */
import { readFileSync, statSync } from 'node:fs';
import { ruleIndex } from '../src/rules/load.js';
import { parsers } from '../scanners/repo/parsers/index.js';
import type { FileParser } from '../scanners/repo/parsers/types.js';
import { scanFile, type JobSubject } from '../scanners/repo/scan.js';
import { findSubjects, resolveRoot, walkSubject } from '../scanners/repo/walk.js';
import { prefilter } from '../scanners/repo/prefilter.js';
import { arg } from './lib.js';

const reposArg = process.argv.indexOf('--repos');
const ROOT = reposArg >= 0 ? process.argv[reposArg + 1] : 'bench/.data/accuracy-repos';
const TOP = arg('top', 25);
const { index: rules } = ruleIndex();

const parserMs = new Map<string, number>();
/** per parser: runs (parse calls with text) and runs that emitted anything */
const parserRuns = new Map<string, { runs: number; emitted: number }>();
let current: { parsers: Map<string, number> } | undefined;
const timedTable: FileParser[] = parsers.map((p) => ({
  ...p,
  matches: p.matches.bind(p),
  parse(input) {
    const t0 = performance.now();
    const emit = input.emit;
    let n = 0;
    input.emit = (o) => (n++, emit(o));
    try {
      p.parse(input);
    } finally {
      input.emit = emit;
      if (input.text !== undefined) {
        const c = parserRuns.get(p.id) ?? parserRuns.set(p.id, { runs: 0, emitted: 0 }).get(p.id)!;
        c.runs++;
        if (n) c.emitted++;
      }
      const dt = performance.now() - t0;
      parserMs.set(p.id, (parserMs.get(p.id) ?? 0) + dt);
      current?.parsers.set(p.id, (current.parsers.get(p.id) ?? 0) + dt);
    }
  },
}));

interface Row { rel: string; ext: string; size: number; ms: number; secretsMs: number; prefilterMs: number; parsers: Map<string, number> }
const rows: Row[] = [];
const r = await resolveRoot(ROOT);
if ('error' in r) throw new Error(r.error);
const ac = new AbortController();
const tWalk = performance.now();
let walkMs = 0;
for (const s of await findSubjects(r.real)) {
  const t0 = performance.now();
  const files = await walkSubject(s, r.real, { maxFileBytes: 2 << 20, followSymlinks: false, exclude: [], includeVendored: false }, ac.signal, { skip() {}, fail() {}, stat() {} });
  walkMs += performance.now() - t0;
  const js: JobSubject = { subject: s.subject, prefix: s.prefix };
  for (const f of files) {
    current = { parsers: new Map() };
    const t1 = performance.now();
    scanFile({ s: js, f }, rules, 2 << 20, timedTable);
    const ms = performance.now() - t1;
    const name = f.rel.slice(f.rel.lastIndexOf('/') + 1);
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : `(${name.length > 20 ? 'none' : name})`;
    let secretsMs = 0;
    let prefilterMs = 0;
    const size = statSync(f.abs).size; // the walk does not stat (scan.ts readFile learns the size)
    if (size <= 2 << 20) {
      const buf = readFileSync(f.abs);
      if (!buf.subarray(0, 8192).includes(0)) {
        const text = buf.toString('utf8');
        const a = performance.now();
        rules.scanSecrets(text);
        const b = performance.now();
        prefilter(rules, buf, 63);
        prefilterMs = performance.now() - b;
        secretsMs = b - a;
      }
    }
    rows.push({ rel: s.prefix + f.rel, ext, size, ms, secretsMs, prefilterMs, parsers: current.parsers });
  }
}
const total = rows.reduce((n, x) => n + x.ms, 0);
const pct = (v: number) => `${((100 * v) / total).toFixed(1)} %`;
const fmt = (v: number) => `${v.toFixed(0)} ms`;
console.log(`# Per-file cost of the repo scanner, ${ROOT}\n`);
console.log(`${rows.length} files, ${(rows.reduce((n, x) => n + x.size, 0) / 2 ** 20).toFixed(1)} MiB; scanFile total ${fmt(total)} (one thread, in process); walk ${fmt(walkMs)} (wall ${fmt(performance.now() - tWalk)} all told)`);
console.log(`credential scan alone ${fmt(rows.reduce((n, x) => n + x.secretsMs, 0))}, pre-filter alone (every kind) ${fmt(rows.reduce((n, x) => n + x.prefilterMs, 0))}\n`);
const group = (key: (x: Row) => string) => {
  const m = new Map<string, { n: number; bytes: number; ms: number; secrets: number; parse: number }>();
  for (const x of rows) {
    const k = key(x);
    const g = m.get(k) ?? { n: 0, bytes: 0, ms: 0, secrets: 0, parse: 0 };
    g.n++;
    g.bytes += x.size;
    g.ms += x.ms;
    g.secrets += x.secretsMs;
    g.parse += [...x.parsers.values()].reduce((a, b) => a + b, 0);
    m.set(k, g);
  }
  return [...m].sort((a, b) => b[1].ms - a[1].ms);
};
const table = (title: string, list: ReturnType<typeof group>) => {
  console.log(`## By ${title}\n\n| ${title} | files | MiB | scanFile | share | in parsers | credential scan | µs/KiB |\n|---|---:|---:|---:|---:|---:|---:|---:|`);
  for (const [k, g] of list.slice(0, TOP)) console.log(`| ${k} | ${g.n} | ${(g.bytes / 2 ** 20).toFixed(2)} | ${fmt(g.ms)} | ${pct(g.ms)} | ${fmt(g.parse)} | ${fmt(g.secrets)} | ${((1000 * g.ms) / Math.max(1, g.bytes / 1024)).toFixed(0)} |`);
  console.log('');
};
table('extension', group((x) => x.ext));
const band = (n: number) => (n < 4096 ? '< 4 KiB' : n < 32768 ? '4–32 KiB' : n < 262144 ? '32–256 KiB' : n < 1 << 20 ? '256 KiB–1 MiB' : '≥ 1 MiB');
table('size band', group((x) => band(x.size)));
console.log(`## By parser (time inside parse)\n\n| parser | time | share of scanFile | text runs | runs that emitted |\n|---|---:|---:|---:|---:|`);
for (const [k, v] of [...parserMs].sort((a, b) => b[1] - a[1])) console.log(`| ${k} | ${fmt(v)} | ${pct(v)} | ${parserRuns.get(k)?.runs ?? 0} | ${parserRuns.get(k)?.emitted ?? 0} |`);
console.log(`\n## Costliest files\n\n| file | KiB | scanFile | credential scan | top parser |\n|---|---:|---:|---:|---|`);
for (const x of [...rows].sort((a, b) => b.ms - a.ms).slice(0, TOP)) {
  const tp = [...x.parsers].sort((a, b) => b[1] - a[1])[0];
  console.log(`| ${x.rel} | ${(x.size / 1024).toFixed(0)} | ${x.ms.toFixed(1)} ms | ${x.secretsMs.toFixed(1)} ms | ${tp ? `${tp[0]} ${tp[1].toFixed(1)} ms` : '—'} |`);
}
