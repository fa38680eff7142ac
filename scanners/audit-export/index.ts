/**
 * audit-export: reads SaaS / identity / cloud audit-log exports (Google Workspace Reports,
 * Entra sign-ins & audits, M365 unified audit, Okta System Log, GitHub audit log, Slack Audit
 * Logs, CloudTrail) and the AI platforms' own logs (Bedrock model invocations, Azure OpenAI
 * diagnostics, OpenAI audit logs, Anthropic activity) from files, detecting the vendor per record.
 * Scanners know sources, not AI.
 */
import { z } from 'zod';
import type { ScannerModule } from '../../src/core/types.js';
import { UsageError } from '../../src/core/errors.js';
import { VENDORS } from './lib/types.js';

const FORMATS = ['auto', 'json', 'jsonl', 'csv'] as const;

export const optionsSchema = z
  .object({
    paths: z.array(z.string().min(1)).min(1, 'expected at least one path'),
    /** File container; sniffed when auto. */
    format: z.enum(FORMATS).default('auto'),
    /** Audit vendor; detected per record when auto. */
    vendor: z.enum(['auto', ...VENDORS] as [string, ...string[]]).default('auto'),
    /** Tenant label for tenant-wide facts (Entra service principals / admin consents). */
    tenant: z.string().min(1).optional(),
    /** Unknown-AI-app keyword file (default rules/unknown-ai-app.yaml). */
    candidatesFile: z.string().min(1).optional(),
    /**
     * Keep an observation for every app, also those no rule knows and that do not look like AI
     * (a full SaaS app inventory). Default false: ordinary apps are counted, not kept, so memory
     * follows the AI apps in the log, not its size.
     */
    allApps: z.boolean().default(false),
  })
  .strict();
export type AuditExportOptions = z.infer<typeof optionsSchema>;

/** `--audit-format` takes a vendor (okta), a container (jsonl) or both (okta:jsonl). */
export function parseAuditFormat(v: string | undefined): { format?: string; vendor?: string } {
  if (!v) return {};
  const out: { format?: string; vendor?: string } = {};
  for (const part of v.split(/[:/,+]/).map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if ((FORMATS as readonly string[]).includes(part)) out.format = part;
    else if ((VENDORS as readonly string[]).includes(part)) out.vendor = part;
    else if (part === 'ndjson') out.format = 'jsonl';
    else throw new UsageError(`--audit-format: unknown format "${v}" (expected one of ${[...FORMATS, ...VENDORS].join(', ')}, or VENDOR:FORMAT)`);
  }
  return out;
}

export const auditExportScanner: ScannerModule<AuditExportOptions> = {
  id: 'audit-export',
  title: 'Audit-log exports (Google Workspace, Entra / M365, Okta, GitHub, Slack, CloudTrail)',
  source: 'saas',
  tags: ['saas', 'cloud', 'audit', 'identity', 'files'],
  version: '1.0.0',
  optionsSchema,
  cli: [
    { flags: '--audit <path>', description: 'scan audit-log export file or folder PATH (JSON, JSON lines, CSV, .gz, CloudTrail S3 files)', repeatable: true },
    { flags: '--audit-all-apps', description: 'keep every app seen in the audit exports (an app inventory), not only AI ones' },
    { flags: '--audit-format <format>', description: `force the audit export format: ${VENDORS.join('|')}, json|jsonl|csv, or VENDOR:FORMAT` },
  ],
  optionsFromCli(v) {
    const p = v.audit as string[] | string | undefined;
    const paths = Array.isArray(p) ? p : p ? [p] : [];
    if (!paths.length) return undefined;
    return { ...parseAuditFormat(v.auditFormat as string | undefined), paths, ...(v.auditAllApps ? { allApps: true } : {}) } as AuditExportOptions;
  },
  // the scanner's code loads when it runs, not with every command (start-up)
  scan: async (ctx, sink) => (await import('./scan.js')).scan(ctx, sink),
};
export default auditExportScanner;
