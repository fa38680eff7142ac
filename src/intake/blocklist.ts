/**
 * Block lists from declined services' domain rules, in the formats appliances take:
 * - `squid`  — a file for `acl shadow_ai dstdomain "/etc/squid/shadow-ai.txt"`:
 *              `.example.com` (domain and sub-domains) or `api.example.com` (exact host);
 * - `rpz`    — a DNS Response Policy Zone (BIND, Unbound, PowerDNS): `CNAME .` (NXDOMAIN) for the
 *              host and, for suffix rules, `*.domain`;
 * - `pac`    — a proxy auto-config file that sends declined hosts to a black-hole proxy;
 * - `hosts`  — one host name per line (suffix rules listed as the bare domain: a plain list
 *              cannot say "and every sub-domain", so appliances that take it usually treat an
 *              entry as covering sub-domains; check yours).
 *
 * What a host-level list cannot express is left out and explained in the file's header:
 * - rules with `paths` (AI behind a path of a shared platform, e.g. `api.cloudflare.com/…/ai`):
 *   blocking the host would block the whole platform — use URL filtering (Squid `url_regex`
 *   with TLS inspection, a secure web gateway);
 * - `shared: true` rules (a domain that also serves other products);
 * - templates (`{resource}.openai.azure.com`) become a suffix block on their literal tail when
 *   that tail has at least three labels (`openai.azure.com`), else they are skipped as too broad;
 * - anything that would also block a host of a service with a valid approval.
 * Services that still hold a valid approval are never blocked (a decline of out-of-scope use).
 */
import type { Catalog } from '../catalog/catalog.js';
import type { RuleIndex } from '../rules/compile.js';
import { hasValidApproval } from './catalog.js';

export const BLOCKLIST_FORMATS = ['squid', 'rpz', 'pac', 'hosts'] as const;
export type BlocklistFormat = (typeof BLOCKLIST_FORMATS)[number];

export interface BlockEntry {
  /** Host or domain (lower case, no trailing dot). */
  domain: string;
  /** `suffix`: the domain and every sub-domain; `host`: exactly this host. */
  match: 'host' | 'suffix';
  service: string;
  rule: string;
}

export interface BlockPlan {
  entries: BlockEntry[];
  skipped: Array<{ service: string; rule: string; why: string }>;
  services: string[];
  generatedAt: string;
}

type DomainRule = ReturnType<RuleIndex['domainRules']>[number];

function covers(suffix: string, host: string): boolean {
  return host === suffix || host.endsWith('.' + suffix);
}

export function blockPlan(catalog: Catalog, rules: RuleIndex, now: Date = new Date()): BlockPlan {
  const all = rules.domainRules();
  const skipped: BlockPlan['skipped'] = [];
  const services: string[] = [];
  const approvedHosts = all.filter((r) => !r.shared && r.kind !== 'template' && hasValidApproval(catalog, r.service, now));
  const candidates: BlockEntry[] = [];
  for (const d of catalog.declined) {
    if (d.block === false) {
      skipped.push({ service: d.service, rule: '*', why: 'declined with block: false' });
      continue;
    }
    if (hasValidApproval(catalog, d.service, now)) {
      skipped.push({ service: d.service, rule: '*', why: 'the service also holds a valid approval (the decline covers out-of-scope use only)' });
      continue;
    }
    const mine = all.filter((r) => r.service === d.service);
    if (!mine.length) {
      skipped.push({ service: d.service, rule: '*', why: 'no domain rules for this service (not visible on the network)' });
      continue;
    }
    services.push(d.service);
    for (const r of mine) {
      const label = ruleLabel(r);
      if (r.paths?.length) {
        skipped.push({ service: d.service, rule: label, why: 'path-only rule: a host-level list would block the whole host; use URL filtering' });
        continue;
      }
      if (r.shared) {
        skipped.push({ service: d.service, rule: label, why: 'shared domain (also serves other products)' });
        continue;
      }
      let entry: BlockEntry;
      if (r.kind === 'template') {
        const labels = r.pattern.split('.');
        let k = labels.length;
        while (k > 0 && !labels[k - 1].includes('{')) k--;
        const tail = labels.slice(k).join('.');
        if (labels.length - k < 3) {
          skipped.push({ service: d.service, rule: label, why: `template: its literal tail "${tail}" is too broad to block` });
          continue;
        }
        entry = { domain: tail, match: 'suffix', service: d.service, rule: label };
      } else entry = { domain: r.pattern, match: r.kind === 'suffix' ? 'suffix' : 'host', service: d.service, rule: label };
      const clash = approvedHosts.find((a) => (entry.match === 'suffix' ? covers(entry.domain, a.pattern) : entry.domain === a.pattern));
      if (clash) {
        skipped.push({ service: d.service, rule: label, why: `would also block ${clash.pattern} of approved service ${clash.service}` });
        continue;
      }
      candidates.push(entry);
    }
  }
  // de-duplicate: a suffix covers its hosts and deeper suffixes
  const suffixes = candidates.filter((e) => e.match === 'suffix');
  const entries = new Map<string, BlockEntry>();
  for (const e of candidates.sort((a, b) => a.domain.localeCompare(b.domain) || a.match.localeCompare(b.match))) {
    if (suffixes.some((s) => s !== e && covers(s.domain, e.domain) && (s.domain !== e.domain || e.match === 'host'))) continue;
    entries.set(`${e.match}:${e.domain}`, e);
  }
  return { entries: [...entries.values()].sort((a, b) => a.domain.localeCompare(b.domain)), skipped, services: [...new Set(services)].sort(), generatedAt: now.toISOString() };
}

