/**
 * Checks an evidence pack folder the way an auditor's tooling would: every file the index links
 * exists, the pages carry no scripts, the manifest's hashes match, the SoA lists every Annex A
 * control exactly once, and the exported decision log verifies as a hash chain.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyRecords, type AuditRecord, type Keyring } from '../register/audit.js';
import { loadKeyring } from '../register/ledger-keys.js';
import { ANNEX_A } from '../risk/standards.js';

export interface PackValidation {
  ok: boolean;
  problems: string[];
  links: string[];
  controls: string[];
  logRecords: number;
}

/** RFC 4180 rows (quoted cells with commas, quotes and newlines). */
export function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') (cell += '"', i++);
      else if (c === '"') q = false;
      else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') (row.push(cell), (cell = ''));
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell || row.length) (row.push(cell), rows.push(row));
  return rows;
}

/**
 * `ring`: the MAC keys the decision log was chained with (default: the audit key file,
 * SHADOWSCAN_AUDIT_KEY_FILE) — the log is keyed, so its verification needs them.
 */
export function validateEvidencePack(dir: string, expectedControls: string[] = Object.keys(ANNEX_A), ring: Keyring = loadKeyring()): PackValidation {
  const problems: string[] = [];
  const read = (name: string) => {
    const p = join(dir, name);
    if (!existsSync(p)) {
      problems.push(`${name}: missing`);
      return '';
    }
    return readFileSync(p, 'utf8');
  };
  const index = read('index.html');
  const links = [...index.matchAll(/href="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
  for (const l of links) {
    if (/^[a-z]+:|^\/|\.\./i.test(l)) problems.push(`index.html links outside the pack: ${l}`);
    else if (!existsSync(join(dir, l))) problems.push(`index.html links ${l}, which does not exist`);
  }
  for (const name of links.filter((l) => l.endsWith('.html')).concat('index.html')) {
    const text = existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : '';
    if (/<script\b/i.test(text) || /\son[a-z]+\s*=/i.test(text) || /javascript:/i.test(text)) problems.push(`${name}: contains script`);
  }
  const manifestText = read('manifest.json');
  if (manifestText) {
    const m = JSON.parse(manifestText) as { files: Array<{ name: string; sha256: string }> };
    for (const f of m.files) {
      const p = join(dir, f.name);
      if (!existsSync(p)) problems.push(`manifest lists ${f.name}, which does not exist`);
      else if (createHash('sha256').update(readFileSync(p)).digest('hex') !== f.sha256) problems.push(`${f.name}: SHA-256 does not match the manifest`);
    }
  }
  const soa = csvRows(read('soa.csv'));
  const controls = soa.slice(1).map((r) => r[0]);
  const dup = controls.filter((c, i) => controls.indexOf(c) !== i);
  if (dup.length) problems.push(`soa.csv: controls listed twice: ${dup.join(', ')}`);
  const missing = expectedControls.filter((c) => !controls.includes(c));
  const extra = controls.filter((c) => !expectedControls.includes(c));
  if (missing.length) problems.push(`soa.csv: missing Annex A controls: ${missing.join(', ')}`);
  if (extra.length) problems.push(`soa.csv: not Annex A controls: ${extra.join(', ')}`);
  const logText = read('decision-log.jsonl');
  const records: AuditRecord[] = [];
  logText.split('\n').forEach((l, i) => {
    if (!l.trim()) return;
    try {
      records.push(JSON.parse(l));
    } catch {
      problems.push(`decision-log.jsonl:${i + 1}: not JSON`);
    }
  });
  const v = verifyRecords(records, ring);
  for (const p of v.problems) problems.push(`decision-log.jsonl: record ${p.seq}: ${p.problem}`);
  return { ok: problems.length === 0, problems, links, controls, logRecords: v.records };
}
