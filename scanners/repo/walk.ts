/**
 * File-system walk for the repo scanner: finds repo subjects under a root and lists the files
 * of each, honouring .gitignore at every level and .git/info/exclude, skipping VCS metadata and
 * vendored folders, and never following a symlink out of the root or into a loop.
 * Every skip is reported (one entry per skipped folder, not per file inside it).
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { readFileSync, readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { compileGlobs } from './globs.js';
import type { Subject } from '../../src/core/types.js';

/**
 * Folders holding third-party code that a repo did not write: package-manager installs,
 * virtualenvs, downloaded IaC providers. Skipped (and counted) unless includeVendored.
 * Build outputs (dist, build, target, out) are NOT in this list: they are normally
 * git-ignored, and when committed they are the repo's own content (bundles can leak keys).
 */
export const VENDORED_DIRS = new Set([
  'node_modules',
  'bower_components',
  'jspm_packages',
  'web_modules',
  'vendor',
  'third_party',
  'third-party',
  'thirdparty',
  '.venv',
  'venv',
  '.virtualenv',
  'site-packages',
  'dist-packages',
  '__pypackages__',
  '.tox',
  '.nox',
  'Pods',
  'Carthage',
  '.gradle',
  '.m2',
  '.terraform',
  '.pnpm-store',
  '.bundle',
]);

/** Vendored folders recognised by their path inside the subject (not just their name). */
const VENDORED_PATHS = ['.yarn/cache', '.yarn/unplugged', 'target/dependency'];

/** Version-control metadata: never content, skipped silently (counted in stats.vcsDirs). */
const VCS_DIRS = new Set(['.git', '.hg', '.svn']);

export interface WalkOptions {
  maxFileBytes: number;
  followSymlinks: boolean;
  exclude: string[];
  includeVendored: boolean;
}

export interface RepoSubject {
  subject: Subject;
  /** Absolute real path of the subject's root folder. */
  dir: string;
  /** '' for a single repo; `clone-dir/` inside a folder of clones (locator prefix). */
  prefix: string;
  /** Child folders that are subjects of their own (folder of clones): not walked here. */
  excludeDirs: Set<string>;
}

export interface WalkFile {
  abs: string;
  /** Subject-relative path, forward slashes. */
  rel: string;
  /** Reached through a symlink (followSymlinks). */
  viaSymlink?: boolean;
}

