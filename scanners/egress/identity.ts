/**
 * Identity CSV: maps client IPs to a user and / or a host name, for logs that carry only an
 * address (Zeek, DNS servers, firewalls). Header row required; columns `ip` and at least one
 * of `user` / `host` (aliases: `username`, `email`; `hostname`, `device`). Extra columns are
 * ignored. Example:
 *   ip,user,host
 *   10.0.0.12,alice@example.com,alice-laptop
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../src/core/errors.js';

export type IdentityMap = Map<string, { user?: string; host?: string }>;

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

export function parseIdentity(text: string, file = 'identity CSV'): IdentityMap {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() && !l.startsWith('#'));
  if (!lines.length) throw new ConfigError(`${file}: empty; expected a header row with ip and user or host`);
  const header = splitCsv(lines[0]).map((h) => h.toLowerCase());
  const col = (...names: string[]) => header.findIndex((h) => names.includes(h));
  const ip = col('ip', 'ip_address', 'address', 'client_ip');
  const user = col('user', 'username', 'email', 'upn');
  const host = col('host', 'hostname', 'device', 'computer');
  if (ip < 0 || (user < 0 && host < 0)) throw new ConfigError(`${file}:1: expected a header with "ip" and "user" or "host", got "${lines[0]}"`);
  const map: IdentityMap = new Map();
  for (const l of lines.slice(1)) {
    const f = splitCsv(l);
    const addr = f[ip]?.toLowerCase();
    if (!addr) continue;
    map.set(addr, { user: (user >= 0 && f[user]) || undefined, host: (host >= 0 && f[host]) || undefined });
  }
  return map;
}

export function loadIdentity(file: string): IdentityMap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read identity CSV: ${(e as Error).message}`, { cause: e });
  }
  return parseIdentity(text, file);
}
