/**
 * google-workspace: live pull of the Admin SDK Reports API (OAuth token grants and use, SSO
 * logins, other per-product reports) with a resumable cursor per application.
 */
import { z } from 'zod';
import type { ScannerModule } from '../../src/core/types.js';
import { liveOptions } from '../audit-export/lib/live.js';

export const optionsSchema = z
  .object({
    /** Report applications to read (`token`, `login`, `saml`, or any other Reports applicationName). */
    applications: z.array(z.string().regex(/^[a-z_]+$/)).min(1).default(['token', 'login', 'saml']),
    customerId: z.string().min(1).optional(),
    /** Reports API root; env SHADOWSCAN_GOOGLE_REPORTS_URL; default https://admin.googleapis.com. */
    baseUrl: z.string().url().optional(),
    pageSize: z.number().int().min(1).max(1000).default(1000),
    /** Prefer GOOGLE_WORKSPACE_ACCESS_TOKEN or a token file over a literal value. */
    accessToken: z.string().min(1).optional(),
    accessTokenFile: z.string().min(1).optional(),
    /** Admin to impersonate with a domain-wide-delegated service account. */
    adminEmail: z.string().email().optional(),
    /** Service-account key file (default: GOOGLE_APPLICATION_CREDENTIALS / ADC). */
    keyFile: z.string().min(1).optional(),
    ...liveOptions,
  })
  .strict();
export type GoogleWorkspaceOptions = z.infer<typeof optionsSchema>;

export const googleWorkspaceScanner: ScannerModule<GoogleWorkspaceOptions> = {
  id: 'google-workspace',
  title: 'Google Workspace audit (Admin SDK Reports API: token, login, SAML)',
  source: 'saas',
  tags: ['saas', 'audit', 'identity', 'live', 'google-workspace'],
  version: '1.0.0',
  // resumes from a stored cursor: each run reports only events it had not read before
  incremental: true,
  optionsSchema,
  cli: [
    { flags: '--google-workspace', description: 'pull Google Workspace token / login audit (GOOGLE_WORKSPACE_ACCESS_TOKEN or a delegated service account)' },
    { flags: '--google-admin <email>', description: 'admin to impersonate with a domain-wide-delegated service account' },
  ],
  optionsFromCli(v) {
    if (!v.googleWorkspace) return undefined;
    return optionsSchema.parse({ adminEmail: v.googleAdmin as string | undefined });
  },
  // the scanner's code loads when it runs, not with every command (start-up)
  scan: async (ctx, sink) => (await import('./scan.js')).scan(ctx, sink),
};
export default googleWorkspaceScanner;
