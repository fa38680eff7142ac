/**
 * audit-export on exports in each vendor's real format: the shipped fixtures (written from the
 * vendors' documented field names) and, when ../shared is present, the public corpus samples.
 * Matching goes through the real rules catalog.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { auditExportScanner, parseAuditFormat } from '../../../scanners/audit-export/index.js';
import { CandidateHeuristic, candidateHeuristic } from '../../../scanners/audit-export/lib/candidates.js';
import { readScopes, scopeRisk } from '../../../scanners/audit-export/lib/scopes.js';
import { isoTime } from '../../../scanners/audit-export/lib/util.js';
import { detectVendor } from '../../../scanners/audit-export/parsers/index.js';
import { collect, silentLogger } from '../../../src/collect/run.js';
import type { Observation } from '../../../src/core/types.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { matchAll } from '../../../src/match/match.js';
import { tmpDir } from '../../helpers/tmp.js';
import { FIX } from './fixtures-data.js';

const { index: rules } = ruleIndex();
/** Public corpus samples copied with their sources (fixtures/corpus/audit/SOURCES.md): tests never read ../shared. */
const CORPUS = join(process.cwd(), 'fixtures/corpus/audit');

async function scan(paths: string[], extra: Record<string, unknown> = {}) {
  const r = await collect([{ scanner: auditExportScanner, options: { paths, ...extra } }], { rules, log: silentLogger });
  return { ...r, findings: matchAll(rules, r.observations) };
}

const pairs = (fs: Array<{ service: string; subject: { id: string } }>) => [...new Set(fs.map((f) => `${f.service} ${f.subject.id}`))].sort();

