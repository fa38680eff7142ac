/** slack-audit: live pull of the Slack Audit Logs API (app installs, approvals, scope changes). */
import { z } from 'zod';
import type { ScannerModule } from '../../src/core/types.js';
import { liveOptions } from '../audit-export/lib/live.js';

export const DEFAULT_ACTIONS = [
  'app_installed', 'app_approved', 'app_restricted', 'app_uninstalled', 'app_scopes_expanded', 'app_resources_added',
  'app_resources_granted', 'bot_token_upgraded', 'org_app_workspace_added', 'org_app_upgraded_to_org_install',
];

export const optionsSchema = z
  .object({
    /** API root; env SHADOWSCAN_SLACK_AUDIT_URL; default https://api.slack.com/audit/v1. */
    baseUrl: z.string().url().optional(),
    /** One unit per action ([] reads every action in one unit). */
  actions: z.array(z.string().regex(/^[a-z_.]+$/)).default(DEFAULT_ACTIONS),
    pageSize: z.number().int().min(1).max(9999).default(1000),
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    ...liveOptions,
  })
  .strict();
export type SlackAuditOptions = z.infer<typeof optionsSchema>;

export const slackAuditScanner: ScannerModule<SlackAuditOptions> = {
  id: 'slack-audit',
  title: 'Slack Audit Logs API (Enterprise Grid)',
  source: 'saas',
  tags: ['saas', 'audit', 'live', 'slack'],
  version: '1.0.0',
  // resumes from a stored cursor: each run reports only events it had not read before
  incremental: true,
  optionsSchema,
  cli: [{ flags: '--slack-audit', description: 'pull the Slack Audit Logs API (SLACK_AUDIT_TOKEN)' }],
  optionsFromCli(v) {
    return v.slackAudit ? optionsSchema.parse({}) : undefined;
  },
  // the scanner's code loads when it runs, not with every command (start-up)
  scan: async (ctx, sink) => (await import('./scan.js')).scan(ctx, sink),
};
export default slackAuditScanner;
