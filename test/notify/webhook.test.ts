import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Register } from '../../src/register/register.js';
import { commitScan, startRun } from '../../src/register/commit.js';
import { EMPTY_CATALOG, type Catalog } from '../../src/catalog/catalog.js';
import { matchAll } from '../../src/match/match.js';
import type { Coverage, Observation } from '../../src/core/types.js';
import { redactSecret } from '../../src/core/secrets.js';
import { recordRunChanges } from '../../src/diff/diff.js';
import { deliver } from '../../src/notify/webhook.js';
import { notifyChanges } from '../../src/notify/notify.js';
import { buildNotice, payloadFor, redactPayload } from '../../src/notify/payload.js';
import { webhookTargetSchema } from '../../src/config.js';
import { smallIndex } from '../helpers/rules.js';
import { obs, cov } from '../helpers/findings.js';
import { tmpDir } from '../helpers/tmp.js';
import { webhookServer } from './helpers.js';

const rules = smallIndex();
const KEY = 'alpha_Q2w3E4r5T6y7U8i9O0p1A2s3D4f5G6h7';
const now = new Date('2026-11-01T10:00:00Z');

async function run(reg: Register, observations: Observation[], coverage: Coverage[], catalog: Catalog = EMPTY_CATALOG) {
  const runId = await startRun(reg, { scanners: ['repo'], startedAt: now.toISOString() });
  const { summary } = await commitScan(reg, { runId, findings: matchAll(rules, observations), coverage, errors: {}, state: {}, scannerVersions: {}, catalog: catalog, rules, now });
  return recordRunChanges(reg, { runId, source: 'repo', scanner: 'repo', status: summary.status, now });
}

/** A credential observation the way the repo scanner emits it: value and snippet already redacted. */
function credential(): Observation {
  const r = redactSecret(KEY);
  return obs({ kind: 'credential', value: r.display, signal: 'credential', locator: '.env:1', snippet: `ALPHA_API_KEY=${r.display}`, attrs: { service: 'alpha-ai', pattern: 'alpha-key', fingerprint: r.fingerprint, unit: 'r1:.env' } });
}

const target = (url: string, extra: Record<string, unknown> = {}) => webhookTargetSchema.parse({ url, ...extra });

describe('webhook delivery', () => {
  it('retries 5xx / 429 with exponential back-off (injected sleep), then succeeds', async () => {
    const hook = await webhookServer([503, 500, 429]);
    const slept: number[] = [];
    const res = await deliver(target(hook.url, { retries: 4 }), '{"a":1}', { sleep: async (ms) => void slept.push(ms), baseDelayMs: 100 });
    await hook.close();
    expect(res).toMatchObject({ ok: true, attempts: 4, status: 200 });
    // 100, 200, then Retry-After: 2 s wins over 400
    expect(slept).toEqual([100, 200, 2000]);
    expect(hook.requests).toHaveLength(4);
    expect(hook.requests.every((r) => r.body === '{"a":1}' && r.headers['content-type'] === 'application/json')).toBe(true);
  });

  it('gives up after `retries`, and does not retry a 4xx', async () => {
    const hook = await webhookServer([500, 500, 500, 500]);
    const slept: number[] = [];
    const res = await deliver(target(hook.url, { retries: 2 }), '{}', { sleep: async (ms) => void slept.push(ms), baseDelayMs: 10 });
    expect(res).toMatchObject({ ok: false, attempts: 3, error: 'HTTP 500' });
    expect(slept).toEqual([10, 20]);
    await hook.close();
    const hook2 = await webhookServer([400]);
    const r2 = await deliver(target(hook2.url), '{}', { sleep: async () => {}, baseDelayMs: 10 });
    expect(r2).toMatchObject({ ok: false, attempts: 1, status: 400 });
    await hook2.close();
  });

  it('retries connection errors', async () => {
    const hook = await webhookServer();
    const url = hook.url;
    await hook.close(); // nothing listens now
    const slept: number[] = [];
    const res = await deliver(target(url, { retries: 1 }), '{}', { sleep: async (ms) => void slept.push(ms), baseDelayMs: 5 });
    expect(res.ok).toBe(false);
    expect(res.attempts).toBe(2);
    expect(slept).toEqual([5]);
  });
});

