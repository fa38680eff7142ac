#!/usr/bin/env node
// Launcher: runs the compiled CLI in dist/ (built by `npm ci` through the `prepare` script, see
// bin/build.mjs). When a source file is newer than the build (a dev checkout), it rebuilds first
// (~1 s); only if that fails does it run the TypeScript sources through tsx, with a one-line
// notice. It never runs a stale build. SHADOWSCAN_FROM_SOURCE=1 forces the tsx path.
import { buildIsStale } from './build.mjs';

// The AWS SDK warns on every run that its 2027 releases will need Node 22; the README says so once.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// `shadowscan … | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) stream.on('error', (e) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); throw e; });

async function loadMain() {
  if (process.env.SHADOWSCAN_FROM_SOURCE !== '1') {
    const stale = buildIsStale();
    if (!stale) return (await import('../dist/main.mjs')).main;
    try {
      if (process.stderr.isTTY) process.stderr.write(`shadowscan: rebuilding dist/ (${stale})…\n`);
      const { build } = await import('./build.mjs');
      await build({ quiet: true, clean: false });
      return (await import('../dist/main.mjs')).main;
    } catch (e) {
      process.stderr.write(`shadowscan: compiled build unavailable (${stale}; rebuild failed: ${String(e?.message ?? e).split('\n')[0]}); running the TypeScript sources through tsx\n`);
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('../src/cli/main.ts')).main;
}

const main = await loadMain();
process.exitCode = await main(process.argv.slice(2));
