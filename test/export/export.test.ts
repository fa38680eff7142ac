import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { Register } from '../../src/register/register.js';
import { commitScan, startRun } from '../../src/register/commit.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { matchAll } from '../../src/match/match.js';
import { redactSecret } from '../../src/core/secrets.js';
import { ANNEX_A } from '../../src/risk/standards.js';
import { loadExportData, renderExport, validateCycloneDx, validateOcsfLines, validateSigmaYaml, sigmaRules, soaRows, type ExportData } from '../../src/export/index.js';
import { validateOcsfEvent } from '../../src/export/ocsf-validate.js';
import { validateSigmaRule } from '../../src/export/sigma-validate.js';
import { smallIndex } from '../helpers/rules.js';
import { obs, cov } from '../helpers/findings.js';
import { tmpDir } from '../helpers/tmp.js';

const GOLDEN = resolve(__dirname, '../golden/export');
const rules = smallIndex();
const NOW = new Date('2026-11-01T10:00:00Z');
const KEY = 'alpha_Q2w3E4r5T6y7U8i9O0p1A2s3D4f5G6h7';

const catalog: Catalog = {
  version: 1,
  organisation: 'Example Org',
  approved: [{ service: 'beta-ai', owner: { business: 'HR' }, approvedBy: 'ciso', approvedOn: '2026-01-01', expires: '2027-01-01', lifecycle: 'active', conditions: { maxDataClassification: 'internal' }, compliance: { controls: ['A.10.3', 'A.9.2'], status: 'compliant' } }],
  declined: [{ service: 'gamma-local', treatment: 'avoid', rationale: 'self-hosted models need review', declinedBy: 'ciso', declinedOn: '2026-02-01', block: true }],
};

async function estate(): Promise<ExportData> {
  const reg = await Register.open(join(tmpDir(), 'r.db'));
  const r = redactSecret(KEY);
  const observations = [
    obs({ kind: 'package', namespace: 'npm', value: 'alpha-ai', locator: 'package.json:4', attrs: { version: '2.1.0' } }),
    obs({ kind: 'credential', value: r.display, signal: 'credential', locator: '.env:1', snippet: `ALPHA_API_KEY=${r.display}`, attrs: { service: 'alpha-ai', pattern: 'alpha-key', fingerprint: r.fingerprint } }),
    obs({ kind: 'host', value: 'app.beta-notes.test', source: 'network', scanner: 'egress', signal: 'usage', confidence: 'inferred', subject: { kind: 'user', id: 'alice@example.test' }, locator: 'proxy.log:10', count: 3, bytesOut: 2048 }),
    obs({ kind: 'container-image', value: 'gamma/gamma:1.0', locator: 'Dockerfile:1' }),
    obs({ kind: 'model-artifact', value: 'tiny', locator: 'models/churn.tiny', artifact: { type: 'model-file', key: 'r1:models/churn.tiny', name: 'churn.tiny' }, attrs: { path: 'models/churn.tiny', bytes: 1024 } }),
  ];
  const runId = await startRun(reg, { scanners: ['repo', 'egress'], startedAt: NOW.toISOString() });
  await commitScan(reg, { runId, findings: matchAll(rules, observations), coverage: [cov('repo', ['r1']), cov('egress', ['proxy.log'])], errors: {}, state: {}, scannerVersions: {}, catalog: catalog, rules, now: NOW });
  const data = await loadExportData(reg, { now: NOW, catalog, rules });
  await reg.close();
  return data;
}

/** Golden files: compared, or rewritten with UPDATE_GOLDEN=1. Run ids and versions are normalised. */
function golden(name: string, text: string): void {
  const norm = text.replace(/run-\d{14}-\d{4}/g, 'run-ID').replace(/"version": "\d+\.\d+\.\d+"/g, '"version": "X"');
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, norm);
  }
  expect(norm, `golden ${name} differs — UPDATE_GOLDEN=1 to regenerate`).toBe(readFileSync(file, 'utf8'));
}

