import { z } from 'zod';
import { FORMATS } from './parsers/index.js';

const fieldName = z.string().min(1);

export const fieldMapSchema = z
  .object({
    time: fieldName.optional(),
    date: fieldName.optional(),
    user: fieldName.optional(),
    clientIp: fieldName.optional(),
    host: fieldName.optional(),
    url: fieldName.optional(),
    path: fieldName.optional(),
    bytesOut: fieldName.optional(),
    bytesIn: fieldName.optional(),
    uid: fieldName.optional(),
    /** decision column: blocked / denied / drop / reset values mark attempts (attrs.success = false) */
    action: fieldName.optional(),
  })
  .strict()
  .refine((m) => m.host || m.url, { message: 'a field mapping needs host or url' });

export const optionsSchema = z
  .object({
    /** files, directories, globs of rotated files, `.gz`, or `-` for stdin */
    paths: z.array(z.string().min(1)).min(1, 'expected at least one path'),
    /** override content detection */
    format: z.enum(FORMATS).optional(),
    /** CSV mapping client IPs to users / hosts (header: ip,user[,host]) */
    identity: z.string().min(1).optional(),
    /** field mapping for generic CSV / TSV / JSON lines / W3C (header names or 1-based column numbers) */
    map: fieldMapSchema.optional(),
    /**
     * Worker threads besides the main thread, which parses too. Default: 1 when the machine has
     * two or more cores (peak RSS stays under 256 MB), else 0. Each worker adds ~80 MB RSS.
     */
    workers: z.number().int().min(0).max(64).optional(),
    /** range size per worker task, MiB (default 32) */
    chunkMiB: z.number().positive().max(4096).optional(),
    /** below this many MiB of new content, parse in the main thread (default 64) */
    parallelMinMiB: z.number().min(0).optional(),
    /**
     * Distinct (subject, host) aggregates a thread holds before handing them to the main thread
     * (default 20 000): bounds each worker's memory whatever the log's cardinality.
     */
    spillAggs: z.number().int().min(1).optional(),
  })
  .strict();

export type EgressOptions = z.infer<typeof optionsSchema>;

/** `host=dest_host,user=login,bytesOut=sent` → mapping object. */
export function parseMapSpec(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const t = part.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new Error(`--egress-map: expected role=field, got "${t}"`);
    out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}
