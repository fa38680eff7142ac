import { openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ScanError } from '../../../src/core/errors.js';
import { matchAll } from '../../../src/match/match.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { repoScanner, optionsSchema } from '../../../scanners/repo/index.js';
import { scannerById } from '../../../scanners/index.js';
import { normalizeRemote, remoteFromGitConfig } from '../../../scanners/repo/walk.js';
import type { FileParser } from '../../../scanners/repo/parsers/types.js';
import { workerEntry } from '../../../src/core/worker-entry.js';
import { ACME_KEY, FIXTURES, ROOT, fakeGit, rmTree, runScan, testRules, tree } from './helpers.js';

const made: string[] = [];
function mk(spec: Record<string, string | Buffer>): string {
  const r = tree(spec);
  made.push(r);
  return r;
}
afterEach(() => {
  while (made.length) rmTree(made.pop()!);
});

const skippedUnits = (c: { skipped: Array<{ unit: string }> }) => c.skipped.map((s) => s.unit);


/** File units only (a completely covered repository is also listed, by its subject id). */
function fileUnits(c: { units: string[] }): string[] {
  return c.units.filter((u) => u.includes(':'));
}

describe('repo scanner module', () => {
  it('is registered with id repo, source repo, a repeatable --repo flag', () => {
    expect(scannerById('repo')).toBe(repoScanner);
    expect(repoScanner.source).toBe('repo');
    expect(repoScanner.cli?.[0]).toMatchObject({ flags: '--repo <path>', repeatable: true });
    expect(repoScanner.optionsFromCli?.({ repo: ['a', 'b'] })).toEqual({ paths: ['a', 'b'] });
    expect(repoScanner.optionsFromCli?.({})).toBeUndefined();
  });

  it('validates options with defaults', () => {
    expect(optionsSchema.parse({ paths: ['x'] })).toEqual({ paths: ['x'], maxFileBytes: 2 * 1024 * 1024, followSymlinks: false, exclude: [], includeVendored: false });
    expect(optionsSchema.safeParse({ paths: [] }).success).toBe(false);
    expect(optionsSchema.safeParse({ paths: ['x'], bogus: 1 }).success).toBe(false);
  });

  it('scanner code names no AI vendor (rules know AI)', () => {
    const files = ['index.ts', 'scan.ts', 'walk.ts', 'parsers/manifests/npm.ts', 'parsers/manifests/python.ts', 'parsers/manifests/jvm.ts', 'parsers/manifests/misc.ts', 'parsers/manifests/util.ts'];
    const text = files.map((f) => readFileSync(join(ROOT, 'scanners/repo', f), 'utf8')).join('\n').toLowerCase();
    for (const v of ['openai', 'anthropic', 'gemini', 'mistral', 'cohere', 'huggingface', 'bedrock', 'ollama', 'langchain', 'copilot', 'acme']) expect(text, v).not.toContain(v);
  });
});

