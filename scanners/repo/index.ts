/**
 * Code-repository scanner: dependency manifests and lock files, source imports, API base URLs,
 * environment variables, IaC, container images, agent / MCP configs, model artifacts (by magic
 * bytes) and credentials in any text file. Knows sources, not AI: it emits neutral observations.
 */
import { z } from 'zod';
import type { ScannerModule } from '../../src/core/types.js';

export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;

export const optionsSchema = z
  .object({
    /** Folders to scan: a clone, a monorepo, or a folder whose direct children are clones. */
    paths: z.array(z.string().min(1)).min(1, 'expected at least one path'),
    /** Text files larger than this are skipped (counted); binary parsers still see their head. */
    maxFileBytes: z.number().int().positive().default(DEFAULT_MAX_FILE_BYTES),
    /** Follow symlinks that stay inside the root (never out of it, never into a loop). Default false. */
    followSymlinks: z.boolean().default(false),
    /** Globs (picomatch, dot files included) of paths to skip, relative to the repo or the scanned root. */
    exclude: z.array(z.string().min(1)).default([]),
    /** Also walk vendored folders (node_modules, vendor, .venv …). Default false. */
    includeVendored: z.boolean().default(false),
    /** Worker threads reading and parsing files (0: the main thread only). Default: cores − 1 (at least 1; the main thread scans too) for trees of 200 files or more. */
    workers: z.number().int().min(0).max(64).optional(),
  })
  .strict();
export type RepoOptions = z.output<typeof optionsSchema>;

export const repoScanner: ScannerModule<RepoOptions> = {
  id: 'repo',
  title: 'Code repositories',
  source: 'repo',
  tags: ['repo', 'code', 'sca', 'secrets'],
  version: '1.0.0',
  optionsSchema,
  cli: [{ flags: '--repo <path>', description: 'scan a code repository, monorepo or folder of clones at PATH (repeatable)', repeatable: true }],
  optionsFromCli(v) {
    const raw = v.repo;
    const paths = (Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : []).filter((p): p is string => typeof p === 'string' && p.length > 0);
    return paths.length ? ({ paths } as RepoOptions) : undefined;
  },
  // the scanner's code loads when it runs, not with every command (start-up)
  scan: async (ctx, sink) => (await import('./scan.js')).scan(ctx, sink),
};
export default repoScanner;
