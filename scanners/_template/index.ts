/**
 * Template for a new scanner (copy the folder, rename, register in scanners/index.ts).
 * Scanners know sources, not AI: emit neutral observations; never name an AI vendor here.
 */
import { z } from 'zod';
import type { ScannerModule } from '../../src/core/types.js';

export const optionsSchema = z
  .object({
    paths: z.array(z.string().min(1)).min(1, 'expected at least one path'),
  })
  .strict();
export type TemplateOptions = z.infer<typeof optionsSchema>;

export const templateScanner: ScannerModule<TemplateOptions> = {
  id: 'template',
  title: 'Template scanner',
  source: 'repo',
  tags: ['example'],
  version: '0.0.0',
  optionsSchema,
  cli: [{ flags: '--template <path>', description: 'scan PATH with the template scanner', repeatable: true }],
  optionsFromCli(v) {
    const p = v.template as string[] | undefined;
    return p?.length ? { paths: p } : undefined;
  },
  // import the scanner's code when it runs: every CLI command loads this index module (start-up time)
  scan: async (ctx, sink) => (await import('./scan.js')).scan(ctx, sink),
};
export default templateScanner;