export interface WalkEvents {
  skip(rel: string, reason: string): void;
  fail(rel: string, reason: string): void;
  stat(name: string, delta: number): void;
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Normalises a git remote URL into a stable, credential-free identity:
 * `git@github.com:org/repo.git`, `ssh://git@github.com:22/org/repo`, `https://user:tok@github.com/org/repo.git`
 * all become `github.com/org/repo`.
 */
export function normalizeRemote(url: string): string | undefined {
  let u = url.trim();
  if (!u) return undefined;
  let host = '';
  let path = '';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(u);
  if (scheme) {
    if (scheme[1].toLowerCase() === 'file') {
      path = scheme[2];
    } else {
      const rest = scheme[2];
      const slash = rest.indexOf('/');
      let authority = slash < 0 ? rest : rest.slice(0, slash);
      path = slash < 0 ? '' : rest.slice(slash);
      const at = authority.lastIndexOf('@');
      if (at >= 0) authority = authority.slice(at + 1); // drop user[:password]
      host = authority.replace(/:\d*$/, '');
    }
  } else {
    const scp = /^(?:[^@/:]+@)?([^/:]+):(?!\/\/)(.*)$/.exec(u);
    if (scp && !/^[A-Za-z]$/.test(scp[1])) {
      host = scp[1];
      path = scp[2];
    } else {
      path = u;
    }
  }
  path = path.replace(/[?#].*$/, '').replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
  if (host) return `${host.toLowerCase()}/${path.replace(/^\/+/, '')}`.replace(/\/$/, '');
  return path || undefined;
}

/** Parses a git config file's text and returns the remote URL (origin first, else the first remote by name). */
export function remoteFromGitConfig(text: string): string | undefined {
  const remotes = new Map<string, string>();
  let current: string | undefined;
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    const sec = /^\[\s*remote\s+"([^"]+)"\s*\]$/.exec(l);
    if (sec) {
      current = sec[1];
      continue;
    }
    if (l.startsWith('[')) {
      current = undefined;
      continue;
    }
    const kv = /^url\s*=\s*(.+)$/.exec(l);
    if (current && kv && !remotes.has(current)) remotes.set(current, kv[1].trim().replace(/^"|"$/g, ''));
  }
  const url = remotes.get('origin') ?? [...remotes.keys()].sort().map((k) => remotes.get(k)!)[0];
  return url;
}

/** Reads the git config of a working tree (`.git` folder, or a `.git` file pointing at the git dir). */
async function gitConfigText(dir: string): Promise<string | undefined> {
  const dotgit = join(dir, '.git');
  try {
    const st = await stat(dotgit);
    let gitDir = dotgit;
    if (st.isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(await readFile(dotgit, 'utf8'));
      if (!m) return undefined;
      const g = m[1].trim();
      gitDir = isAbsolute(g) ? g : join(dir, g);
      // worktrees: config lives in the common dir
      try {
        const common = (await readFile(join(gitDir, 'commondir'), 'utf8')).trim();
        gitDir = common.startsWith('/') ? common : join(gitDir, common);
      } catch {
        /* not a worktree */
      }
    }
    return await readFile(join(gitDir, 'config'), 'utf8');
  } catch {
    return undefined;
  }
}

async function subjectFor(dir: string, label: string): Promise<Subject> {
  const cfg = await gitConfigText(dir);
  const remote = cfg ? remoteFromGitConfig(cfg) : undefined;
  const id = (remote && normalizeRemote(remote)) || label;
  return id === label ? { kind: 'repo', id } : { kind: 'repo', id, name: label };
}

/**
 * A root with `.git` is one subject (a clone or monorepo). A root without `.git` whose direct
 * children have `.git` is a folder of clones: each such child is a subject, and the remaining
 * files of the root (if any) form one more subject named after the root.
 */
export async function findSubjects(rootReal: string): Promise<RepoSubject[]> {
  const label = basename(rootReal) || rootReal;
  if (await exists(join(rootReal, '.git'))) {
    return [{ subject: await subjectFor(rootReal, label), dir: rootReal, prefix: '', excludeDirs: new Set() }];
  }
  const entries = (await readdir(rootReal, { withFileTypes: true })).sort((a, b) => cmp(a.name, b.name));
  const clones: RepoSubject[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || VCS_DIRS.has(e.name)) continue;
    const d = join(rootReal, e.name);
    if (await exists(join(d, '.git'))) clones.push({ subject: await subjectFor(d, e.name), dir: d, prefix: `${e.name}/`, excludeDirs: new Set() });
  }
  if (!clones.length) return [{ subject: { kind: 'repo', id: label }, dir: rootReal, prefix: '', excludeDirs: new Set() }];
  const cloneNames = new Set(clones.map((c) => c.prefix.slice(0, -1)));
  const rest = entries.filter((e) => !cloneNames.has(e.name) && !VCS_DIRS.has(e.name));
  const out = [...clones];
  if (rest.length) out.unshift({ subject: { kind: 'repo', id: label }, dir: rootReal, prefix: '', excludeDirs: cloneNames });
  return out;
}

/** Code-point order: deterministic across platforms and locales. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One compiled matcher per exclude list (shared by every subject of a scan). */
const excludeMatchers = new WeakMap<readonly string[], (path: string) => boolean>();
function excludeMatcher(globs: readonly string[]): (path: string) => boolean {
  let m = excludeMatchers.get(globs);
  if (!m) excludeMatchers.set(globs, (m = compileGlobs(globs)));
  return m;
}

interface IgnoreLevel {
  /** subject-relative folder with a trailing slash ('' for the root) */
  base: string;
  file: IgnoreFile;
}

