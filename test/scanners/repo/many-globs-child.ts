/**
 * Child process for globs.test.ts: scans a small tree with N exclude globs (argv) under a small
 * heap (--max-old-space-size set by the parent) and prints the skipped units and peak heap.
 */
import { runScan } from './helpers.js';

const [root, n] = [process.argv[2], Number(process.argv[3])];
const exclude: string[] = [];
for (let i = 0; i < n; i++) {
  // the three shapes a generated exclude list has: folders, file patterns, patterns anywhere
  if (i % 3 === 0) exclude.push(`gen/module-${i}/**`);
  else if (i % 3 === 1) exclude.push(`src/part-${i}/*.ts`);
  else exclude.push(`**/cache-${i}/*.bin`);
}
exclude.push('keep/skip-me.txt');
const r = await runScan({ paths: [root], exclude });
const skipped = r.coverage.skipped.map((u) => `${u.unit}: ${u.reason}`).sort();
process.stdout.write(JSON.stringify({ skipped, scanned: r.coverage.scanned, heapMb: process.memoryUsage().heapUsed / 2 ** 20 }) + '\n');
