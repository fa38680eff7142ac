/**
 * Canary: one key of every credential rule (its `examples.match`, so every key is one the rules
 * really recognise) is planted in every place a string can enter a scan — code, the edges of a
 * code snippet (a URL line padded so the ~200-character snippet window cuts the key), file names,
 * an egress log's user column, audit identities (Okta actor, CloudTrail userName and role
 * session name) and catalog notes. The real CLI scans them into a real SQLite file and writes
 * every report format and export; then the database bytes (and a VACUUMed copy), every output
 * and stderr are searched for each key's middle characters. One hit fails the test.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/rules/load.js';
import { ruleIndex } from '../../src/rules/load.js';
import { tmpDir } from '../helpers/tmp.js';

const BIN = join(process.cwd(), 'bin/shadowscan.mjs');
const { index } = ruleIndex();

interface Canary {
  rule: string;
  /** The whole string the rules recognise (the example). */
  example: string;
  /** The key itself, as found in the example. */
  key: string;
  /** A string without whitespace, quotes or slashes that the rules still recognise (for user columns and file names), if any. */
  token?: string;
  /** The characters that must never appear anywhere. */
  middle: string;
}

function canaries(): Canary[] {
  const out: Canary[] = [];
  for (const s of loadRules().services) {
    for (const c of s.match.credentials) {
      const example = c.examples.match.find((e) => index.scanSecrets(e).some((h) => h.service === s.id && h.patternId === c.id));
      if (!example) continue;
      const hit = index.scanSecrets(example).find((h) => h.service === s.id && h.patternId === c.id)!;
      const key = example.slice(hit.index, hit.index + hit.secret.length);
      const n = Math.min(12, Math.max(6, key.length - hit.secret.prefix.length - 4));
      const at = Math.max(hit.secret.prefix.length, Math.floor((key.length - n) / 2));
      const middle = key.slice(at, at + n);
      const candidates = [key, example.replace(/\s+/g, ''), example.replace(/[\s"'{}:,]+/g, '_')];
      // the token must still let the detector find this very key (not only another one of the example)
      const token = candidates.find((t) => !/[\s/"'\\]/.test(t) && index.scanSecrets(t).some((h) => h.service === s.id && t.slice(h.index, h.index + h.secret.length) === key));
      out.push({ rule: `${s.id}/${c.id}`, example, key, token, middle });
    }
  }
  return out;
}

const squidLine = (i: number, user: string) => `17368${String(10000 + i).padStart(5, '0')}.123    120 10.1.2.${(i % 250) + 1} TCP_TUNNEL/200 5120 CONNECT api.openai.com:443 ${user} HIER_DIRECT/203.0.113.9 -`;

function plant(root: string, cs: Canary[]): { args: string[]; catalog: string } {
  const repo = join(root, 'repo');
  mkdirSync(join(repo, 'src'), { recursive: true });
  mkdirSync(join(repo, 'names'), { recursive: true });
  writeFileSync(join(repo, 'requirements.txt'), 'openai==1.40.0\n');
  let code = 'import openai\nimport requests\n';
  cs.forEach((c, i) => {
    code += `KEY_${i} = """${c.example}"""\n`;
    // a URL line whose snippet window ends inside the key, at several offsets
    for (const pad of [120, 150, 175, 190]) code += `r${i}_${pad} = requests.post("https://api.openai.com/v1/chat/completions", data="${'x'.repeat(pad - 60)}", auth="${c.example.replace(/"/g, "'")}")\n`;
  });
  writeFileSync(join(repo, 'src', 'client.py'), code);
  // (a file name holds at most 255 bytes)
  for (const c of cs) if (c.token && c.token.length < 250) writeFileSync(join(repo, 'names', `${c.token}.py`), 'import openai\nclient = openai.OpenAI()\n');
  // egress: the key as the Squid user column (no spaces allowed there)
  const egress = join(root, 'access.log');
  writeFileSync(egress, cs.filter((c) => c.token).map((c, i) => squidLine(i, c.token!)).join('\n') + '\n');
  // audit identities: Okta actor and target, CloudTrail userName and role session name
  const audit = join(root, 'audit');
  mkdirSync(audit);
  const okta = cs.filter((c) => c.token).map((c, i) => ({
    uuid: `canary-${i}`, published: '2026-01-12T10:00:00.000Z', eventType: 'user.authentication.sso', outcome: { result: 'SUCCESS' },
    actor: { id: c.token, type: 'User', alternateId: c.token, displayName: c.example },
    target: [{ id: `0oa${i}`, type: 'AppInstance', alternateId: 'ChatGPT', displayName: 'ChatGPT' }],
  }));
  writeFileSync(join(audit, 'okta.jsonl'), okta.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const ct = cs.filter((c) => c.token).map((c, i) => ({
    eventVersion: '1.09', eventID: `ct-canary-${i}`, eventTime: '2026-01-12T10:00:00Z', eventSource: 'bedrock.amazonaws.com', eventName: 'InvokeModel', awsRegion: 'us-east-1',
    userIdentity: i % 2
      ? { type: 'IAMUser', userName: c.token, arn: `arn:aws:iam::111122223333:user/${c.token}`, accountId: '111122223333' }
      : { type: 'AssumedRole', arn: `arn:aws:sts::111122223333:assumed-role/ml/${c.token}`, accountId: '111122223333', sessionContext: { sessionIssuer: { userName: 'ml' } } },
    requestParameters: { modelId: 'anthropic.claude-3-haiku-20240307-v1:0' }, recipientAccountId: '111122223333',
  }));
  writeFileSync(join(audit, 'trail.json'), JSON.stringify({ Records: ct }));
  // catalog notes
  const catalog = join(root, 'catalog.yaml');
  const all = cs.map((c) => c.example).join(' ');
  writeFileSync(catalog, stringify({
    version: 1,
    approved: [{ service: 'openai-api', owner: { business: `Platform ${cs[0].example}` }, approvedBy: 'ciso', approvedOn: '2026-01-01', conditions: { notes: all }, notes: all }],
  }));
  return { args: ['--repo', repo, '--egress', egress, '--audit', audit, '--catalog', catalog], catalog };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('canary: no credential survives anywhere', () => {
  const cs = canaries();

  it('has a canary for (nearly) every credential rule', () => {
    const rules = loadRules().services.flatMap((s) => s.match.credentials.map((c) => `${s.id}/${c.id}`));
    expect(cs.length).toBe(rules.length);
    expect(cs.filter((c) => c.token).length).toBeGreaterThan(cs.length * 0.8);
  });

  it('database, every report format, every export and stderr hold no key middle', { timeout: 240_000 }, () => {
    const root = tmpDir('shadowscan-canary-');
    const { args, catalog } = plant(root, cs);
    if (process.env.CANARY_KEEP) console.log(root, args.join(' '));
    const db = join(root, 'canary.db');
    const out = join(root, 'out');
    mkdirSync(out);
    const texts: Array<[string, string]> = [];
    const run = (argv: string[]) => {
      const r = spawnSync(process.execPath, [BIN, ...argv], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
      texts.push([`stderr of ${argv.slice(0, 2).join(' ')}`, r.stderr]);
      texts.push([`stdout of ${argv.slice(0, 2).join(' ')}`, r.stdout]);
      return r;
    };
    for (const format of ['json', 'sarif', 'csv', 'markdown']) {
      const r = run(['scan', ...args, '--db', db, '--format', format, '--output', join(out, `report.${format}`)]);
      expect(r.status, r.stderr).toBe(0);
    }
    const list = run(['register', 'list', '--db', db, '--status', 'all', '--format', 'json']);
    const items = JSON.parse(list.stdout) as Array<{ id: string; riskEntryId?: string }>;
    expect(items.length).toBeGreaterThan(0);
    for (const it of items.slice(0, 5)) run(['register', 'show', it.riskEntryId ?? it.id, '--db', db, '--format', 'json']);
    run(['register', 'export', '--db', db, '--format', 'json', '--output', join(out, 'register.json')]);
    run(['register', 'export', '--db', db, '--format', 'csv', '--output', join(out, 'register.csv')]);
    for (const f of ['cyclonedx', 'ocsf', 'sigma', 'soa', 'soa-csv', 'register-csv']) {
      run(['export', '--db', db, '--catalog', catalog, '--format', f, '--output', join(out, f === 'sigma' ? 'sigma' : `export.${f}`)]);
    }
    // the evidence really went in: credentials, subjects and file names from every source
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { findings: Array<{ kind: string; scanner: string; subject: { id: string } }> };
    expect(report.findings.filter((f) => f.kind === 'credential').length).toBeGreaterThanOrEqual(cs.length * 0.8);
    expect(new Set(report.findings.map((f) => f.scanner))).toEqual(new Set(['repo', 'egress', 'audit-export']));

    for (const f of filesUnder(out)) texts.push([f, readFileSync(f, 'utf8')]);
    const raw = readFileSync(db).toString('latin1');
    const copy = join(root, 'vacuumed.db');
    copyFileSync(db, copy);
    const v = new Database(copy);
    v.exec('VACUUM');
    v.close();
    texts.push([`${db} (raw bytes)`, raw], [`${copy} (after VACUUM)`, readFileSync(copy).toString('latin1')]);
    // WAL / journal files beside the database, if any
    for (const n of readdirSync(root)) if (n.startsWith('canary.db-')) texts.push([n, readFileSync(join(root, n)).toString('latin1')]);

    const leaks: string[] = [];
    for (const c of cs) for (const [where, text] of texts) if (text.includes(c.middle)) leaks.push(`${c.rule}: "${c.middle}" in ${where}`);
    expect(leaks).toEqual([]);
  });
});

// keep execFileSync referenced for debugging runs by hand
void execFileSync;