function ruleLabel(r: DomainRule): string {
  return `${r.kind} ${r.pattern}${r.paths?.length ? ` paths ${r.paths.join(', ')}` : ''}`;
}

function header(p: BlockPlan, c: string, format: string): string {
  const lines = [
    `shadowscan block list (${format}) generated ${p.generatedAt}`,
    `declined services: ${p.services.join(', ') || '(none)'}`,
    `${p.entries.length} entr${p.entries.length === 1 ? 'y' : 'ies'}`,
  ];
  if (p.skipped.length) {
    lines.push('not blocked here:');
    for (const s of p.skipped) lines.push(`  ${s.service} ${s.rule}: ${s.why}`);
  }
  return lines.map((l) => `${c} ${l.replace(/[\r\n]/g, ' ')}`).join('\n') + '\n';
}

export function renderBlocklist(format: BlocklistFormat, p: BlockPlan, opts: { pacProxy?: string; pacDefault?: string } = {}): string {
  switch (format) {
    case 'squid':
      return header(p, '#', 'Squid dstdomain ACL file') + p.entries.map((e) => (e.match === 'suffix' ? '.' : '') + e.domain).join('\n') + (p.entries.length ? '\n' : '');
    case 'hosts':
      return header(p, '#', 'plain host list') + p.entries.map((e) => e.domain).join('\n') + (p.entries.length ? '\n' : '');
    case 'rpz': {
      const serial = p.generatedAt.slice(0, 10).replace(/-/g, '') + p.generatedAt.slice(11, 13);
      const lines = [`$TTL 300`, `@ IN SOA localhost. hostmaster.localhost. ( ${serial} 3600 600 86400 300 )`, `@ IN NS localhost.`];
      for (const e of p.entries) {
        lines.push(`${e.domain} CNAME .`);
        if (e.match === 'suffix') lines.push(`*.${e.domain} CNAME .`);
      }
      return header(p, ';', 'DNS RPZ zone') + lines.join('\n') + '\n';
    }
    case 'pac': {
      const proxy = opts.pacProxy ?? 'PROXY 127.0.0.1:9';
      const dflt = opts.pacDefault ?? 'DIRECT';
      const hosts = p.entries.filter((e) => e.match === 'host').map((e) => e.domain);
      const sufs = p.entries.filter((e) => e.match === 'suffix').map((e) => e.domain);
      return (
        header(p, '//', 'proxy auto-config') +
        `var SHADOWSCAN_BLOCK = ${JSON.stringify(proxy)};\n` +
        `var SHADOWSCAN_HOSTS = ${JSON.stringify(hosts)};\n` +
        `var SHADOWSCAN_SUFFIXES = ${JSON.stringify(sufs)};\n` +
        `function FindProxyForURL(url, host) {\n` +
        `  var h = host.toLowerCase();\n` +
        `  for (var i = 0; i < SHADOWSCAN_HOSTS.length; i++) if (h === SHADOWSCAN_HOSTS[i]) return SHADOWSCAN_BLOCK;\n` +
        `  for (var j = 0; j < SHADOWSCAN_SUFFIXES.length; j++) if (h === SHADOWSCAN_SUFFIXES[j] || dnsDomainIs(h, "." + SHADOWSCAN_SUFFIXES[j])) return SHADOWSCAN_BLOCK;\n` +
        `  return ${JSON.stringify(dflt)};\n` +
        `}\n`
      );
    }
  }
}

export const BLOCKLIST_MEDIA: Record<BlocklistFormat, { type: string; file: string }> = {
  squid: { type: 'text/plain; charset=utf-8', file: 'shadow-ai.squid.txt' },
  rpz: { type: 'text/dns; charset=utf-8', file: 'shadow-ai.rpz.zone' },
  pac: { type: 'application/x-ns-proxy-autoconfig', file: 'shadow-ai.pac' },
  hosts: { type: 'text/plain; charset=utf-8', file: 'shadow-ai.hosts.txt' },
};
