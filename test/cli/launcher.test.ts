/**
 * The launcher never runs stale code: bin/shadowscan.mjs runs dist/ only while it is as new as
 * every source file it was built from; otherwise it rebuilds, and if it cannot, it runs the
 * TypeScript sources through tsx with a one-line notice. Exercised on a copy of the package
 * (sources copied, node_modules linked) so the test can edit sources freely.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync, utimesSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpDir } from '../helpers/tmp.js';
import { PACKAGE_ROOT as ROOT, runCli } from '../helpers/cli-process.js';


function run(pkg: string, args: string[]) {
  return runCli(args, { pkg, cwd: pkg });
}

function copyPackage(): string {
  const pkg = join(tmpDir('shadowscan-pkg-'), 'shadowscan');
  mkdirSync(pkg);
  for (const d of ['bin', 'src', 'scanners', 'rules', 'package.json', 'tsconfig.json']) cpSync(join(ROOT, d), join(pkg, d), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  return pkg;
}

const buildInfo = (pkg: string) => JSON.parse(readFileSync(join(pkg, 'dist', 'build-info.json'), 'utf8')) as { builtAt: string; inputs: Record<string, [number, string]> };

describe('bin/shadowscan.mjs and the compiled build', () => {
  it('builds when dist/ is missing, rebuilds after a source edit, and runs the current code', async () => {
    const pkg = copyPackage();
    const version = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version;
    let r = await run(pkg, ['--version']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${version}\n`);
    const first = buildInfo(pkg);
    expect(Object.keys(first.inputs)).toContain('src/cli/main.ts');
    expect(Object.keys(first.inputs)).toContain('scanners/egress/worker-impl.ts');
    // fresh: no rebuild
    r = await run(pkg, ['--version']);
    expect(buildInfo(pkg).builtAt).toBe(first.builtAt);
    // an edited source is what runs next
    const main = join(pkg, 'src', 'cli', 'main.ts');
    writeFileSync(main, readFileSync(main, 'utf8').replace("'Find shadow AI across code", "'EDITED: Find shadow AI across code"));
    const future = new Date(Date.now() + 5000);
    utimesSync(main, future, future);
    r = await run(pkg, ['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/EDITED: Find shadow AI/);
    expect(buildInfo(pkg).builtAt).not.toBe(first.builtAt);
    expect(r.err).toBe('');
  });

  it('when the build cannot be written, runs the sources through tsx with a one-line notice', async () => {
    const pkg = copyPackage();
    // dist/ cannot be created: a file is in its place
    writeFileSync(join(pkg, 'dist'), 'not a folder');
    const main = join(pkg, 'src', 'cli', 'main.ts');
    writeFileSync(main, readFileSync(main, 'utf8').replace("'Find shadow AI across code", "'FROM-SOURCE: Find shadow AI across code"));
    const r = await run(pkg, ['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/FROM-SOURCE: Find shadow AI/);
    const notice = r.err.trim().split('\n');
    expect(notice).toHaveLength(1);
    expect(notice[0]).toMatch(/^shadowscan: compiled build unavailable \(no build; rebuild failed: .*\); running the TypeScript sources through tsx$/);
    rmSync(join(pkg, 'dist'));
  });

  it('bin/build.mjs --check reports a stale build: changed or removed sources, not a touched one', async () => {
    const pkg = copyPackage();
    const check = () =>
      new Promise<number | null>((res) => spawn(process.execPath, [join(pkg, 'bin', 'build.mjs'), '--check'], { stdio: 'ignore' }).on('close', res));
    expect(await check()).toBe(1);
    await run(pkg, ['--version']);
    expect(await check()).toBe(0);
    // a touched file with the same content is not stale (checkouts, copies and npm tarballs change mtimes)
    const f = join(pkg, 'src', 'rules', 'compile.ts');
    const future = new Date(Date.now() + 5000);
    utimesSync(f, future, future);
    expect(await check()).toBe(0);
    writeFileSync(f, `${readFileSync(f, 'utf8')}\n// edited\n`);
    expect(await check()).toBe(1);
    await run(pkg, ['--version']);
    expect(await check()).toBe(0);
    rmSync(join(pkg, 'src', 'core', 'host.ts'));
    expect(await check()).toBe(1);
  });
});
