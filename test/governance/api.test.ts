/**
 * The governance JSON API (bearer tokens, roles enforced) on both backends: read the governance
 * view, override threats, record a treatment, pause; errors are JSON with the right status.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Register } from '../../src/register/register.js';
import { Auth } from '../../src/web/auth.js';
import { createServer } from '../../src/web/server.js';
import { seed, testCatalog, testRules } from '../intake/helpers.js';
import { BACKENDS } from '../register/backends.js';

describe.each(BACKENDS)('governance JSON API on $name', (backend) => {
  let register: Register;
  let app: FastifyInstance;
  let base: string;
  let triager: string;
  let viewer: string;
  let reviewer: string;
  const call = async (token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json(): Promise<any>; text(): Promise<string> }> => {
    const r = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: r.status, json: () => r.json() as Promise<any>, text: () => r.text() };
  };

  beforeAll(async () => {
    await backend.setup();
    register = await seed(await backend.fresh());
    const auth = new Auth(register);
    triager = (await auth.createToken('t', 'triager')).token;
    viewer = (await auth.createToken('v', 'viewer')).token;
    reviewer = (await auth.createToken('r', 'reviewer')).token;
    app = await createServer({ register, rules: testRules(), baseCatalog: testCatalog(), now: () => new Date('2026-04-21T10:00:00Z') });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await register?.close();
    await backend.teardown();
  });

  it('reads and changes governance with role checks and JSON errors', async () => {
    const g = await (await call(viewer, 'GET', '/api/items/svc-otter-ai/governance')).json();
    expect(g.record.threatsSource).toBe('derived');
    expect(g.record.threats.map((t: { threat: string }) => t.threat)).toContain('information-disclosure');
    expect(g.deadlines.triageDue).toMatch(/^2026-04-2/);
    expect((await call(viewer, 'POST', '/api/items/svc-otter-ai/governance/threats', { threats: [], rationale: 'x' })).status).toBe(403);
    const bad = await call(triager, 'POST', '/api/items/svc-otter-ai/governance/threats', { threats: [{ stage: 'deployment', threat: 'phishing', reason: 'x' }], rationale: 'x' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain('unknown STRIDE threat "phishing"');
    const ok = await call(triager, 'POST', '/api/items/svc-otter-ai/governance/threats', { threats: [{ stage: 'operation-and-monitoring', threat: 'elevation-of-privilege', reason: 'calendar scope acts for the user' }], rationale: 'OAuth grant' });
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(body.record.threatsSource).toBe('override');
    expect(body.record.threats).toEqual([{ stage: 'operation-and-monitoring', threat: 'elevation-of-privilege', reason: 'calendar scope acts for the user' }]);
    const risk = (await register.getRisk('svc-otter-ai'))!;
    const tr = await call(triager, 'POST', '/api/items/svc-otter-ai/governance/treatment', { controls: ['A.9.2'], residualLikelihood: 1, residualImpact: 1, reason: 'SSO' });
    expect((await tr.json()).residualScore).toBe(1);
    expect((await call(triager, 'POST', '/api/items/svc-otter-ai/governance/pause', { until: '2026-05-01', reason: 'x' })).status).toBe(403);
    const p = await call(reviewer, 'POST', '/api/items/svc-otter-ai/governance/pause', { until: '2026-05-01', reason: 'recordings under review' });
    expect((await p.json()).pauseActive).toBe(true);
    const squid = await (await call(viewer, 'GET', '/api/blocklist/squid')).text();
    expect(squid).toContain('otter.ai');
    const hist = await register.auditLog({ entityId: risk.id, order: 'asc' });
    expect(hist.map((h) => h.action).filter((a) => a.startsWith('governance.'))).toEqual(['governance.threats-overridden', 'governance.treatment-recorded', 'governance.paused']);
    expect(hist.find((h) => h.action === 'governance.paused')!.actor).toBe('token:r');
    expect((await call(viewer, 'GET', '/api/items/no-such/governance')).status).toBe(404);
    // grouped by stage and threat: the override shows in its cell, with a link to the filtered register
    const m = await (await call(viewer, 'GET', '/governance/threats')).text();
    const cell = (stage: string, threat: string) => new RegExp(`<tr data-stage="${stage}">.*?<td class="num" data-threat="${threat}">(?:<a href="([^"]+)">)?(\\d+)`, 's').exec(m);
    const eop = cell('operation-and-monitoring', 'elevation-of-privilege')!;
    expect(Number(eop[2])).toBeGreaterThanOrEqual(1);
    expect(eop[1]).toBe('/register?status=all&amp;stage=operation-and-monitoring&amp;threat=elevation-of-privilege');
    expect(Number(cell('operation-and-monitoring', 'repudiation')![2])).toBe((await register.listRisks()).length - 1);
    expect(Number(cell('retirement', 'spoofing')![2])).toBe(0);
    const filtered = await (await call(viewer, 'GET', '/register?status=all&stage=operation-and-monitoring&threat=elevation-of-privilege')).text();
    expect(filtered).toContain('Otter.ai');
  });
});