function isIgnored(levels: IgnoreLevel[], rel: string, isDir: boolean): boolean {
  let ignored = false;
  for (const lv of levels) {
    if (lv.base && !rel.startsWith(lv.base)) continue;
    const p = rel.slice(lv.base.length) + (isDir ? '/' : '');
    try {
      const r = lv.file.test(p);
      if (r?.ignored) ignored = true;
      else if (r?.unignored) ignored = false;
    } catch {
      /* a path the ignore package rejects: treat as not ignored */
    }
  }
  return ignored;
}

/**
 * A literal every match of a .gitignore line must hold (lower case: the ignore package matches
 * ASCII case-insensitively): a run of plain characters between wildcards (`*`, `?`), bracket
 * classes and slashes, the leading `!` aside — the longest of the last path segment holding one
 * (`glean-core/python/_uniffi` → `_uniffi`: a deep segment is the rarer); an escaped space, `#`,
 * `!`, `*`, `?`, `[` or backslash is a plain character, and a class of one letter's two cases
 * (`[Dd]`) is that letter.
 * Undefined when the line may match without one (only wildcards, another escape, an unclosed
 * bracket, a non-ASCII character: non-ASCII case folding differs between the package's regexes
 * and toLowerCase). '' for a comment or a blank line (no rule).
 */
export function ignoreLineLiteral(line: string): string | undefined {
  if (line[0] === '#') return ''; // a comment: no rule
  // trailing spaces and CRs dropped (the package drops them, or keeps them as part of a literal:
  // a shorter literal only makes the check pass more); a line left empty is blank unless it had a CR
  let body = line.replace(/[ \r]+$/, '');
  if (!body) return line.includes('\r') ? undefined : '';
  if (body[0] === '!') body = body.slice(1);
  if (/[^\x00-\x7f]/.test(body)) return undefined;
  let best = '';
  let bestSeg = -1;
  let seg = 0;
  let run = '';
  const end = () => {
    if (run && (seg > bestSeg || run.length > best.length)) {
      best = run;
      bestSeg = seg;
    }
    run = '';
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const next = body[++i];
      if (next === undefined || !' #!*?[\\'.includes(next)) return undefined;
      run += next;
    } else if (c === '*' || c === '?') end();
    else if (c === '/') {
      end();
      seg++;
    } else if (c === '[') {
      // a simple class: no negation, no `]` first, no nested `[` (POSIX classes) or escape
      const close = body.indexOf(']', i + 1);
      const cls = close < 0 ? '' : body.slice(i + 1, close);
      if (!cls || '!^]'.includes(cls[0]) || cls.includes('[') || cls.includes('\\')) return undefined;
      const lower = cls.toLowerCase();
      if (cls.length === 2 && lower[0] === lower[1] && lower[0] >= 'a' && lower[0] <= 'z') run += lower[0];
      else end();
      i = close;
    } else if (c === ']') return undefined;
    else run += c;
  }
  end();
  return best ? best.toLowerCase() : undefined;
}

/**
 * One .gitignore (or .git/info/exclude) for the walk: the `ignore` package's answer for a path,
 * computed from the lines that could match it only — those whose literal (ignoreLineLiteral) the
 * path holds (ASCII case folded) and those without a literal. A line whose literal the path lacks
 * matches neither the path nor a folder above it (a prefix of it), so it cannot be the last match
 * the package looks for: leaving it out changes no answer, and its regex is never compiled or run.
 * test() is undefined when no line can match (the package would answer neither ignored nor
 * re-included). Literals are indexed by their first two characters (one look-up per path
 * character); a matcher is built once per set of lines.
 */
export class IgnoreFile {
  private readonly lines: string[];
  /** lines that are rules without a literal: always in the set */
  private readonly always: number[] = [];
  private readonly single = new Map<number, number[]>();
  private readonly pairs = new Map<number, Array<[string, number]>>();
  private readonly matchers = new Map<string, Ignore>();
  /** the whole file (a line ending in a CR cannot be given alone: with the LF after it, it would read as CRLF) */
  private readonly text?: string;