describe('exports, each validated by its owner\'s validator or schema', () => {
  it('CycloneDX 1.6 AI-BOM passes @cyclonedx/cyclonedx-library\'s strict JSON validator', async () => {
    const data = await estate();
    const text = renderExport('cyclonedx', data);
    expect(await validateCycloneDx(text)).toBeNull();
    const bom = JSON.parse(text);
    expect(bom.specVersion).toBe('1.6');
    expect(bom.services.map((s: { name: string }) => s.name).sort()).toEqual(['Alpha AI', 'Beta Meeting Notes', 'Gamma Local Runtime']);
    const beta = bom.services.find((s: { name: string }) => s.name === 'Beta Meeting Notes');
    expect(beta.data[0]).toMatchObject({ flow: 'outbound', classification: 'internal' });
    expect(beta.endpoints).toEqual(['https://app.beta-notes.test']);
    const model = bom.components.find((c: { type: string }) => c.type === 'machine-learning-model');
    expect(model).toMatchObject({ name: 'churn.tiny', supplier: { name: 'Gamma' } });
    const lib = bom.components.find((c: { type: string }) => c.type === 'library');
    expect(lib).toMatchObject({ name: 'alpha-ai', purl: 'pkg:npm/alpha-ai@2.1.0' });
    expect(bom.dependencies.find((d: { ref: string }) => d.ref === model['bom-ref']).dependsOn).toEqual(['svc-gamma-local']);
    expect(text).not.toContain(KEY);
    // the validator is real: a broken BOM fails
    expect(await validateCycloneDx(JSON.stringify({ ...bom, components: [{ type: 'ai-thing', name: 'x' }] }))).not.toBeNull();
    golden('ai-bom.cdx.json', text);
  });

  it('OCSF: Detection Finding 2004 and Cloud Resources Inventory Info 5023 carry every required attribute', async () => {
    const data = await estate();
    const text = renderExport('ocsf', data);
    expect(validateOcsfLines(text)).toEqual([]);
    const events = text.trim().split('\n').map((l) => JSON.parse(l));
    const findings = events.filter((e) => e.class_uid === 2004);
    expect(findings.map((e) => e.finding_info.title).sort()).toEqual(['Declined AI service: Gamma Local Runtime', 'Declined AI system: churn.tiny (Gamma Local Runtime)', 'Unsanctioned AI service: Alpha AI']);
    expect(findings.every((e) => e.type_uid === 200401 && e.category_uid === 2 && e.metadata.version === '1.8.0')).toBe(true);
    expect(events.filter((e) => e.class_uid === 5023)).toHaveLength(data.items.length);
    expect(text).not.toContain(KEY);
    // the validator is real
    const bad = { ...findings[0], type_uid: 200402, finding_info: { title: 'x' } };
    delete (bad as Record<string, unknown>).time;
    expect(validateOcsfEvent(bad)).toEqual(['missing required attribute time', 'type_uid must be class_uid × 100 + activity_id (200401), got 200402', 'missing required attribute finding_info.uid']);
    expect(validateOcsfEvent({ ...events.find((e) => e.class_uid === 5023), resources: undefined })).toContain('at least one of cloud, container, database, databucket, idp, resources, table is required');
    golden('findings.ocsf.jsonl', text);
  });

  it('Sigma rules (proxy and dns) follow the spec and survive a YAML round-trip', async () => {
    const data = await estate();
    const text = renderExport('sigma', data);
    const { rules: parsed, problems } = validateSigmaYaml(text);
    expect(problems).toEqual([]);
    const generated = sigmaRules(rules, { date: '2026-11-01', catalog });
    expect(parsed).toEqual(JSON.parse(JSON.stringify(generated)));
    for (const r of generated) expect(parse(stringify(r))).toEqual(JSON.parse(JSON.stringify(r)));
    const alpha = generated.find((r) => r.logsource.category === 'proxy' && r.tags.includes('shadowscan.alpha-ai'))!;
    expect(alpha.detection).toEqual({ selection_host: { 'cs-host': ['alpha-ai.test', 'api.alpha-ai.test'] }, selection_suffix: { 'cs-host|endswith': ['.alpha-ai.test'] }, condition: '1 of selection_*' });
    expect(generated.find((r) => r.logsource.category === 'dns' && r.tags.includes('shadowscan.beta-ai'))!.detection).toEqual({ selection_query: { query: ['app.beta-notes.test'] }, condition: 'selection_query' });
    expect(parseAllDocuments(text)).toHaveLength(generated.length);
    // the validator is real
    expect(validateSigmaRule({ title: 't', logsource: {}, detection: { sel: { 'a|bogus': 1 }, condition: 'sel and other' } })).toEqual(['logsource: needs at least one of category, product, service', 'detection.sel: unknown modifier "bogus" in a|bogus', 'detection.condition: unknown identifier other']);
    golden('rules.sigma.yml', text);
  });

  it('Statement of Applicability covers all 38 Annex A controls with the evidence for each', async () => {
    const data = await estate();
    const rows = soaRows(data);
    expect(rows.map((r) => r.control)).toEqual(Object.keys(ANNEX_A));
    expect(rows).toHaveLength(38);
    const a103 = rows.find((r) => r.control === 'A.10.3')!;
    expect(a103.evidenceStatus).toBe('evidenced');
    expect(a103.catalogDecisions).toEqual(['approved beta-ai (compliant, expires 2027-01-01)', 'declined gamma-local (avoid, 2026-02-01)']);
    expect(a103.items).toContain('Alpha AI');
    const csv = renderExport('soa-csv', data);
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(39);
    const md = renderExport('soa', data);
    expect(md.split('\n').filter((l) => /^\| A\./.test(l))).toHaveLength(38);
    golden('soa.md', md);
    golden('soa.csv', csv);
  });

  it('risk register CSV', async () => {
    const data = await estate();
    const csv = renderExport('register-csv', data);
    expect(csv.split('\r\n')[0]).toMatch(/^risk_id,title,risk_status,item_id,item_status/);
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(1 + data.risks.length);
    expect(csv).not.toContain(KEY);
    golden('register.csv', csv);
  });
});
