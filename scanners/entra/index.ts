/**
 * entra: live pull of Microsoft Entra ID through Graph (sign-ins, directory audits, service
 * principals, delegated permission grants) and of the Office 365 Management Activity API
 * (unified audit records incl. AI interaction records).
 */
import { z } from 'zod';
import type { ScannerModule } from '../../src/core/types.js';
import { liveOptions } from '../audit-export/lib/live.js';

export const SOURCES = ['signIns', 'directoryAudits', 'servicePrincipals', 'oauth2PermissionGrants', 'management-activity'] as const;

export const optionsSchema = z
  .object({
    tenantId: z.string().min(1).optional(),
    sources: z.array(z.enum(SOURCES)).min(1).default([...SOURCES]),
    /** Management Activity API content types. */
    contentTypes: z.array(z.string().regex(/^Audit\.[A-Za-z]+$|^DLP\.All$/)).default(['Audit.General', 'Audit.AzureActiveDirectory']),
    /** Graph root; env SHADOWSCAN_GRAPH_URL; default https://graph.microsoft.com/v1.0. */
    graphUrl: z.string().url().optional(),
    /** Management Activity feed root; env SHADOWSCAN_O365_MGMT_URL. */
    managementUrl: z.string().url().optional(),
    pageSize: z.number().int().min(1).max(1000).default(999),
    accessToken: z.string().min(1).optional(),
    accessTokenFile: z.string().min(1).optional(),
    ...liveOptions,
  })
  .strict();
export type EntraOptions = z.infer<typeof optionsSchema>;

export const entraScanner: ScannerModule<EntraOptions> = {
  id: 'entra',
  title: 'Microsoft Entra ID / 365 audit (Graph sign-ins, audits, service principals, grants; Management Activity API)',
  source: 'saas',
  tags: ['saas', 'audit', 'identity', 'live', 'entra', 'm365'],
  version: '1.0.0',
  // resumes from a stored cursor: each run reports only events it had not read before
  incremental: true,
  optionsSchema,
  cli: [{ flags: '--entra <tenantId>', description: 'pull Entra ID / Microsoft 365 audit of TENANT (DefaultAzureCredential or ENTRA_ACCESS_TOKEN)' }],
  optionsFromCli(v) {
    const t = v.entra as string | undefined;
    return t ? optionsSchema.parse({ tenantId: t }) : undefined;
  },
  // the scanner's code loads when it runs, not with every command (start-up)
  scan: async (ctx, sink) => (await import('./scan.js')).scan(ctx, sink),
};
export default entraScanner;
