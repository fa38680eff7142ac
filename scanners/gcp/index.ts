/**
 * GCP scanner: Cloud Asset Inventory (an export file or the API per project / folder /
 * organization); resources of the asset types the rules name, as neutral observations.
 */
import { z } from 'zod';
import type { ScannerModule } from '../../src/core/types.js';

export const optionsSchema = z
  .object({
    /** Files produced by `gcloud asset export` (NDJSON) or `gcloud asset list|search-all-resources --format=json`. */
    exportFiles: z.array(z.string().min(1)).optional(),
    /** Project ids to search through the API. */
    projects: z.array(z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^\d+$/, 'expected a GCP project id or number')).optional(),
    /** Wider API scopes: folders/ID or organizations/ID. */
    scopes: z.array(z.string().regex(/^(projects|folders|organizations)\/[A-Za-z0-9-]+$/, 'expected projects/ID, folders/ID or organizations/ID')).optional(),
    /** Cloud Asset API base URL; default SHADOWSCAN_GCP_ASSET_ENDPOINT or https://cloudasset.googleapis.com. */
    endpoint: z.string().url().optional(),
    /** Environment variable holding a ready access token (else Application Default Credentials). */
    accessTokenEnv: z.string().min(1).default('GOOGLE_OAUTH_ACCESS_TOKEN'),
    ownerLabelKeys: z.array(z.string().min(1)).default(['owner', 'team', 'created-by', 'contact', 'cost-center', 'cost_center', 'costcenter']),
    maxConcurrentRequests: z.number().int().min(1).max(200).default(8),
    scopeConcurrency: z.number().int().min(1).max(100).default(4),
    maxRetries: z.number().int().min(0).max(20).default(5),
    retryDelayMs: z.number().int().min(0).max(60_000).default(500),
  })
  .strict()
  .refine((o) => (o.exportFiles?.length ?? 0) + (o.projects?.length ?? 0) + (o.scopes?.length ?? 0) > 0, {
    message: 'expected exportFiles, projects or scopes',
  });
export type GcpOptions = z.infer<typeof optionsSchema>;

function list(v: unknown): string[] | undefined {
  if (v === undefined || v === null || v === false) return undefined;
  const out = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

function gcpCliOverrides(v: Record<string, unknown>): Record<string, unknown> | undefined {
  const exportFiles = list(v.gcpAssetExport);
  const projects = list(v.gcpProjects);
  const scopes = list(v.gcpScopes);
  if (!exportFiles && !projects && !scopes) return undefined;
  return { ...(exportFiles ? { exportFiles } : {}), ...(projects ? { projects } : {}), ...(scopes ? { scopes } : {}) };
}

export const gcpScanner: ScannerModule<GcpOptions> = {
  id: 'gcp',
  title: 'GCP projects (Cloud Asset Inventory)',
  source: 'cloud',
  tags: ['cloud', 'gcp', 'inventory'],
  version: '0.1.0',
  optionsSchema,
  cli: [
    { flags: '--gcp-asset-export <file>', description: 'Cloud Asset Inventory export (gcloud asset export / list / search-all-resources JSON)', repeatable: true },
    { flags: '--gcp-projects <ids>', description: 'GCP project ids to search through the Cloud Asset API (comma-separated or repeated)', repeatable: true },
    { flags: '--gcp-scopes <scopes>', description: 'folders/ID or organizations/ID to search through the Cloud Asset API', repeatable: true },
  ],
  optionsFromCli(v) {
    const o = gcpCliOverrides(v);
    return o === undefined ? undefined : optionsSchema.parse(o);
  },
  // flags override only what they name; the config's other gcp options are kept
  cliOverrides: (v) => gcpCliOverrides(v),
  // The SDK clients load only when this scanner runs: importing them costs seconds at start-up.
  scan: async (ctx, sink) => (await import('./scan.js')).scan(ctx, sink),
};
export default gcpScanner;
