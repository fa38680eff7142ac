/**
 * What every CLI command shares: the terminal streams, output writing and exit-code helpers.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { ScanReport } from '../index.js';
import { scannedNothing as coveredNothing } from '../collect/partial.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
}

export const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  isTTY: !!process.stderr.isTTY,
};

export const collectRepeat = (v: string, prev: string[] = []) => [...prev, v];

/** Exit code for --fail-on. */
export function failOnMatches(report: ScanReport, failOn: string[]): string | undefined {
  for (const f of failOn) {
    if (f === 'unsanctioned') {
      const n = report.items.filter((i) => i.status === 'unsanctioned' || i.status === 'declined-but-in-use').length;
      if (n) return `${n} unsanctioned item(s)`;
    } else if (f === 'declined-in-use') {
      const n = report.items.filter((i) => i.status === 'declined-but-in-use').length;
      if (n) return `${n} declined-but-in-use item(s)`;
    } else if (f === 'new') {
      if (report.summary.items.new) return `${report.summary.items.new} new item(s)`;
    }
  }
  return undefined;
}

export function writeOut(io: Io, output: string | undefined, text: string): void {
  if (output && output !== '-') {
    try {
      writeFileSync(output, text);
    } catch (e) {
      throw new UsageError(`${output}: cannot write the output: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else io.out(text);
}

/** Fails before a scan (not after it) when --output cannot be written: its folder must exist. */
export function checkOutputPath(output: string | undefined): void {
  if (!output || output === '-') return;
  const dir = dirname(resolvePath(output));
  if (!existsSync(dir)) throw new UsageError(`${output}: cannot write the output: folder ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`${output}: cannot write the output: ${dir} is not a folder`);
  if (existsSync(output) && statSync(output).isDirectory()) throw new UsageError(`${output}: cannot write the output: it is a folder (expected a file name)`);
}

/** Commander's own messages ("error: unknown option '--x'\n(Did you mean --y?)") as one line. */
export function oneLineUsage(message: string): string {
  const text = message
    .trim()
    .replace(/^error:\s*/, '')
    .replace(/\s*\n\s*\(Did you mean (.*)\?\)/, ' (did you mean $1?)')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\.$/, '');
  return `shadowscan: ${text} — run with --help for usage\n`;
}

/** A run in which units failed and not one unit was scanned, skipped or read in part: it covered nothing. */
export function scannedNothing(report: ScanReport): boolean {
  return coveredNothing(report.coverage);
}

