/** Shared helpers for benchmarks: machine description, child-process timing with peak RSS. */
import { cpus, totalmem } from 'node:os';
import { spawn } from 'node:child_process';

export function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
}

export interface Timed {
  ms: number;
  maxRssMb: number;
  /** user + system CPU of the process and its children (GNU time), NaN without it */
  cpuMs: number;
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs a command, measuring wall time and peak RSS (GNU time's %M when present, else /proc polling). */
export async function timed(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Timed> {
  const useTime = await has('/usr/bin/time');
  const argv = useTime ? ['-f', '__MAXRSS_KB=%M __CPU=%U+%S', cmd, ...args] : args;
  const bin = useTime ? '/usr/bin/time' : cmd;
  const t0 = performance.now();
  const child = spawn(bin, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let peak = 0;
  const poll = setInterval(async () => {
    try {
      const { readFileSync } = await import('node:fs');
      const s = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const m = /VmHWM:\s+(\d+)/.exec(s);
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      /* exited */
    }
  }, 50);
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code: number | null = await new Promise((r) => child.on('close', r));
  clearInterval(poll);
  const ms = performance.now() - t0;
  const m = /__MAXRSS_KB=(\d+)/.exec(stderr);
  if (m) peak = Number(m[1]) / 1024;
  const c = /__CPU=([\d.]+)\+([\d.]+)/.exec(stderr);
  const cpuMs = c ? (Number(c[1]) + Number(c[2])) * 1000 : NaN;
  return { ms, maxRssMb: peak, cpuMs, stdout, stderr: stderr.replace(/__MAXRSS_KB=\d+ __CPU=[\d.]+\+[\d.]+\n?/, ''), code };
}

async function has(p: string): Promise<boolean> {
  const { existsSync } = await import('node:fs');
  return existsSync(p);
}

export function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
