/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time per function (name, file:line),
 * largest first, as a Markdown table for bench/results/.
 *   node bin/run-ts.mjs bench/cpu-profile.ts FILE.cpuprofile [--top 20]
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg } from './lib.js';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

export function summarise(file: string, top = 20): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const n = byId.get(id)!;
    const f = n.callFrame;
    let where = f.url;
    try {
      where = f.url.startsWith('file:') ? relative(process.cwd(), fileURLToPath(f.url.split('?')[0])) : f.url;
    } catch {
      /* keep the url */
    }
    const key = `${f.functionName || '(anonymous)'} ${where ? `${where}:${f.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [`Total sampled: ${(total / 1e6).toFixed(2)} s`, '', '| self | share | function |', '|---:|---:|---|', ...rows.map(([k, v]) => `| ${(v / 1e3).toFixed(0)} ms | ${((100 * v) / total).toFixed(1)} % | \`${k}\` |`)].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  process.stdout.write(summarise(process.argv[2], arg('top', 20)) + '\n');
}
