/** okta: live pull of the Okta System Log (SSO into apps, app assignments, OAuth consents). */
import { z } from 'zod';
import type { ScannerModule } from '../../src/core/types.js';
import { liveOptions } from '../audit-export/lib/live.js';

export const DEFAULT_FILTER = 'eventType eq "user.authentication.sso" or eventType sw "app.oauth2" or eventType sw "application." or eventType sw "app.generic"';

export const optionsSchema = z
  .object({
    /** https://<org>.okta.com (one unit each); env OKTA_ORG_URL. Tests point it at a loopback server. */
    orgUrls: z.array(z.string().min(1)).default([]),
    /** System Log filter expression ('' reads every event). */
    filter: z.string().default(DEFAULT_FILTER),
    pageSize: z.number().int().min(1).max(1000).default(1000),
    apiToken: z.string().min(1).optional(),
    apiTokenFile: z.string().min(1).optional(),
    ...liveOptions,
  })
  .strict();
export type OktaOptions = z.infer<typeof optionsSchema>;

export const oktaScanner: ScannerModule<OktaOptions> = {
  id: 'okta',
  title: 'Okta System Log (SSO, app assignments, OAuth consents)',
  source: 'saas',
  tags: ['saas', 'audit', 'identity', 'live', 'okta'],
  version: '1.0.0',
  // resumes from a stored cursor: each run reports only events it had not read before
  incremental: true,
  optionsSchema,
  cli: [{ flags: '--okta <orgUrl>', description: 'pull the Okta System Log of ORG_URL (OKTA_API_TOKEN)', repeatable: true }],
  optionsFromCli(v) {
    const u = v.okta as string[] | string | undefined;
    const orgUrls = Array.isArray(u) ? u : u ? [u] : [];
    return orgUrls.length ? optionsSchema.parse({ orgUrls }) : undefined;
  },
  // the scanner's code loads when it runs, not with every command (start-up)
  scan: async (ctx, sink) => (await import('./scan.js')).scan(ctx, sink),
};
export default oktaScanner;