describe('walk', () => {
  it('respects .gitignore at every level and .git/info/exclude', async () => {
    const root = mk({
      '.gitignore': '*.log\nsecrets/\n!keep.log\n',
      'app.log': 'x',
      'keep.log': 'x',
      'secrets/a.txt': 'x',
      'secrets/b.txt': 'x',
      'src/.gitignore': 'generated.py\n',
      'src/main.py': 'print(1)\n',
      'src/generated.py': 'x',
      'src/sub/generated.py': 'x',
      'other/generated.py': 'x',
      'local-notes.txt': 'x',
    });
    fakeGit(root);
    writeFileSync(join(root, '.git/info/exclude'), 'local-notes.txt\n');
    const { coverage } = await runScan({ paths: [root] });
    const id = root.split('/').pop();
    const units = fileUnits(coverage).map((u) => u.slice(id!.length + 1));
    expect(units).toEqual(['.gitignore', 'keep.log', 'other/generated.py', 'src/.gitignore', 'src/main.py']);
    expect(skippedUnits(coverage).map((u) => u.slice(id!.length + 1)).sort()).toEqual(['app.log', 'local-notes.txt', 'secrets/', 'src/generated.py', 'src/sub/generated.py']);
    expect(coverage.skipped.every((s) => s.reason === 'ignored by .gitignore')).toBe(true);
    expect(coverage.stats.vcsDirs).toBe(1);
  });

  it('skips vendored folders once each (not per file) unless includeVendored', async () => {
    const root = mk({
      'package.json': '{ "dependencies": { "acme-llm": "1" } }\n',
      'node_modules/acme-llm/package.json': '{ "dependencies": { "@acme/llm-sdk": "1" } }\n',
      'node_modules/acme-llm/index.js': 'x',
      'node_modules/other/index.js': 'x',
      'vendor/github.com/x/y.go': 'package y',
      'env/pyvenv.cfg': 'home = /usr/bin\n',
      'env/lib/python3.11/site-packages/x.py': 'x',
      'dist/bundle.js': 'x',
    });
    const r = await runScan({ paths: [root] });
    const skipped = r.coverage.skipped.map((s) => [s.unit.replace(/^[^:]+:/, ''), s.reason]);
    expect(skipped).toEqual([
      ['env/', 'vendored folder (python virtualenv)'],
      ['node_modules/', 'vendored folder (node_modules)'],
      ['vendor/', 'vendored folder (vendor)'],
    ]);
    expect(fileUnits(r.coverage).map((u) => u.replace(/^[^:]+:/, ''))).toEqual(['dist/bundle.js', 'package.json']);
    expect(r.observations.filter((o) => o.kind === 'package').map((o) => o.value)).toEqual(['acme-llm']);
    const all = await runScan({ paths: [root], includeVendored: true });
    expect(all.coverage.skipped).toEqual([]);
    expect(all.observations.filter((o) => o.kind === 'package').map((o) => o.locator)).toEqual(['node_modules/acme-llm/package.json:1', 'package.json:1']);
  });

  it('exclude globs skip folders and files', async () => {
    const root = mk({ 'a/fixtures/x.txt': 'x', 'a/keep.txt': 'x', 'b.min.js': 'x' });
    const r = await runScan({ paths: [root], exclude: ['**/fixtures/**', '*.min.js'] });
    expect(r.coverage.skipped.map((s) => [s.unit.replace(/^[^:]+:/, ''), s.reason])).toEqual([
      ['a/fixtures/', 'excluded by option'],
      ['b.min.js', 'excluded by option'],
    ]);
  });

  it('skips text files over maxFileBytes, counted with the reason', async () => {
    const root = mk({ 'big.txt': 'a'.repeat(300) + ACME_KEY, 'small.txt': 'hello' });
    const r = await runScan({ paths: [root], maxFileBytes: 100 });
    expect(r.coverage.skipped).toEqual([{ unit: expect.stringMatching(/:big\.txt$/), reason: 'larger than maxFileBytes (345 > 100 bytes)' }]);
    expect(fileUnits(r.coverage)).toEqual([expect.stringMatching(/:small\.txt$/)]);
    expect(r.observations.filter((o) => o.kind === 'credential')).toEqual([]);
  });

  it('never follows a symlink out of the root or into a loop', async () => {
    const outside = mk({ 'leak.txt': `KEY=${ACME_KEY}\n` });
    const root = mk({ 'a/real.txt': 'x', 'b/file.txt': 'y' });
    symlinkSync(join(root, 'a'), join(root, 'a/loop'));
    symlinkSync(root, join(root, 'b/up'));
    symlinkSync(outside, join(root, 'escape'));
    symlinkSync(join(outside, 'leak.txt'), join(root, 'leak-link.txt'));
    symlinkSync(join(root, 'missing'), join(root, 'dangling'));
    symlinkSync(join(root, 'b/file.txt'), join(root, 'a/alias.txt'));

    const followed = await runScan({ paths: [root], followSymlinks: true });
    const reasons = Object.fromEntries(followed.coverage.skipped.map((s) => [s.unit.replace(/^[^:]+:/, ''), s.reason]));
    expect(reasons).toEqual({
      'a/loop/': 'symlink loop',
      'b/file.txt': 'same file already scanned through another path (symlink)',
      'b/up/': 'symlink loop',
      dangling: 'broken symlink',
      escape: 'symlink points outside the scanned root',
      'leak-link.txt': 'symlink points outside the scanned root',
    });
    expect(fileUnits(followed.coverage).map((u) => u.replace(/^[^:]+:/, ''))).toEqual(['a/alias.txt', 'a/real.txt']);
    expect(followed.observations.filter((o) => o.kind === 'credential')).toEqual([]);

    const plain = await runScan({ paths: [root] });
    expect(plain.coverage.skipped.map((s) => s.unit.replace(/^[^:]+:/, ''))).toEqual(['a/alias.txt', 'a/loop', 'b/up', 'dangling', 'escape', 'leak-link.txt']);
    expect(plain.coverage.skipped.every((s) => s.reason.startsWith('symlink (not followed'))).toBe(true);
    expect(fileUnits(plain.coverage).map((u) => u.replace(/^[^:]+:/, ''))).toEqual(['a/real.txt', 'b/file.txt']);
  });

  it('never reads a binary file as text', async () => {
    const garbage = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]), Buffer.from(`\nKEY=${ACME_KEY}\n`), Buffer.alloc(64, 0xff)]);
    const png = `KEY=${ACME_KEY}\n`;
    const root = mk({ 'garbage.txt': garbage, 'photo.png': png, 'ok.txt': 'fine\n' });
    const seen: string[] = [];
    const spy: FileParser = { id: 'spy', matches: () => true, parse: (i) => void seen.push(`${i.relPath}:${typeof i.text}`) };
    const bin: FileParser = { id: 'bin', binary: true, matches: () => true, parse: (i) => void seen.push(`bin:${i.relPath}:${typeof i.text}:${i.head?.length}:${i.size}`) };
    const r = await runScan({ paths: [root] }, { deps: { parsers: [spy, bin] } });
    // files are read concurrently: the set matters, not the order
    expect([...seen].sort()).toEqual([`bin:garbage.txt:undefined:${garbage.length}:${garbage.length}`, 'bin:ok.txt:undefined:5:5', `bin:photo.png:undefined:${png.length}:${png.length}`, 'ok.txt:string']);
    expect(r.observations.filter((o) => o.kind === 'credential')).toEqual([]);
    expect(r.coverage.stats.binaryFiles).toBe(2);
    // with no binary parser, a binary file is a counted skip
    const none = await runScan({ paths: [root] }, { deps: { parsers: [spy] } });
    expect(none.coverage.skipped.map((s) => [s.unit.replace(/^[^:]+:/, ''), s.reason])).toEqual([
      ['garbage.txt', 'binary file'],
      ['photo.png', 'binary file'],
    ]);
  });

  it('decodes UTF-16 text (BOM) instead of treating it as binary', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`KEY=${ACME_KEY}\n`, 'utf16le')]);
    const root = mk({ 'win.txt': utf16 });
    const r = await runScan({ paths: [root] });
    expect(r.observations.filter((o) => o.kind === 'credential').map((o) => o.locator)).toEqual(['win.txt:1']);
  });
});