  constructor(text: string) {
    // as the package reads it: one CR dropped at the very end, then lines split at (CR)LF
    this.lines = (text.endsWith('\r') ? text.slice(0, -1) : text).split(/\r?\n/);
    if (this.lines.some((l) => l.endsWith('\r'))) this.text = text;
    this.lines.forEach((line, k) => {
      const lit = ignoreLineLiteral(line);
      if (lit === undefined) this.always.push(k);
      else if (lit.length === 1) {
        const c = lit.charCodeAt(0);
        (this.single.get(c) ?? this.single.set(c, []).get(c)!).push(k);
      } else if (lit) {
        const key = (lit.charCodeAt(0) << 16) | lit.charCodeAt(1);
        (this.pairs.get(key) ?? this.pairs.set(key, []).get(key)!).push([lit, k]);
      }
    });
  }

  /** The lines that could match `path` (lower case), in file order. */
  linesFor(path: string): number[] {
    const hit = new Set<number>(this.always);
    for (let i = 0; i < path.length; i++) {
      const c = path.charCodeAt(i);
      const one = this.single.get(c);
      if (one) for (const k of one) hit.add(k);
      const list = i + 1 < path.length ? this.pairs.get((c << 16) | path.charCodeAt(i + 1)) : undefined;
      if (list) for (const [lit, k] of list) if (path.startsWith(lit, i)) hit.add(k);
    }
    return [...hit].sort((a, b) => a - b);
  }

  test(path: string): { ignored: boolean; unignored: boolean } | undefined {
    const ks = this.linesFor(path.toLowerCase());
    if (!ks.length) return undefined;
    const key = this.text === undefined ? ks.join(',') : '*';
    let ig = this.matchers.get(key);
    if (!ig) this.matchers.set(key, (ig = ignore({ allowRelativePaths: true }).add(this.text ?? ks.map((k) => this.lines[k]).join('\n') + '\n')));
    return ig.test(path);
  }
}

