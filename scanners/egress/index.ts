/**
 * Egress-log scanner: proxy, DNS, firewall and Zeek logs → who reached which host, how often,
 * how much data went out. Neutral `host` observations; the rules decide what is AI.
 */
import type { ScannerModule } from '../../src/core/types.js';
import { UsageError } from '../../src/core/errors.js';
import { optionsSchema, parseMapSpec, type EgressOptions } from './options.js';

export { optionsSchema, type EgressOptions };

export const egressScanner: ScannerModule<EgressOptions> = {
  id: 'egress',
  title: 'Egress logs (proxy, DNS, firewall, Zeek)',
  source: 'network',
  tags: ['network', 'logs', 'proxy', 'dns', 'zeek'],
  version: '1.0.0',
  /** Re-scans read only new bytes (stored identity + offset): observations are deltas. */
  incremental: true,
  optionsSchema,
  cli: [
    { flags: '--egress <path>', description: 'egress log: file, directory, glob of rotated files, .gz, or - for stdin', repeatable: true },
    { flags: '--egress-format <format>', description: 'override format detection (squid, zeek, zeek-json, w3c, csv, tsv, jsonl, zscaler, panos, umbrella-proxy, umbrella-dns, cloudflare-http, cloudflare-dns, route53, bind, windows-dns)' },
    { flags: '--egress-identity <csv>', description: 'CSV mapping client IPs to users / hosts (header: ip,user,host)' },
    { flags: '--egress-map <spec>', description: 'field mapping for generic CSV/TSV/JSON/W3C logs, e.g. host=dest,user=login,clientIp=src,bytesOut=sent,bytesIn=recv,time=ts' },
    { flags: '--egress-workers <n>', description: 'extra parsing threads for logs of 64 MiB or more (default 1 on a machine with 2+ cores, else 0; each adds ~80 MB RSS)' },
  ],
  optionsFromCli(v) {
    const paths = v.egress as string[] | string | undefined;
    const list = Array.isArray(paths) ? paths : paths ? [paths] : [];
    if (!list.length) return undefined;
    const o: Record<string, unknown> = { paths: list };
    if (v.egressFormat) o.format = v.egressFormat;
    if (v.egressIdentity) o.identity = v.egressIdentity;
    if (v.egressMap) {
      try {
        o.map = parseMapSpec(String(v.egressMap));
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    if (v.egressWorkers !== undefined) o.workers = Number(v.egressWorkers);
    return o as EgressOptions;
  },
  // the scanner's code loads when it runs, not with every command (start-up)
  scan: async (ctx, sink) => (await import('./scan.js')).scanEgress(ctx, sink),
};

export default egressScanner;
