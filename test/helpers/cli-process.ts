/** Runs the real launcher (bin/shadowscan.mjs, the compiled build) as a child process, as a user does. */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tmpDir } from './tmp.js';

export const PACKAGE_ROOT = resolve(import.meta.dirname, '../..');

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** `node <pkg>/bin/shadowscan.mjs ARGS` with extra environment; async, so loopback servers in this process keep answering. */
export function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string; pkg?: string } = {}): Promise<CliResult> {
  const pkg = opts.pkg ?? PACKAGE_ROOT;
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [join(pkg, 'bin', 'shadowscan.mjs'), ...args], { cwd: opts.cwd ?? tmpDir(), env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', rej);
    p.on('close', (code) => res({ code, out, err }));
  });
}