describe('subjects', () => {
  it('normalises git remotes without credentials', () => {
    expect(normalizeRemote('git@github.com:Acme/svc-a.git')).toBe('github.com/Acme/svc-a');
    expect(normalizeRemote('https://user:ghp_secretToken123@GitHub.com/acme/svc.git/')).toBe('github.com/acme/svc');
    expect(normalizeRemote('ssh://git@gitlab.example.com:2222/group/sub/repo.git')).toBe('gitlab.example.com/group/sub/repo');
    expect(normalizeRemote('https://dev.azure.com/org/proj/_git/repo')).toBe('dev.azure.com/org/proj/_git/repo');
    expect(normalizeRemote('/srv/git/repo.git')).toBe('/srv/git/repo');
    expect(remoteFromGitConfig('[remote "upstream"]\n url = git@h:u/x.git\n[remote "origin"]\n\turl = git@h:o/x.git\n')).toBe('git@h:o/x.git');
    expect(remoteFromGitConfig('[core]\n bare = false\n')).toBeUndefined();
  });

  it('a single clone is one subject identified by its origin', async () => {
    const root = mk({ 'package.json': '{ "dependencies": { "acme-llm": "1" } }\n' });
    fakeGit(root, 'https://build:tok3n@github.com/acme/support-bot.git');
    const r = await runScan({ paths: [root] });
    const pkg = r.observations.find((o) => o.kind === 'package')!;
    expect(pkg.subject).toEqual({ kind: 'repo', id: 'github.com/acme/support-bot', name: root.split('/').pop() });
    expect(pkg.locator).toBe('package.json:1');
    expect(fileUnits(r.coverage)).toEqual(['github.com/acme/support-bot:package.json']);
    expect(r.coverage.units).toContain('github.com/acme/support-bot');
    expect(JSON.stringify(r)).not.toContain('tok3n');
  });

  it('a folder of clones: each child with .git is its own subject, locators prefixed', async () => {
    const root = mk({
      'svc-a/package.json': '{ "dependencies": { "acme-llm": "1" } }\n',
      'svc-b/requirements.txt': 'acme-llm==1.0\n',
      'svc-b/node_modules/x/package.json': '{}',
      'notes.txt': 'loose file\n',
    });
    fakeGit(join(root, 'svc-a'), 'git@github.com:acme/svc-a.git');
    fakeGit(join(root, 'svc-b'));
    const r = await runScan({ paths: [root] });
    const pk = r.observations.filter((o) => o.kind === 'package').map((o) => [o.subject.id, o.locator]);
    expect(pk).toEqual([
      ['github.com/acme/svc-a', 'svc-a/package.json:1'],
      ['svc-b', 'svc-b/requirements.txt:1'],
    ]);
    const label = root.split('/').pop();
    // units are the subject and the path inside it (no folder prefix): a clone's units and finding
    // fingerprints are the same whether it is scanned alone or inside the folder
    expect(fileUnits(r.coverage)).toEqual([`${label}:notes.txt`, 'github.com/acme/svc-a:package.json', 'svc-b:requirements.txt']);
    expect(r.coverage.skipped).toEqual([{ unit: 'svc-b:node_modules/', reason: 'vendored folder (node_modules)' }]);
    expect(r.coverage.stats.repos).toBe(3);
    const alone = await runScan({ paths: [join(root, 'svc-b')] });
    const ids = (obs: typeof r.observations) => matchAll(testRules(), obs.filter((o) => o.subject.id === 'svc-b')).map((f) => f.id).sort();
    expect(ids(alone.observations)).toEqual(ids(r.observations));
    expect(ids(alone.observations).length).toBeGreaterThan(0);
  });

  it('a missing root is a failed unit; no root at all is a ScanError', async () => {
    const root = mk({ 'a.txt': 'x' });
    const r = await runScan({ paths: [root, join(root, 'nope')] });
    expect(r.coverage.failed).toEqual([{ unit: join(root, 'nope'), reason: 'not found' }]);
    expect(r.coverage.scanned).toBe(1);
    await expect(runScan({ paths: [join(root, 'nope')] })).rejects.toBeInstanceOf(ScanError);
  });
});

