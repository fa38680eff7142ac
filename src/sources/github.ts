/**
 * GitHub organisation source: lists an organisation's repositories with the REST API
 * (`GET /orgs/{org}/repos`, paginated by the Link header), clones new ones and fast-forwards
 * known ones into a cache folder with the `git` CLI (shallow), then hands the clone paths to the
 * repo scanner. The token goes to the API in an Authorization header and to git through
 * GIT_CONFIG_* environment variables (never on a command line, never in .git/config), and only
 * to the API host and the clone host that the API named.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import type { GithubSource } from '../config.js';
import { ScanError } from '../core/errors.js';
import type { Logger } from '../core/types.js';

export interface GithubRepo {
  name: string;
  full_name: string;
  clone_url: string;
  default_branch?: string;
  archived?: boolean;
  fork?: boolean;
  disabled?: boolean;
  size?: number;
}

export interface SyncResult {
  /** Clone folders to scan (fresh, or the previous clone when an update failed). */
  paths: string[];
  cloned: string[];
  updated: string[];
  skipped: Array<{ repo: string; reason: string }>;
  failed: Array<{ repo: string; reason: string }>;
}

export interface GithubDeps {
  fetch?: typeof fetch;
  /** git executable (default "git"). */
  git?: string;
  log?: Logger;
  env?: NodeJS.ProcessEnv;
}

function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

export async function listOrgRepos(src: Pick<GithubSource, 'apiUrl' | 'org' | 'token'>, deps: GithubDeps = {}): Promise<GithubRepo[]> {
  const f = deps.fetch ?? fetch;
  const base = src.apiUrl.replace(/\/+$/, '');
  const apiOrigin = new URL(base).origin;
  let url: string | undefined = `${base}/orgs/${encodeURIComponent(src.org)}/repos?per_page=100&type=all&sort=full_name`;
  const repos: GithubRepo[] = [];
  for (let page = 0; url && page < 1000; page++) {
    // Follow pagination only on the API's own origin, so the token never goes elsewhere.
    if (new URL(url).origin !== apiOrigin) throw new ScanError(`github: pagination link leaves ${apiOrigin}; refusing to follow`);
    const res: Response = await f(url, {
      headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'shadowscan', ...(src.token ? { authorization: `Bearer ${src.token}` } : {}) },
    });
    if (!res.ok) {
      const body = await res.text().catch(() => '');
      const msg = /"message"\s*:\s*"([^"]*)"/.exec(body)?.[1] ?? body.slice(0, 200);
      throw new ScanError(`github: GET /orgs/${src.org}/repos → HTTP ${res.status}${msg ? `: ${msg}` : ''}${res.status === 401 ? ' (check the token)' : res.status === 404 ? ' (unknown organisation, or the token cannot see it)' : ''}`);
    }
    const list = (await res.json()) as GithubRepo[];
    if (!Array.isArray(list)) throw new ScanError(`github: GET /orgs/${src.org}/repos did not return a list`);
    repos.push(...list);
    url = nextLink(res.headers.get('link'));
  }
  return repos.sort((a, b) => a.name.localeCompare(b.name));
}

function run(git: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(git, args, { env, cwd, maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error((stderr || err.message).trim().split('\n').slice(-3).join(' ')));
      else resolve(stdout);
    });
  });
}

/** Environment for git: no prompts, and the token as an extra header for the clone host only. */
export function gitEnv(src: Pick<GithubSource, 'token' | 'apiUrl'>, cloneUrl: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'echo', GCM_INTERACTIVE: 'never' };
  let u: URL | undefined;
  try {
    u = new URL(cloneUrl);
  } catch {
    u = undefined;
  }
  if (src.token && u && u.protocol === 'https:') {
    const basic = Buffer.from(`x-access-token:${src.token}`).toString('base64');
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = `http.${u.origin}/.extraHeader`;
    env.GIT_CONFIG_VALUE_0 = `AUTHORIZATION: basic ${basic}`;
  }
  return env;
}

/** Lists, filters, clones / updates. A repository that fails is reported, never fatal. */
export async function syncOrg(src: GithubSource, deps: GithubDeps = {}): Promise<SyncResult> {
  const git = deps.git ?? 'git';
  const log = deps.log;
  const repos = await listOrgRepos(src, deps);
  const include = src.repos?.length ? picomatch(src.repos, { nocase: true }) : () => true;
  const exclude = src.excludeRepos.length ? picomatch(src.excludeRepos, { nocase: true }) : () => false;
  const root = join(src.cacheDir, src.org);
  mkdirSync(root, { recursive: true });
  const out: SyncResult = { paths: [], cloned: [], updated: [], skipped: [], failed: [] };
  for (const r of repos) {
    if (!/^[A-Za-z0-9._-]+$/.test(r.name) || r.name === '.' || r.name === '..') {
      out.skipped.push({ repo: r.name, reason: 'unsafe repository name' });
      continue;
    }
    if (!include(r.name) || exclude(r.name)) {
      out.skipped.push({ repo: r.name, reason: 'filtered by repos / excludeRepos' });
      continue;
    }
    if (r.archived && !src.includeArchived) {
      out.skipped.push({ repo: r.name, reason: 'archived' });
      continue;
    }
    if (r.fork && !src.includeForks) {
      out.skipped.push({ repo: r.name, reason: 'fork' });
      continue;
    }
    if (r.disabled) {
      out.skipped.push({ repo: r.name, reason: 'disabled' });
      continue;
    }
    const dir = join(root, r.name);
    const env = gitEnv(src, r.clone_url, deps.env ?? process.env);
    try {
      if (existsSync(join(dir, '.git'))) {
        const branch = r.default_branch ?? 'HEAD';
        await run(git, ['-C', dir, 'fetch', '--depth', '1', '--no-tags', '--quiet', r.clone_url, branch], env);
        await run(git, ['-C', dir, 'reset', '--hard', '--quiet', 'FETCH_HEAD'], env);
        await run(git, ['-C', dir, 'clean', '-fdxq'], env);
        out.updated.push(r.name);
      } else {
        const tmp = `${dir}.partial-${process.pid}`;
        rmSync(tmp, { recursive: true, force: true });
        await run(git, ['clone', '--depth', '1', '--no-tags', '--quiet', ...(r.default_branch ? ['--branch', r.default_branch] : []), r.clone_url, tmp], env);
        rmSync(dir, { recursive: true, force: true });
        renameSync(tmp, dir);
        out.cloned.push(r.name);
      }
      out.paths.push(dir);
    } catch (e) {
      const reason = (e as Error).message;
      out.failed.push({ repo: r.name, reason });
      log?.warn(`github: ${src.org}/${r.name}: ${reason}`);
      if (existsSync(join(dir, '.git'))) out.paths.push(dir);
    }
  }
  return out;
}
