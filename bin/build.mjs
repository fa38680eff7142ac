#!/usr/bin/env node
// Builds the compiled CLI into dist/: `npm ci` runs it (the `prepare` script), bin/shadowscan.mjs
// runs it again when a source file is newer than the build (a dev checkout).
//
// Builder: esbuild, bundling our own sources (node_modules stay external) with code splitting, so
// a dynamic import() stays a separate chunk and `--version` loads ~10 files instead of ~200
// (measured in bench/results/startup-builder.md against `tsc` emit).
//
// Usage: node bin/build.mjs [--quiet] [--check]   (--check: exit 1 when dist/ is missing or stale)
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
/** Written last by a build: the entry points and every source file the build read (path → [mtime, content hash]). */
export const BUILD_INFO = join(DIST, 'build-info.json');
/** Bumped when the shape of dist/ changes: a build-info with another version is stale. */
export const BUILD_FORMAT = 2;

/** Packages left to node_modules at run time (native, large, or loaded lazily by one command). */
const EXTERNAL = [
  'better-sqlite3', '@node-rs/argon2', '@duckdb/*', 'pg', 'pg-*', 'esbuild', 'tsx', 'tsx/*', 'playwright-core',
  '@aws-sdk/*', '@smithy/*', '@azure/*', '@google-cloud/*', 'google-auth-library', '@elastic/*',
  'fastify', '@fastify/*', '@cyclonedx/*', 'ajv', 'ajv-*', 'vitest', 'fast-check',
];

const ENTRIES = {
  main: 'src/cli/main.ts',
  'egress-worker': 'scanners/egress/worker-impl.ts',
  'repo-worker': 'scanners/repo/worker.ts',
};

/**
 * True when dist/ is missing, from another build format, or built from other sources than those
 * on disk: a file the last build read is gone, or its content differs. The mtime is the quick
 * test; only a file whose mtime differs is hashed (a checkout, a copy or an npm tarball changes
 * mtimes without changing content). A new source file is only reachable through an import in an
 * existing file, whose content then changed.
 */
export function buildIsStale(root = ROOT) {
  let info;
  try {
    info = JSON.parse(readFileSync(join(root, 'dist', 'build-info.json'), 'utf8'));
  } catch {
    return 'no build';
  }
  if (info?.format !== BUILD_FORMAT || typeof info.inputs !== 'object') return 'build from another version';
  for (const [file, [mtimeMs, hash]] of Object.entries(info.inputs)) {
    let st;
    try {
      st = statSync(join(root, file));
    } catch {
      return `${file} is gone`;
    }
    if (st.mtimeMs !== mtimeMs && contentHash(join(root, file)) !== hash) return `${file} changed`;
  }
  return '';
}

function contentHash(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 32);
}

/**
 * Every `import.meta.url` in a bundled source file is replaced by the URL of that source file,
 * computed relative to the output (dist/ is one level under the package root, like the chunks):
 * paths such as `../../rules` or `../package.json` keep meaning what they mean in the sources.
 */
function sourceUrlPlugin(transform) {
  return {
    name: 'source-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
        if (args.path.includes(`${join('node_modules', '')}`)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
        // through the parser (define), so a string that merely mentions import.meta.url is kept
        const rel = relative(DIST, args.path).split('\\').join('/');
        const out = await transform(text, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: args.path, define: { 'import.meta.url': '__shadowscanSourceUrl' } });
        return { contents: `const __shadowscanSourceUrl = new URL(${JSON.stringify(rel)}, import.meta.url).href;\n${out.code}`, loader: 'js' };
      });
    },
  };
}

/** Builds dist/ (into a temporary folder first, then file by file into place, build-info last). */
export async function build({ quiet = false, clean = true } = {}) {
  const started = Date.now();
  const { build: esbuild, transform } = await import('esbuild');
  const tmp = join(ROOT, `dist.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    const result = await esbuild({
      absWorkingDir: ROOT,
      entryPoints: ENTRIES,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // small pure-JS libraries (zod, yaml, commander, …) are bundled: one file instead of hundreds
      // to resolve and read at start-up. Native modules, the cloud SDKs and the web server stay
      // external: they are loaded lazily, only by the commands that use them.
      external: EXTERNAL,
      banner: { js: "import { createRequire as __shadowscanCreateRequire } from 'node:module'; const require = __shadowscanCreateRequire(import.meta.url);" },
      outdir: tmp,
      entryNames: '[name]',
      chunkNames: 'chunk-[hash]',
      outExtension: { '.js': '.mjs' },
      define: { __SHADOWSCAN_COMPILED__: 'true' },
      sourcemap: 'linked',
      sourcesContent: false,
      metafile: true,
      logLevel: quiet ? 'error' : 'warning',
      plugins: [sourceUrlPlugin(transform)],
    });
    const inputs = {};
    for (const file of Object.keys(result.metafile.inputs).sort()) {
      if (file.includes('node_modules/')) continue; // a dependency changes only with npm ci, which rebuilds
      inputs[file] = [statSync(join(ROOT, file)).mtimeMs, contentHash(join(ROOT, file))];
    }
    for (const extra of ['package.json', 'bin/build.mjs']) inputs[extra] = [statSync(join(ROOT, extra)).mtimeMs, contentHash(join(ROOT, extra))];
    mkdirSync(DIST, { recursive: true });
    if (clean) for (const f of readdirSync(DIST)) rmSync(join(DIST, f), { recursive: true, force: true });
    // chunks first, entry points after them, build-info last: a reader never sees an entry
    // whose chunks are missing, nor build-info before the files it vouches for.
    const files = readdirSync(tmp).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    for (const f of files) renameSync(join(tmp, f), join(DIST, f));
    const info = { format: BUILD_FORMAT, builtAt: new Date().toISOString(), entries: Object.keys(ENTRIES).map((e) => `${e}.mjs`), inputs };
    const infoTmp = `${BUILD_INFO}.${process.pid}.tmp`;
    writeFileSync(infoTmp, JSON.stringify(info, null, 1));
    renameSync(infoTmp, BUILD_INFO);
    if (!quiet) process.stderr.write(`shadowscan: built dist/ from ${Object.keys(inputs).length} source files in ${Date.now() - started} ms\n`);
    return info;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function rank(f) {
  return f.startsWith('chunk-') ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--check')) {
    const why = buildIsStale();
    if (why) {
      process.stderr.write(`shadowscan: dist/ is stale (${why}); run npm run build\n`);
      process.exit(1);
    }
  } else {
    try {
      await build({ quiet: args.includes('--quiet') });
    } catch (e) {
      process.stderr.write(`shadowscan: build failed: ${String(e?.message ?? e).split('\n')[0]}\n`);
      process.exit(1);
    }
  }
}