describe('audit-export on the shipped fixtures', async () => {
  const r = await scan([FIX]);

  it('scans every file, fails none', () => {
    expect(r.errors).toEqual({});
    expect(r.coverage[0].failed).toEqual([]);
    expect(r.coverage[0].scanned).toBe(11);
    expect(r.coverage[0].problemCount).toBe(0);
  });

  it('reports every user who granted, signed in to or invoked an AI service, with the right service', () => {
    expect(pairs(r.findings)).toEqual([
      'aws-bedrock arn:aws:iam::111122223333:role/ml-alice',
      'aws-bedrock arn:aws:iam::111122223333:role/ml-bob',
      'aws-bedrock arn:aws:iam::111122223333:role/ml-carol',
      'aws-bedrock arn:aws:iam::111122223333:role/ml-dave',
      'chatgpt alice@demo.example',
      'chatgpt carol@demo.example',
      'chatgpt dave@demo.example',
      'claude-ai alice@demo.example',
      'claude-ai bob@demo.example',
      'claude-ai dave@demo.example',
      'devin bob-demo',
      'fireflies bob@demo.example',
      'gemini-app carol@demo.example',
      'github-copilot carol-demo',
      'glean bob@demo.example',
      'm365-copilot alice@demo.example',
      'm365-copilot bob@demo.example',
      'otter bob@demo.example',
      'perplexity dave@demo.example',
      'unknown-ai-app alice@demo.example',
      'unknown-ai-app carol@demo.example',
      'unknown-ai-app dave@demo.example',
    ]);
  });

  it('never turns look-alike or non-AI apps into AI services or candidates', () => {
    const lookalikes = /chatterbox|fleet tracker|openair|sharepoint|^slack$/i;
    expect(r.findings.filter((f) => lookalikes.test(f.value))).toEqual([]);
    // look-alikes and ordinary apps are read and counted, never kept as observations or candidates
    expect(r.observations.filter((o) => lookalikes.test(o.value))).toEqual([]);
    expect(r.coverage[0].stats['events.notAi']).toBeGreaterThanOrEqual(7);
  });

  it('marks unknown AI-looking apps as unknown-ai-app candidates with evidence', () => {
    const c = r.observations.filter((o) => o.attrs?.candidate === 'unknown-ai-app').map((o) => `${o.value} ${o.subject.id}`).sort();
    expect(c).toEqual(['Acme Sales Assistant GPT alice@demo.example', 'MeetMinutes AI Notetaker dave@demo.example', 'Standup Summarizer Bot carol@demo.example']);
    const meet = r.observations.find((o) => o.value === 'MeetMinutes AI Notetaker')!;
    expect(meet.attrs?.candidateEvidence).toEqual(['ai', 'notetaker']);
    expect(meet.attrs?.scopeRisk).toBe('high');
    // the matcher lands candidates as service unknown-ai-app, with the words that made them look AI
    const landed = r.findings.filter((f) => f.service === 'unknown-ai-app').map((f) => `${f.value} ${f.match.pattern}`).sort();
    expect(landed).toContain('MeetMinutes AI Notetaker ai,notetaker');
    expect(landed).toHaveLength(3);
  });

  it('keeps failed attempts apart (success=false) and aggregates counts and time ranges', () => {
    const dave = r.findings.filter((f) => f.service === 'chatgpt' && f.subject.id === 'dave@demo.example');
    expect(dave).toHaveLength(1);
    expect(dave[0].attrs?.success).toBe(false);
    const carol = r.findings.find((f) => f.service === 'chatgpt' && f.subject.id === 'carol@demo.example' && f.attrs?.vendor === 'entra')!;
    expect(carol.count).toBe(2);
    expect(carol.firstSeen).toBe('2026-01-12T13:01:00.000Z');
    expect(carol.lastSeen).toBe('2026-01-13T13:01:00.000Z');
    expect(carol.signal).toBe('usage');
    const aliceGrant = r.findings.find((f) => f.service === 'chatgpt' && f.subject.id === 'alice@demo.example' && f.signal === 'presence' && f.attrs?.vendor === 'google')!;
    expect(aliceGrant.attrs?.clientId).toBe('574890123456-chatgptconnector01.apps.googleusercontent.com');
    expect(aliceGrant.attrs?.scopes).toEqual(['https://www.googleapis.com/auth/drive.readonly', 'https://www.googleapis.com/auth/userinfo.email', 'openid']);
    expect(aliceGrant.attrs?.scopeRisk).toBe('medium');
    expect(aliceGrant.locator).toBe(`${FIX}/google-token.jsonl:1`);
    const aliceUse = r.findings.find((f) => f.service === 'chatgpt' && f.subject.id === 'alice@demo.example' && f.signal === 'usage' && f.attrs?.vendor === 'google')!;
    expect(aliceUse.count).toBe(2);
  });

  it('reads Entra consents with scopes, CSV downloads and Purview CSV', () => {
    const ff = r.findings.find((f) => f.service === 'fireflies')!;
    expect(ff.signal).toBe('presence');
    expect(ff.attrs?.appId).toBe('f7e6d5c4-1111-4222-8333-944455566677');
    expect(ff.attrs?.scopes).toEqual(['Calendars.Read', 'Mail.Read', 'OnlineMeetings.Read', 'User.Read', 'offline_access']);
    expect(ff.attrs?.scopeRisk).toBe('high');
    const claudeCsv = r.findings.filter((f) => f.service === 'claude-ai' && f.locator.includes('entra-signins.csv'));
    expect(claudeCsv.map((f) => `${f.subject.id} ${f.attrs?.success}`).sort()).toEqual(['alice@demo.example true', 'dave@demo.example false']);
    const purview = r.findings.find((f) => f.service === 'm365-copilot' && f.subject.id === 'bob@demo.example')!;
    expect(purview.locator).toContain('purview-audit-search.csv:2');
    expect(purview.attrs?.appHost).toBe('Excel');
  });

  it('reads CloudTrail S3 files: model, usage vs presence, denied calls, non-AI events dropped', () => {
    const ct = r.findings.filter((f) => f.kind === 'audit-event');
    const alice = ct.find((f) => f.subject.id.endsWith('ml-alice'))!;
    expect(alice).toMatchObject({ namespace: 'aws', value: 'bedrock.amazonaws.com', signal: 'usage', count: 2 });
    expect(alice.attrs).toMatchObject({ eventName: 'InvokeModel', modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0', region: 'us-east-1', account: '111122223333', success: true });
    expect(alice.subject.name).toBe('arn:aws:sts::111122223333:assumed-role/ml-alice/alice-session');
    expect(ct.find((f) => f.subject.id.endsWith('ml-carol'))!.signal).toBe('presence');
    const dave = ct.find((f) => f.subject.id.endsWith('ml-dave'))!;
    expect(dave.attrs).toMatchObject({ errorCode: 'AccessDenied', success: false });
    expect(r.observations.filter((o) => o.kind === 'audit-event' && !/bedrock/.test(o.value))).toEqual([]);
    expect(r.coverage[0].stats['events.unmatchedCloud']).toBe(2);
  });

  it('is deterministic', async () => {
    const again = await scan([FIX]);
    expect(JSON.stringify(again.observations)).toBe(JSON.stringify(r.observations));
  });
});

describe('containers and format override', () => {
  it('reads gzip JSON lines, whatever the extension, and CSV with quoted fields', async () => {
    const d = tmpDir();
    writeFileSync(join(d, 'okta.log'), gzipSync(JSON.stringify(JSON.parse(readFileSync(join(FIX, 'okta-system-log.json'), 'utf8'))[0]) + '\n' + JSON.stringify(JSON.parse(readFileSync(join(FIX, 'okta-system-log.json'), 'utf8'))[1]) + '\n'));
    writeFileSync(join(d, 'gh.csv'), 'action,actor,created_at,org,name,integration\n"integration_installation.create","bob-demo","2026-01-12T10:00:00Z","demo-org","Devin AI Integration","Devin AI Integration"\n');
    const r = await scan([d]);
    expect(r.coverage[0].failed).toEqual([]);
    expect(pairs(r.findings)).toEqual(['chatgpt carol@demo.example', 'devin bob-demo']);
    expect(r.findings.find((f) => f.service === 'chatgpt')!.count).toBe(2);
  });

  it('reports malformed lines as problems, and a file with nothing known as a failed unit', async () => {
    const d = tmpDir();
    writeFileSync(join(d, 'mixed.jsonl'), readFileSync(join(FIX, 'github-audit.jsonl'), 'utf8') + '{"broken": \n');
    writeFileSync(join(d, 'other.jsonl'), '{"foo": 1}\n{"bar": 2}\n');
    const r = await scan([d]);
    expect(r.coverage[0].problems.some((p) => p.locator === `${join(d, 'mixed.jsonl')}:5`)).toBe(true);
    expect(r.coverage[0].failed.map((f) => f.unit)).toEqual([join(d, 'other.jsonl')]);
    expect(r.coverage[0].units).toContain(join(d, 'mixed.jsonl'));
  });

  it('--audit-format forces a vendor and / or container', async () => {
    expect(parseAuditFormat('okta')).toEqual({ vendor: 'okta' });
    expect(parseAuditFormat('okta:jsonl')).toEqual({ vendor: 'okta', format: 'jsonl' });
    expect(() => parseAuditFormat('splunk')).toThrow(/unknown format/);
    const opts = auditExportScanner.optionsFromCli!({ audit: [join(FIX, 'okta-system-log.json')], auditFormat: 'okta:json' });
    expect(opts).toMatchObject({ vendor: 'okta', format: 'json' });
    const r = await scan([join(FIX, 'okta-system-log.json')], { vendor: 'okta', format: 'json' });
    expect(pairs(r.findings)).toContain('glean bob@demo.example');
  });
});

describe('pure helpers', () => {
  it('scope risk: read vs write, offline access, sign-in only', () => {
    expect(scopeRisk(['openid', 'profile', 'email'])).toBe('low');
    expect(scopeRisk(['https://www.googleapis.com/auth/drive.readonly'])).toBe('medium');
    expect(scopeRisk(['https://www.googleapis.com/auth/drive'])).toBe('high');
    expect(scopeRisk(['https://mail.google.com/'])).toBe('high');
    expect(scopeRisk(['https://www.googleapis.com/auth/gmail.send'])).toBe('high');
    expect(scopeRisk(['Mail.Read', 'User.Read'])).toBe('medium');
    expect(scopeRisk(['Mail.Read', 'offline_access'])).toBe('high');
    expect(scopeRisk(['Files.ReadWrite.All'])).toBe('high');
    expect(scopeRisk(['offline_access', 'openid'])).toBe('medium');
    expect(scopeRisk(['channels:history', 'users:read'])).toBe('medium');
    expect(scopeRisk([])).toBeUndefined();
    expect(readScopes(['Calendars.Read', 'Mail.Send'])).toEqual({ risk: 'high', reaches: ['calendar', 'mail'], write: true, offline: false });
  });

  it('candidate heuristic: whole words, strong vs weak, data-driven', () => {
    const h = candidateHeuristic();
    for (const yes of ['Acme AI', 'MeetingGPT', 'Notetaker Pro', 'Call Transcriber', 'Sales Chat Assistant', 'LLM Gateway']) expect(h.looksLikeAi(yes), yes).toBe(true);
    for (const no of ['Chatterbox HR', 'Copilot Fleet Tracker', 'OpenAir', 'Email Digest', 'Thai Menu', 'Chat Support Desk', 'Aidan Payroll', 'Salesforce']) expect(h.looksLikeAi(no), no).toBe(false);
    expect(h.looksLikeAi('Helper', ['assistant:write', 'chat:write'])).toBe(true);
    const custom = new CandidateHeuristic({ strong: ['robo*'], weak: [], suffixes: [], scopes: [] });
    expect(custom.looksLikeAi('Roboscribe')).toBe(true);
  });

  it('times: ISO, space-separated, epoch s / ms / ns', () => {
    expect(isoTime('2024-01-15 10:30:00.000000000')).toBe('2024-01-15T10:30:00.000Z');
    expect(isoTime(1768212000)).toBe('2026-01-12T10:00:00.000Z');
    expect(isoTime(1768212000000)).toBe('2026-01-12T10:00:00.000Z');
    expect(isoTime('1768212000000000000')).toBe('2026-01-12T10:00:00.000Z');
    expect(isoTime('2026-01-15T10:23:44')).toBe('2026-01-15T10:23:44.000Z');
  });
});

describe('public corpus samples (fixtures/corpus/audit)', () => {
  const dirs = ['google-workspace', 'entra-id', 'm365-unified-audit', 'okta-system-log', 'github-audit', 'slack-audit', 'aws-cloudtrail'].map((d) => join(CORPUS, d));

  it('detects (nearly) every record of every sample as its vendor', async () => {
    const expected: Record<string, string> = { 'google-workspace': 'google', 'entra-id': 'entra', 'm365-unified-audit': 'm365', 'okta-system-log': 'okta', 'github-audit': 'github', 'slack-audit': 'slack', 'aws-cloudtrail': 'cloudtrail' };
    for (const [dir, vendor] of Object.entries(expected)) {
      const { readdirSync } = await import('node:fs');
      for (const f of readdirSync(join(CORPUS, dir))) {
        const lines = readFileSync(join(CORPUS, dir, f), 'utf8').split('\n').filter((l) => l.trim());
        const got = lines.map((l) => detectVendor(JSON.parse(l)));
        expect(got.filter((v) => v && v !== vendor), `${dir}/${f}`).toEqual([]);
        // a few hand-written SIEM test events lack the fields that identify a record at all
        expect(got.filter((v) => v === vendor).length / lines.length, `${dir}/${f}`).toBeGreaterThanOrEqual(0.95);
      }
    }
  });

  it('scans the samples: apps, grants, SSO and Bedrock calls, no AI service from non-AI apps', async () => {
    // allApps keeps every app, so the parsers' reading of non-AI apps can be checked too
    const r = await scan(dirs, { allApps: true });
    const lean = await scan(dirs);
    expect(lean.findings.map((f) => f.id).sort()).toEqual(r.findings.map((f) => f.id).sort());
    expect(lean.observations.length).toBeLessThan(r.observations.length);
    expect(r.coverage[0].failed).toEqual([]);
    const obs = (v: string) => r.observations.filter((o: Observation) => o.value === v);
    expect(obs('Gmail Add-on')[0]).toMatchObject({ signal: 'presence', subject: { id: 'foo@bar.com' } });
    expect(obs('Gmail Add-on')[0].attrs?.clientId).toBe('923474483785-sqf6uk8vq1rqe853il0g2h4m98ji2fq6.apps.googleusercontent.com');
    expect(obs('Notion')[0]).toMatchObject({ signal: 'presence', attrs: { vendor: 'slack', appId: 'A049JV0H0KC' } });
    expect(obs('AWS IAM Identity Center')[0]).toMatchObject({ signal: 'usage', subject: { id: 'aardvark' } });
    expect(obs('Microsoft Teams for GitHub')[0].attrs?.event).toBe('integration_installation.create');
    const azureFail = r.observations.find((o) => o.value === 'Azure Portal')!;
    expect(azureFail.attrs?.success).toBe(false);
    const bedrock = r.findings.find((f) => f.service === 'aws-bedrock' && f.attrs?.eventName === 'Converse')!;
    expect(bedrock).toMatchObject({ signal: 'usage', attrs: { modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0', region: 'us-east-1' } });
    expect(bedrock.subject.id).toBe('arn:aws:iam::00000000000:role/private-ec2-instance-role');
    // the only SaaS AI use in these samples is the Gemini-in-Workspace usage report; no other app becomes an AI service
    expect([...new Set(r.findings.filter((f) => f.kind === 'saas-app').map((f) => `${f.service}:${f.value}:${f.subject.id}:${f.signal}`))]).toEqual(['gemini-app:gemini_in_workspace_apps:foo@example.com:usage']);
  });
});

it('ships a demo estate with audit exports from several vendors', async () => {
  const r = await scan([join(process.cwd(), 'fixtures/demo/audit')]);
  expect(r.coverage[0].failed).toEqual([]);
  const vendors = new Set(r.findings.map((f) => String(f.attrs?.vendor ?? 'aws')));
  expect(vendors.size).toBeGreaterThanOrEqual(3);
  expect(r.findings.some((f) => f.service === 'aws-bedrock' && f.attrs?.eventName === 'InvokeModel')).toBe(true);
  for (const u of ['alice', 'bob', 'carol', 'dave']) expect(r.findings.some((f) => f.subject.id === `${u}@demo.example`)).toBe(true);
});