function loadIgnore(file: string): IgnoreFile | undefined {
  try {
    return new IgnoreFile(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function realOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function within(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Lists the files of one subject in deterministic (code-point) order. `scanRoot` is the real
 * path of the folder the user asked for: symlinks may never lead outside it. Synchronous system
 * calls, one readdir per folder (its entries' types tell files from folders and links) and no
 * stat per file (the scan learns a file's size when it reads it): a promise round trip per file
 * cost more than the call itself, and the caller yields to the event loop between subjects.
 */
export async function walkSubject(s: RepoSubject, scanRoot: string, opts: WalkOptions, signal: AbortSignal, ev: WalkEvents): Promise<WalkFile[]> {
  const files: WalkFile[] = [];
  const match = excludeMatcher(opts.exclude);
  const excluded = (rel: string, isDir: boolean) => {
    if (!opts.exclude.length) return false;
    if (match(rel) || match(s.prefix + rel)) return true;
    return isDir && (match(rel + '/.shadowscan-probe') || match(s.prefix + rel + '/.shadowscan-probe'));
  };
  const levels: IgnoreLevel[] = [];
  const infoExclude = loadIgnore(join(s.dir, '.git', 'info', 'exclude'));
  if (infoExclude) levels.push({ base: '', file: infoExclude });
  /** real paths of folders on the current descent path (loop detection) and of all visited folders */
  const visitedDirs = new Set<string>([s.dir]);
  const visitedFiles = new Set<string>();

  const walkDir = (abs: string, rel: string, viaSymlink: boolean, ancestors: Set<string>): void => {
    if (signal.aborted) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (e) {
      ev.fail(rel || '.', `cannot list folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return;
    }
    entries.sort((a, b) => cmp(a.name, b.name));
    if (rel && !opts.includeVendored && entries.some((e) => e.name === 'pyvenv.cfg' && e.isFile())) {
      ev.skip(rel + '/', 'vendored folder (python virtualenv)');
      return;
    }
    const gi = entries.some((e) => e.name === '.gitignore') ? loadIgnore(join(abs, '.gitignore')) : undefined;
    const pushed = !!gi;
    if (gi) levels.push({ base: rel ? rel + '/' : '', file: gi });
    try {
      for (const e of entries) {
        if (signal.aborted) return;
        const childRel = rel ? `${rel}/${e.name}` : e.name;
        // abs is a real path (normalised) and an entry name holds no separator: join's normalising pass is not needed
        const childAbs = abs.endsWith(sep) ? abs + e.name : abs + sep + e.name;
        if (!rel && s.excludeDirs.has(e.name)) continue; // its own subject
        let isDir = e.isDirectory();
        let isFile = e.isFile();
        let real: string | undefined;
        let linked = viaSymlink;
        if (e.isSymbolicLink()) {
          if (!opts.followSymlinks) {
            ev.skip(childRel, 'symlink (not followed; set followSymlinks to follow links inside the root)');
            continue;
          }
          try {
            real = realpathSync(childAbs);
          } catch {
            ev.skip(childRel, 'broken symlink');
            continue;
          }
          if (!within(scanRoot, real)) {
            ev.skip(childRel, 'symlink points outside the scanned root');
            continue;
          }
          let st;
          try {
            st = statSync(real);
          } catch (err) {
            ev.fail(childRel, `cannot stat symlink target: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
            continue;
          }
          isDir = st.isDirectory();
          isFile = st.isFile();
          linked = true;
        }
        if (isDir) {
          if (VCS_DIRS.has(e.name)) {
            ev.stat('vcsDirs', 1);
            continue;
          }
          if (isIgnored(levels, childRel, true)) {
            ev.skip(childRel + '/', 'ignored by .gitignore');
            continue;
          }
          if (!opts.includeVendored && (VENDORED_DIRS.has(e.name) || VENDORED_PATHS.includes(childRel) || VENDORED_PATHS.some((p) => childRel.endsWith('/' + p)))) {
            ev.skip(childRel + '/', `vendored folder (${e.name})`);
            continue;
          }
          if (excluded(childRel, true)) {
            ev.skip(childRel + '/', 'excluded by option');
            continue;
          }
          const dirReal = real ?? (linked ? realOr(childAbs) : childAbs);
          if (ancestors.has(dirReal)) {
            ev.skip(childRel + '/', 'symlink loop');
            continue;
          }
          if (visitedDirs.has(dirReal)) {
            ev.skip(childRel + '/', 'same folder already scanned through another path (symlink)');
            continue;
          }
          visitedDirs.add(dirReal);
          const next = new Set(ancestors);
          next.add(dirReal);
          walkDir(real ?? childAbs, childRel, linked, next);
          continue;
        }
        if (!isFile) {
          ev.skip(childRel, 'not a regular file');
          continue;
        }
        if (isIgnored(levels, childRel, false)) {
          ev.skip(childRel, 'ignored by .gitignore');
          continue;
        }
        if (excluded(childRel, false)) {
          ev.skip(childRel, 'excluded by option');
          continue;
        }
        // no stat: the thread that reads the file learns its size from the read (scan.ts readFile)
        let fileReal = childAbs;
        if (linked) {
          try {
            fileReal = real ?? realpathSync(childAbs);
          } catch (err) {
            ev.fail(childRel, `cannot stat: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
            continue;
          }
        }
        if (opts.followSymlinks) {
          if (visitedFiles.has(fileReal)) {
            ev.skip(childRel, 'same file already scanned through another path (symlink)');
            continue;
          }
          visitedFiles.add(fileReal);
        }
        files.push({ abs: childAbs, rel: childRel, viaSymlink: linked || undefined });
      }
    } finally {
      if (pushed) levels.pop();
    }
  };
  walkDir(s.dir, '', false, new Set([s.dir]));
  return files;
}

/** Real path of a root; undefined (with the reason) when it cannot be scanned. */
export async function resolveRoot(p: string): Promise<{ real: string } | { error: string }> {
  try {
    const real = await realpath(p);
    const st = statSync(real);
    if (!st.isDirectory()) return { error: 'not a directory' };
    return { real };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'not found' : code ?? (e as Error).message };
  }
}

export function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

export { relative };