describe('scan', () => {
  it('finds planted credentials and never lets the full key out', async () => {
    const root = mk({
      'config/settings.py': `import os\n\nACME_LLM_API_KEY = "${ACME_KEY}"  # TODO rotate\n`,
      'README.md': `Set your key, for example \`${ACME_KEY}\`.\n`,
      'deploy/.env.example': `ACME_LLM_API_KEY=${ACME_KEY}\nOTHER=1\n`,
      'package.json': `{\n  "dependencies": { "acme-llm": "1" },\n  "config": "${ACME_KEY}",\n}\n`,
      'min.js': `${'x'.repeat(400)}var k="${ACME_KEY}";${'y'.repeat(400)}\n`,
    });
    const echo: FileParser = {
      id: 'echo',
      matches: (p) => p.endsWith('settings.py'),
      parse: (i) => {
        const line = i.text!.split('\n')[2];
        i.emit({ kind: 'env-var', value: 'ACME_LLM_API_KEY', signal: 'presence', confidence: 'inferred', line: 3, snippet: line, attrs: { raw: line, list: [line] } });
        i.problem(`odd line: ${line}`, 3);
        throw new Error(`boom ${line}`);
      },
    };
    const { manifestParsers } = await import('../../../scanners/repo/parsers/manifests/index.js');
    const { codeParsers } = await import('../../../scanners/repo/parsers/code/index.js');
    const r = await runScan({ paths: [root] }, { deps: { parsers: [...manifestParsers, ...codeParsers, echo] } });
    const creds = r.observations.filter((o) => o.kind === 'credential');
    expect(creds.map((o) => o.locator)).toEqual(['README.md:1', 'config/settings.py:3', 'deploy/.env.example:1', 'min.js:1', 'package.json:3']);
    const display = 'acmk-…GhIj';
    for (const c of creds) {
      expect(c).toMatchObject({ value: display, signal: 'credential', confidence: 'declared', source: 'repo', scanner: 'repo' });
      expect(c.attrs).toMatchObject({ service: 'acme-llm', pattern: 'acme-llm-key', prefix: 'acmk-', last4: 'GhIj', fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
      expect(c.snippet).toContain(display);
      expect(c.snippet!.length).toBeLessThanOrEqual(200);
    }
    expect(creds[1].snippet).toBe(`ACME_LLM_API_KEY = "${display}"  # TODO rotate`);
    const echoed = r.observations.find((o) => o.attrs?.raw !== undefined)!;
    expect(echoed.snippet).toContain(display);
    expect(r.coverage.problems.map((p) => p.locator)).toEqual(expect.arrayContaining(['config/settings.py:3', 'config/settings.py', 'package.json:4']));
    // the full key appears nowhere: observations, snippets, attrs, problems, coverage
    const everything = JSON.stringify({ obs: r.observations, cov: r.coverage });
    expect(everything).not.toContain(ACME_KEY);
    expect(everything).not.toContain(ACME_KEY.slice(5, 25));
    expect(r.coverage.stats.credentials).toBe(5);
  });

  it('parser exceptions become problems and the scan continues', async () => {
    const root = mk({ 'a.txt': 'a', 'b.txt': 'b' });
    const bad: FileParser = { id: 'bad', matches: (p) => p === 'a.txt', parse: () => { throw new Error('kaput'); } };
    const r = await runScan({ paths: [root] }, { deps: { parsers: [bad] } });
    expect(r.coverage.problems).toEqual([{ locator: 'a.txt', message: 'parser bad failed: kaput' }]);
    expect(r.coverage.scanned).toBe(2);
  });

  it('an unreadable file is a failed unit; the scan continues', async () => {
    const root = mk({ 'a.txt': 'a', 'b.txt': 'b' });
    const failing = ((p: string, flags: string) => {
      if (String(p).endsWith('a.txt')) throw Object.assign(new Error('denied'), { code: 'EACCES' });
      return openSync(p, flags);
    }) as typeof openSync;
    const r = await runScan({ paths: [root] }, { deps: { openSync: failing } });
    expect(r.coverage.failed).toEqual([{ unit: expect.stringMatching(/:a\.txt$/), reason: 'cannot read: EACCES' }]);
    expect(fileUnits(r.coverage)).toEqual([expect.stringMatching(/:b\.txt$/)]);
  });

  it('follows -r includes of requirement files whatever their name', async () => {
    const root = mk({
      'requirements.txt': '-r common/shared-deps.txt\n-r missing.txt\nflask\n',
      'common/shared-deps.txt': 'acme-llm==1.0\n',
    });
    const r = await runScan({ paths: [root] });
    const pk = r.observations.filter((o) => o.kind === 'package').map((o) => [o.value, o.locator, o.attrs?.includedFrom]);
    expect(pk).toEqual([
      ['acme-llm', 'common/shared-deps.txt:1', 'requirements.txt'],
      ['flask', 'requirements.txt:3', undefined],
    ]);
    expect(r.coverage.problems).toEqual([{ locator: 'requirements.txt:2', message: 'included requirement file not found in the scanned files: missing.txt' }]);
  });

  it('malformed manifests are problems with a line, never a crash', async () => {
    const r = await runScan({ paths: [join(FIXTURES, 'manifests/bad')] });
    expect(r.coverage.failed).toEqual([]);
    expect(r.coverage.problemCount).toBeGreaterThanOrEqual(15);
    expect(r.coverage.problems.every((p) => /:\d+$/.test(p.locator))).toBe(true);
  });

  it('with worker threads, an abort ends the scan without scanning the unanswered batches in the main thread', async () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 400; i++) spec[`f${String(i).padStart(3, '0')}.txt`] = `ACME_LLM_API_KEY=${ACME_KEY}\n`;
    const root = mk(spec);
    const ac = new AbortController();
    const debug: string[] = [];
    const r = await runScan({ paths: [root], workers: 1 }, { signal: ac.signal, onObserve: () => ac.abort(), debug: (m) => debug.push(m) });
    expect(r.coverage.stats.workerThreads).toBe(1);
    expect(r.coverage.stats.aborted).toBe(1);
    expect(r.coverage.scanned).toBeLessThan(400);
    // the batches the pool's close fails are not scanned again (nobody reads them after the replay)
    expect(debug.filter((m) => m.includes('scanning its files in the main thread'))).toEqual([]);
  });

  it('honours abort between files', async () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 60; i++) spec[`f${String(i).padStart(2, '0')}.txt`] = `ACME_LLM_API_KEY=${ACME_KEY}\n`;
    const root = mk(spec);
    const ac = new AbortController();
    const r = await runScan({ paths: [root] }, { signal: ac.signal, onObserve: () => ac.abort() });
    expect(r.coverage.scanned).toBeLessThan(60);
    expect(r.coverage.stats.aborted).toBe(1);
    expect(r.coverage.skipped.at(-1)).toEqual({ unit: 'repo:*', reason: expect.stringMatching(/^scan aborted: \d+ of 60 files not scanned$/) });
    const pre = new AbortController();
    pre.abort();
    const none = await runScan({ paths: [root] }, { signal: pre.signal });
    expect(none.coverage.scanned).toBe(0);
  });

  it('output is deterministic across runs', async () => {
    const spec: Record<string, string> = { 'package.json': '{ "dependencies": { "acme-llm": "1", "@acme/llm-sdk": "2" } }\n', 'requirements.txt': 'acme-llm\n' };
    for (let i = 0; i < 40; i++) spec[`src/m${i % 7}/f${i}.py`] = `import acme_llm\nKEY = "${ACME_KEY}"\n${'#'.repeat(i * 50)}\n`;
    const root = mk(spec);
    const a = await runScan({ paths: [root] });
    const b = await runScan({ paths: [root] });
    expect(JSON.stringify(b.observations)).toBe(JSON.stringify(a.observations));
    expect(JSON.stringify(b.coverage)).toBe(JSON.stringify(a.coverage));
    expect(a.observations.length).toBeGreaterThan(40);
    expect(a.progress).toBeGreaterThan(0);
  });

  it('with the bundled rules: a package and a credential become findings', async () => {
    const { index } = ruleIndex();
    const rule = parseYaml(readFileSync(join(ROOT, 'rules/services/openai-api.yaml'), 'utf8'));
    const example: string = rule.match.credentials[0].examples.match[0];
    const key = /(sk-\S+)/.exec(example)![1];
    const root = mk({
      'package.json': '{\n  "dependencies": {\n    "openai": "^4.0.0"\n  }\n}\n',
      'app/.env': `OPENAI_API_KEY=${key}\n`,
      'docs/README.md': 'We use OpenAI for summaries.\n',
    });
    const r = await runScan({ paths: [root] }, { rules: index });
    const findings = matchAll(index, r.observations);
    const got = findings.map((f) => [f.service, f.kind, f.locator]);
    expect(got).toEqual(expect.arrayContaining([
      ['openai-api', 'package', 'package.json:3'],
      ['openai-api', 'credential', 'app/.env:1'],
    ]));
    expect(findings.some((f) => f.locator.startsWith('docs/'))).toBe(false);
    expect(JSON.stringify({ r, findings })).not.toContain(key);
  });
});


