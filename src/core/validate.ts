/**
 * Input validation shared by every flag and file field: real calendar dates, positive bounded
 * integers, paths that exist. Each check throws one line naming the flag or field, the value and
 * what was expected (the CLI prints it and exits 2); nothing is created before the checks pass.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import picomatch from 'picomatch';
import { UsageError } from './errors.js';

type ErrorClass = new (message: string) => Error;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Years a date may name: a register's approvals, reviews and suppressions live well inside this. */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 2999;
/** The longest an API token may live. */
export const MAX_TOKEN_DAYS = 3650;

const daysIn = (y: number, m: number) => [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];

/** Why `s` is not a real calendar date YYYY-MM-DD, or undefined when it is one. */
export function calendarDateProblem(s: string): string | undefined {
  const m = DATE_RE.exec(s);
  if (!m) return 'expected a date YYYY-MM-DD';
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < MIN_YEAR || y > MAX_YEAR) return `year ${y} is outside ${MIN_YEAR}–${MAX_YEAR}`;
  if (mo < 1 || mo > 12) return `month ${m[2]} does not exist`;
  if (d < 1 || d > daysIn(y, mo)) return `day ${m[3]} does not exist in ${m[1]}-${m[2]}`;
  return undefined;
}

export function isCalendarDate(s: string): boolean {
  return calendarDateProblem(s) === undefined;
}

/**
 * A real calendar date YYYY-MM-DD (`2027-02-30`, `2027-13-45`, `9999-99-99` are refused). With
 * `notBefore` (YYYY-MM-DD), a date before it is refused as being in the past.
 */
export function calendarDate(v: unknown, what: string, opts: { notBefore?: string } = {}, Err: ErrorClass = UsageError): string {
  const s = typeof v === 'string' ? v.trim() : '';
  if (!s) throw new Err(`${what}: expected a date YYYY-MM-DD, got nothing`);
  const problem = calendarDateProblem(s);
  if (problem) throw new Err(`${what}: "${s.slice(0, 40)}" is not a real date (${problem})`);
  if (opts.notBefore && s < opts.notBefore) throw new Err(`${what}: ${s} is in the past (today is ${opts.notBefore})`);
  return s;
}

/** A whole number 1…max written in digits (`0`, `-1`, `abc`, `1.5`, `1e3` are refused). */
export function positiveInt(v: unknown, what: string, max: number, Err: ErrorClass = UsageError): number {
  const s = String(v ?? '').trim();
  const n = Number(s);
  if (!/^\d{1,15}$/.test(s) || !Number.isSafeInteger(n) || n < 1 || n > max) throw new Err(`${what}: expected a whole number 1–${max}, got "${s.slice(0, 40)}"`);
  return n;
}

/** A path that exists (a file, a folder, or either); one line otherwise. */
export function existingPath(p: unknown, what: string, kind: 'file' | 'dir' | 'any' = 'any', Err: ErrorClass = UsageError): string {
  const s = typeof p === 'string' ? p : '';
  if (!s) throw new Err(`${what}: expected a path, got nothing`);
  let st;
  try {
    st = statSync(s);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Err(code === 'ENOENT' ? `${what} ${s}: no such file or folder` : `${what} ${s}: cannot read it (${code ?? (e as Error).message})`);
  }
  if (kind === 'file' && !st.isFile()) throw new Err(`${what} ${s}: is a folder, expected a file`);
  if (kind === 'dir' && !st.isDirectory()) throw new Err(`${what} ${s}: is a file, expected a folder`);
  return s;
}

const GLOB = /[*?[\]{}]/;

/**
 * A path that exists, `-` (stdin), or a glob that matches at least one entry (`logs/access.log*`:
 * the folder before the first wildcard must exist; a wildcard in the last segment is matched
 * against that folder's entries).
 */
export function existingPathOrGlob(p: string, what: string, Err: ErrorClass = UsageError): string {
  if (p === '-') return p;
  if (!GLOB.test(p)) return existingPath(p, what, 'any', Err);
  const segs = p.split('/');
  const first = segs.findIndex((x) => GLOB.test(x));
  const base = segs.slice(0, first).join('/') || (p.startsWith('/') ? '/' : '.');
  existingPath(base, `${what} ${p}: folder`, 'dir', Err);
  if (first === segs.length - 1) {
    const isMatch = picomatch(basename(p), { dot: false });
    const dir = dirname(p) || '.';
    if (!readdirSync(dir).some((e) => isMatch(e))) throw new Err(`${what} ${p}: matched no file`);
  }
  return p;
}

/** Commander argument parsers: the same checks, for `.option(flags, help, parser)`. */
export const dateFlag = (flag: string) => (v: string) => calendarDate(v, flag);
export const positiveIntFlag = (flag: string, max: number) => (v: string) => positiveInt(v, flag, max);
