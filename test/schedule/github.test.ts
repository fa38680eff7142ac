import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { githubSourceSchema } from '../../src/config.js';
import { gitEnv, listOrgRepos, syncOrg } from '../../src/sources/github.js';
import { tmpDir } from '../helpers/tmp.js';

const git = (args: string[], cwd?: string) => execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).toString();

/** A bare repository with one commit holding `files`. */
function bareRepo(root: string, name: string, files: Record<string, string>): string {
  const work = join(root, 'work', name);
  mkdirSync(work, { recursive: true });
  git(['init', '-q', '-b', 'main', work]);
  for (const [f, c] of Object.entries(files)) writeFileSync(join(work, f), c);
  git(['add', '.'], work);
  git(['commit', '-q', '-m', 'init'], work);
  const bare = join(root, 'bare', `${name}.git`);
  git(['clone', '-q', '--bare', work, bare]);
  return bare;
}

function commitTo(root: string, name: string, file: string, content: string): void {
  const work = join(root, 'work', name);
  writeFileSync(join(work, file), content);
  git(['add', '.'], work);
  git(['commit', '-q', '-m', 'change'], work);
  git(['push', '-q', join(root, 'bare', `${name}.git`), 'main'], work);
}

/** Loopback GitHub REST API: GET /orgs/:org/repos, two per page, Link rel="next". */
async function githubApi(repos: object[], token: string) {
  const seen: Array<{ url: string; auth?: string }> = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url!, auth: req.headers.authorization });
    const u = new URL(req.url!, 'http://x');
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end('{"message":"Bad credentials"}');
    }
    const m = /^\/api\/v3\/orgs\/([^/]+)\/repos$/.exec(u.pathname);
    if (!m || m[1] !== 'acme') {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end('{"message":"Not Found"}');
    }
    const page = Number(u.searchParams.get('page') ?? '1');
    const per = 2;
    const slice = repos.slice((page - 1) * per, page * per);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const { port } = server.address() as AddressInfo;
    if (page * per < repos.length) headers.link = `<http://127.0.0.1:${port}/api/v3/orgs/acme/repos?per_page=100&type=all&page=${page + 1}>; rel="next", <http://127.0.0.1:${port}/api/v3/orgs/acme/repos?page=9>; rel="last"`;
    res.writeHead(200, headers);
    res.end(JSON.stringify(slice));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { apiUrl: `http://127.0.0.1:${port}/api/v3`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('github organisation source', () => {
  it('lists every page, clones, then pulls changes; filters archived and forks', async () => {
    const root = tmpDir();
    const repos = [
      { name: 'api', full_name: 'acme/api', clone_url: bareRepo(root, 'api', { 'requirements.txt': 'flask\n' }), default_branch: 'main' },
      { name: 'web', full_name: 'acme/web', clone_url: bareRepo(root, 'web', { 'package.json': '{"dependencies":{"react":"18"}}' }), default_branch: 'main' },
      { name: 'old', full_name: 'acme/old', clone_url: join(root, 'nope.git'), archived: true },
      { name: 'forked', full_name: 'acme/forked', clone_url: join(root, 'nope.git'), fork: true },
      { name: 'broken', full_name: 'acme/broken', clone_url: join(root, 'missing.git'), default_branch: 'main' },
    ];
    const api = await githubApi(repos, 's3cret');
    const src = githubSourceSchema.parse({ org: 'acme', token: 's3cret', apiUrl: api.apiUrl, cacheDir: join(root, 'cache') });
    expect((await listOrgRepos(src)).map((r) => r.name)).toEqual(['api', 'broken', 'forked', 'old', 'web']);
    expect(api.seen.filter((s) => s.url.includes('/orgs/acme/repos'))).toHaveLength(3);

    const first = await syncOrg(src);
    expect(first.cloned).toEqual(['api', 'web']);
    expect(first.skipped).toEqual([{ repo: 'forked', reason: 'fork' }, { repo: 'old', reason: 'archived' }]);
    expect(first.failed.map((f) => f.repo)).toEqual(['broken']);
    expect(first.paths).toEqual([join(root, 'cache/acme/api'), join(root, 'cache/acme/web')]);
    // the token is never written into the clone's git config
    expect(readFileSync(join(root, 'cache/acme/api/.git/config'), 'utf8')).not.toContain('s3cret');

    commitTo(root, 'api', 'requirements.txt', 'flask\nopenai==1.40.0\n');
    const second = await syncOrg(src);
    expect(second.updated).toEqual(['api', 'web']);
    expect(readFileSync(join(root, 'cache/acme/api/requirements.txt'), 'utf8')).toContain('openai');
    expect(existsSync(join(root, 'cache/acme/api.partial-' + process.pid))).toBe(false);
    await api.close();
  });

  it('fails clearly on a bad token or unknown organisation', async () => {
    const api = await githubApi([], 'right');
    await expect(listOrgRepos({ org: 'acme', token: 'wrong', apiUrl: api.apiUrl })).rejects.toThrow(/HTTP 401: Bad credentials \(check the token\)/);
    await expect(listOrgRepos({ org: 'other', token: 'right', apiUrl: api.apiUrl })).rejects.toThrow(/HTTP 404/);
    await api.close();
  });

  it('gives git the token only as an extra header scoped to the clone host', () => {
    const env = gitEnv({ token: 'tok', apiUrl: 'https://api.github.com' }, 'https://github.com/acme/api.git', {});
    expect(env.GIT_CONFIG_KEY_0).toBe('http.https://github.com/.extraHeader');
    expect(env.GIT_CONFIG_VALUE_0).toBe(`AUTHORIZATION: basic ${Buffer.from('x-access-token:tok').toString('base64')}`);
    expect(env.GIT_TERMINAL_PROMPT).toBe('0');
    expect(gitEnv({ token: 'tok', apiUrl: 'x' }, '/local/bare.git', {}).GIT_CONFIG_COUNT).toBeUndefined();
  });
});
