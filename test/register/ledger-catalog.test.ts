/**
 * The catalog of record, through the CLI on both backends: a scan without --catalog after
 * `catalog import` judges exactly as a scan with the same catalog file; a scan reconciles only the
 * items its own sources cover (items of sources not scanned keep their status and reason); scans
 * with --catalog record a new version only when the file differs; blocklist uses the stored version.
 * Inputs: the demo repositories, egress logs and catalog (fixtures/demo, see its README).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { RegisterStore } from '../../src/register/store.js';
import { tmpDir } from '../helpers/tmp.js';
import { BACKENDS } from './backends.js';

const KEYS = tmpDir('shadowscan-ledger-keys-');
process.env.SHADOWSCAN_AUDIT_KEY_FILE = join(KEYS, 'audit.key');

const REPOS = 'fixtures/demo/repos';
const EGRESS = 'fixtures/demo/egress/access.log';
const CATALOG = 'fixtures/demo/catalog.yaml';
const NOW = '2026-04-21T09:00:00Z';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = { out: '', err: '' };
  const code = await main(args, { out: (s) => (io.out += s), err: (s) => (io.err += s), isTTY: false });
  return { code, ...io };
}

async function statuses(reg: RegisterStore): Promise<Record<string, string>> {
  const page = await reg.queryItems({ status: [], state: 'all' });
  return Object.fromEntries(page.rows.map((r) => [r.id, `${r.status} | ${r.statusReason} | ${r.riskEntryId ?? '-'} | ${r.riskStatus ?? '-'}`]).sort());
}

describe.each(BACKENDS)('catalog of record on $name', (backend) => {
  beforeAll(() => backend.setup(), 120_000);
  afterAll(() => backend.teardown());

  it('a scan without --catalog after catalog import judges as a scan with the file; unscanned sources keep their status', async () => {
    // A: the catalog file on the scan
    const a = await backend.fresh();
    const sa = await run(['scan', '--repo', REPOS, '--egress', EGRESS, '--catalog', CATALOG, '--db', a, '--now', NOW, '--quiet', '--format', 'json']);
    expect(sa.code, sa.err).toBe(0);
    // B: the catalog imported, the scan without --catalog
    const b = await backend.fresh();
    const imp = await run(['catalog', 'import', CATALOG, '--db', b]);
    expect(imp.code, imp.err).toBe(0);
    expect(imp.out).toBe(`${CATALOG}: catalog of record version 1: +approved anthropic-api, github-copilot, openai-api; +declined deepseek\n`);
    const sb = await run(['scan', '--repo', REPOS, '--egress', EGRESS, '--db', b, '--now', NOW, '--quiet', '--format', 'json']);
    expect(sb.code, sb.err).toBe(0);
    const ra = await backend.open(a);
    const rb = await backend.open(b);
    const before = await statuses(rb);
    expect(before).toEqual(await statuses(ra));
    // the statuses are the catalog's, not an empty catalog's
    expect(Object.values(before).some((s) => s.startsWith('declined-but-in-use'))).toBe(true);
    expect(Object.values(before).some((s) => s.startsWith('out-of-scope'))).toBe(true);
    // the scan with the same file as --catalog recorded it once (no second version)
    expect((await ra.auditLog({ entityType: 'catalog', order: 'asc' })).map((e) => [e.action, e.entity_id, e.actor])).toEqual([['catalog.imported', 'v1', 'system:scan']]);
    await ra.close();

    // a new version: ollama (seen only in repos) approved, chatgpt (seen only on the network) declined
    const cat2 = join(tmpDir(), 'catalog-v2.yaml');
    writeFileSync(
      cat2,
      readFileSync(CATALOG, 'utf8').replace(
        'declined:\n',
        'declined:\n  - service: chatgpt\n    treatment: avoid\n    rationale: consumer terms\n    declinedBy: ciso@demo.example\n    declinedOn: 2026-04-01\n',
      ).replace('approved:\n', 'approved:\n  - service: ollama\n    owner: { business: ML lead }\n    approvedBy: ciso@demo.example\n    approvedOn: 2026-04-01\n    expires: 2027-04-01\n    riskTier: 3\n'),
    );
    expect((await run(['catalog', 'import', cat2, '--db', b])).out).toBe(`${cat2}: catalog of record version 2 (was 1): +approved ollama; +declined chatgpt\n`);
    // a scan of the egress logs only, without --catalog
    const se = await run(['scan', '--egress', EGRESS, '--db', b, '--now', NOW, '--quiet', '--format', 'json']);
    expect(se.code, se.err).toBe(0);
    const after = await statuses(rb);
    const items = (await rb.queryItems({ status: [], state: 'all' })).rows;
    const repoOnly = items.filter((i) => i.sources.every((s) => s === 'repo'));
    expect(repoOnly.length).toBeGreaterThan(3);
    // items of sources not scanned keep status, reason and risk entry — ollama stays unsanctioned until a repo scan sees it
    for (const i of repoOnly) expect(after[i.id]).toBe(before[i.id]);
    expect(after['svc-ollama']).toMatch(/^unsanctioned/);
    // the network item is judged against version 2
    expect(after['svc-chatgpt']).toMatch(/^declined-but-in-use/);
    // a repo scan then applies version 2 to the repo items
    expect((await run(['scan', '--repo', REPOS, '--db', b, '--now', NOW, '--quiet', '--format', 'json'])).code).toBe(0);
    expect((await statuses(rb))['svc-ollama']).toMatch(/^sanctioned/);
    // blocklist without --catalog: the stored version (chatgpt and deepseek declined)
    const bl = await run(['blocklist', '--db', b]);
    expect(bl.code, bl.err).toBe(0);
    expect(bl.out).toMatch(/declined services: chatgpt, deepseek/);
    // catalog current names the version of record
    expect((await run(['catalog', 'current', '--db', b])).out).toMatch(/^catalog of record version 2: 4 approved, 2 declined; imported by local-admin at .* from .*catalog-v2\.yaml; \+approved ollama; \+declined chatgpt\n$/);
    // the same file again: unchanged, no entry
    expect((await run(['catalog', 'import', cat2, '--db', b])).out).toMatch(/unchanged — the catalog of record is already version 2/);
    expect((await rb.verifyAudit()).ok).toBe(true);
    await rb.close();
  }, 240_000);

  it('catalog import: an unknown --actor is one line, exit 2, and nothing is recorded', async () => {
    const b = await backend.fresh();
    const r = await run(['catalog', 'import', CATALOG, '--db', b, '--actor', 'mallory']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('shadowscan: --actor mallory: unknown user (expected a web account from `shadowscan user list`, or local-admin)\n');
    const reg = await backend.open(b);
    expect(await reg.auditLog({})).toEqual([]);
    await reg.close();
  });
});