describe('repo scan in worker threads', () => {
  it('finds exactly what the main thread finds (observations, coverage, stats), with the bundled and the test rules', async () => {
    // every fixture of the project (manifests, code, IaC, notebooks, model files, credentials,
    // traps, logs) and this project's own scanners: real trees of hundreds of files
    const roots = [join(ROOT, 'fixtures'), join(ROOT, 'scanners')];
    let compared = 0;
    for (const rules of [testRules(), ruleIndex().index]) {
      for (const root of roots) {
        const main = await runScan({ paths: [root], workers: 0 }, { rules });
        const threads = await runScan({ paths: [root], workers: 2 }, { rules });
        compared += main.observations.length;
        expect(JSON.stringify(threads.observations)).toBe(JSON.stringify(main.observations));
        expect(threads.coverage.stats.workerThreads).toBe(2);
        expect(main.coverage.stats.workerThreads).toBeUndefined();
        delete threads.coverage.stats.workerThreads;
        expect(JSON.stringify(threads.coverage)).toBe(JSON.stringify(main.coverage));
        expect(threads.progress).toBe(main.progress);
      }
    }
    expect(compared).toBeGreaterThan(300);
  }, 180_000);

  it('a worker module is resolved with the caller\'s extension: compiled JavaScript runs the sibling .js as is', async () => {
    expect(await workerEntry('file:///opt/shadowscan/dist/scanners/repo/pool.js', './worker', 'repo-worker')).toEqual({ script: new URL('file:///opt/shadowscan/dist/scanners/repo/worker.js'), eval: false });
    const ts = await workerEntry(new URL('../../../scanners/repo/pool.ts', import.meta.url).href, './worker', 'repo-worker');
    expect(String(ts.script)).not.toMatch(/\.ts$/); // bundled to plain JS (or a tsx bootstrap): a worker has no loader
  });

  it('honours abort between files and reports what was not scanned', async () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 300; i++) spec[`f${String(i).padStart(3, '0')}.txt`] = `ACME_LLM_API_KEY=${ACME_KEY}\n`;
    const root = mk(spec);
    const ac = new AbortController();
    const r = await runScan({ paths: [root], workers: 2 }, { signal: ac.signal, onObserve: () => ac.abort() });
    expect(r.coverage.scanned).toBe(1);
    expect(r.coverage.skipped.at(-1)).toEqual({ unit: 'repo:*', reason: 'scan aborted: 299 of 300 files not scanned' });
  });
});
