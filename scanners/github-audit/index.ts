/** github-audit: live pull of GitHub organisation / enterprise audit logs (app installs, OAuth grants, seat events). */
import { z } from 'zod';
import type { ScannerModule } from '../../src/core/types.js';
import { liveOptions } from '../audit-export/lib/live.js';

export const optionsSchema = z
  .object({
    orgs: z.array(z.string().min(1)).default([]),
    enterprises: z.array(z.string().min(1)).default([]),
    /** API root; env GITHUB_API_URL; default https://api.github.com. */
    baseUrl: z.string().url().optional(),
    /** Extra search phrase (e.g. `action:integration_installation`). */
    phrase: z.string().optional(),
    pageSize: z.number().int().min(1).max(100).default(100),
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    ...liveOptions,
  })
  .strict();
export type GithubAuditOptions = z.infer<typeof optionsSchema>;

export const githubAuditScanner: ScannerModule<GithubAuditOptions> = {
  id: 'github-audit',
  title: 'GitHub organisation / enterprise audit log',
  source: 'saas',
  tags: ['saas', 'audit', 'live', 'github'],
  version: '1.0.0',
  // resumes from a stored cursor: each run reports only events it had not read before
  incremental: true,
  optionsSchema,
  cli: [
    { flags: '--github-audit-org <org>', description: 'pull the audit log of GitHub organisation ORG (GITHUB_TOKEN)', repeatable: true },
    { flags: '--github-audit-enterprise <slug>', description: 'pull the audit log of GitHub enterprise SLUG', repeatable: true },
  ],
  optionsFromCli(v) {
    const orgs = (v.githubAuditOrg as string[] | undefined) ?? [];
    const enterprises = (v.githubAuditEnterprise as string[] | undefined) ?? [];
    return orgs.length || enterprises.length ? optionsSchema.parse({ orgs, enterprises }) : undefined;
  },
  // the scanner's code loads when it runs, not with every command (start-up)
  scan: async (ctx, sink) => (await import('./scan.js')).scan(ctx, sink),
};
export default githubAuditScanner;
