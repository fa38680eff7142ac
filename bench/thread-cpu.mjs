#!/usr/bin/env node
// Per-thread CPU of a command (Linux): runs it and polls /proc/<pid>/task/*/stat every 30 ms,
// keeping each thread's last utime + stime; prints the main thread, the other threads by CPU
// (a repo scan's worker, then V8's platform threads: TurboFan's concurrent compiles and GC helpers)
// and the total. A thread that ends between two polls loses at most its last 30 ms.
//   node bench/thread-cpu.mjs node bin/shadowscan.mjs scan --repo DIR --db /tmp/x.db --quiet
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  process.stderr.write('usage: thread-cpu.mjs COMMAND [ARGS…]\n');
  process.exit(2);
}
const TICK = 100; // USER_HZ on Linux
const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
const t0 = performance.now();
const cpu = new Map();
const poll = () => {
  let tids = [];
  try {
    tids = readdirSync(`/proc/${child.pid}/task`);
  } catch {
    return;
  }
  for (const tid of tids) {
    try {
      const st = readFileSync(`/proc/${child.pid}/task/${tid}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      cpu.set(tid, (Number(f[11]) + Number(f[12])) / TICK);
    } catch {
      /* the thread ended */
    }
  }
};
const timer = setInterval(poll, 30);
child.on('exit', (code) => {
  clearInterval(timer);
  const wall = (performance.now() - t0) / 1000;
  const main = cpu.get(String(child.pid)) ?? 0;
  const others = [...cpu].filter(([t]) => t !== String(child.pid)).map(([, c]) => c).filter((c) => c > 0).sort((a, b) => b - a);
  const total = main + others.reduce((a, b) => a + b, 0);
  console.log(`exit ${code}; wall ${wall.toFixed(2)} s; CPU: main thread ${main.toFixed(2)} s, other threads ${others.map((c) => c.toFixed(2)).join(' / ')} s; total ${total.toFixed(2)} s`);
});