describe('notifications', () => {
  it('notify new unsanctioned items once, with no secret in any payload format', async () => {
    const reg = await Register.open(join(tmpDir(), 'r.db'));
    // baseline: not notified by default
    const base = await run(reg, [obs({ kind: 'container-image', value: 'gamma/gamma:1', locator: 'Dockerfile:1', attrs: { unit: 'r1:Dockerfile' } })], [cov('repo', ['r1:Dockerfile'])]);
    const hook = await webhookServer();
    const settings = { targets: [target(hook.url, { format: 'json' }), target(hook.url, { format: 'slack', name: 'slack' }), target(hook.url, { format: 'teams', name: 'teams' })], onBaseline: false };
    const r0 = await notifyChanges(reg, settings, base, { rules });
    expect(r0.map((r) => r.skipped)).toEqual(['baseline run', 'baseline run', 'baseline run']);

    const c = await run(reg, [obs({ kind: 'container-image', value: 'gamma/gamma:1', locator: 'Dockerfile:1', attrs: { unit: 'r1:Dockerfile' } }), credential(), obs({ kind: 'env-var', value: 'ALPHA_API_KEY', locator: '.env:1', attrs: { unit: 'r1:.env' } })], [cov('repo', ['r1:Dockerfile', 'r1:.env'])]);
    expect(c.newItems.map((i) => i.service)).toEqual(['alpha-ai']);
    const res = await notifyChanges(reg, settings, c, { rules, sleep: async () => {} });
    expect(res.map((r) => r.sent)).toEqual([true, true, true]);
    expect(hook.requests).toHaveLength(3);
    const redacted = redactSecret(KEY).display;
    for (const r of hook.requests) {
      expect(r.body).not.toContain(KEY);
      expect(r.body).not.toContain(KEY.slice(6, 30));
    }
    const generic = JSON.parse(hook.requests[0].body);
    expect(generic.items).toHaveLength(1);
    expect(generic.items[0]).toMatchObject({ event: 'new-unsanctioned', service: 'alpha-ai', status: 'unsanctioned' });
    // credential evidence present, in redacted form only
    expect(generic.items[0].evidence.find((e: { kind: string }) => e.kind === 'credential').value).toBe(redacted);
    const slack = JSON.parse(hook.requests[1].body);
    expect(slack.text).toContain('1 new unsanctioned AI item');
    expect(slack.blocks[0].type).toBe('header');
    const teams = JSON.parse(hook.requests[2].body);
    expect(teams.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(teams.attachments[0].content.type).toBe('AdaptiveCard');

    // the same change again (e.g. a partial run then a complete one) → not notified twice
    const again = await notifyChanges(reg, settings, c, { rules });
    expect(again.map((r) => r.skipped)).toEqual(['already notified', 'already notified', 'already notified']);
    expect(hook.requests).toHaveLength(3);
    await hook.close();
    await reg.close();
  });

  it('redactPayload removes any secret the rules still recognise (defence in depth)', () => {
    const text = redactPayload({ note: `leaked ALPHA_API_KEY=${KEY} here` }, rules);
    expect(text).not.toContain(KEY);
    expect(text).toContain(redactSecret(KEY).display);
  });

  it('declined services notify on every new subject; filters by event', () => {
    const item = { id: 'svc-x', name: 'X', kind: 'service', service: 'x', vendor: 'V', category: 'llm-api', status: 'declined-but-in-use', statusReason: 'declined', subjects: ['repo:a', 'repo:b'] };
    const c = { runId: 'r', source: 'repo', scanner: 'repo', status: 'complete', at: now.toISOString(), baseline: false, newItems: [], newSubjects: [{ ...item, newSubjects: ['repo:b'] }], statusChanged: [], goneItems: [], goneWithheld: 0, expiringApprovals: [], expiringWithinDays: 30 };
    expect(buildNotice(c, ['declined-in-use'])!.items[0]).toMatchObject({ event: 'declined-in-use', change: 'new-subjects' });
    expect(buildNotice(c, ['new-unsanctioned'])).toBeUndefined();
    expect(JSON.stringify(payloadFor('slack', buildNotice(c, ['declined-in-use'])!))).toContain('New: repo:b');
  });
});
