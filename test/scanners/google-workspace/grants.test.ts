/**
 * Issue 11 item 5 (Google Workspace): every OAuth token grant becomes a finding for the app —
 * in the Reports API's own shape (events array, several events per activity) and its variants
 * (one event as an object, as SIEM exports write it; a grant naming only the client id; an actor
 * known by profile id only; a grant made with a service account key, no user) — plus the admin
 * console's domain-wide delegation and trusted-app events. Revocations are counted, never
 * presence. Pulled by the live `google-workspace` scanner from a loopback Reports API
 * (fixtures/audit-grants/google-*-activities.json; one record verbatim from elastic/integrations).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scannerById } from '../../../scanners/index.js';
import { parseGoogle } from '../../../scanners/audit-export/parsers/google.js';
import { collect, silentLogger } from '../../../src/collect/run.js';
import { matchAll } from '../../../src/match/match.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { startFake } from '../audit-export/fake-saas.js';
import { fakeEnv, liveOptions, setEnv } from '../audit-export/fixtures-data.js';

const { index: rules } = ruleIndex();
const read = (f: string) => (JSON.parse(readFileSync(resolve(__dirname, '../../../fixtures/audit-grants', f), 'utf8')) as { items: Array<Record<string, any>> }).items;
const TOKEN = read('google-token-activities.json');
const ADMIN = read('google-admin-activities.json');

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('google workspace: every token grant is a finding', () => {
  it('pulls token and admin reports and finds each granted AI app, whoever the actor', async () => {
    const s = await startFake({ google: { token: TOKEN, admin: ADMIN, login: [], saml: [] } }, { pageSize: 3 });
    const restore = setEnv(fakeEnv(s.url));
    cleanup.push(() => s.close(), restore);
    const options = { ...(liveOptions('google-workspace', s.url) as Record<string, unknown>), applications: ['token', 'admin'] };
    const r = await collect([{ scanner: scannerById('google-workspace')!, options }], { rules, now: () => new Date('2026-02-01T00:00:00Z'), log: silentLogger, state: {} });
    expect(r.coverage[0].failed).toEqual([]);
    const got = [...new Set(matchAll(rules, r.observations).map((f) => `${f.service} ${f.subject.id} ${f.signal}`))].sort();
    expect(got).toEqual([
      'chatgpt dana@contoso.example presence',
      'claude-ai 110000000000000000003 presence', // actor known by profile id only
      'fireflies frank@contoso.example usage', // token activity
      'notion-ai admin@contoso.example presence', // trusted for the domain by an admin
      'perplexity SYSTEM presence', // granted with a service account key
      'read-ai frank@contoso.example presence', // second event of the same activity
    ]);
    expect(r.coverage[0].stats['events.removal']).toBe(1); // gina's revoke
    // an admin setting change is not an app grant
    expect(r.observations.some((o) => o.attrs?.event === 'CHANGE_APPLICATION_SETTING')).toBe(false);
  });

  it('keeps a grant that names only the client id, and a domain-wide delegation, with their scopes', () => {
    const erin = TOKEN.find((t) => t.actor.email === 'erin@contoso.example')!;
    expect(parseGoogle(erin)).toEqual([expect.objectContaining({ value: '', signal: 'presence', attrs: expect.objectContaining({ clientId: '77-otter.apps.googleusercontent.com', scopes: ['https://www.googleapis.com/auth/calendar.readonly'] }) })]);
    const dwd = ADMIN.find((a) => a.events[0].name === 'AUTHORIZE_API_CLIENT_ACCESS')!;
    expect(parseGoogle(dwd)).toEqual([expect.objectContaining({ signal: 'presence', subject: { kind: 'user', id: 'admin@contoso.example' }, attrs: expect.objectContaining({ clientId: '18-granola.apps.googleusercontent.com', scopes: ['https://www.googleapis.com/auth/calendar.readonly'] }) })]);
  });

  it('reads the verbatim Elastic record (one event as an object, numeric profile id) and the grant variants of other exports', () => {
    const elastic = TOKEN.find((t) => t.id.customerId === 'C02umwv6u')!;
    expect(parseGoogle(elastic)).toEqual([expect.objectContaining({ value: 'Gmail Add-on', signal: 'presence', subject: { kind: 'user', id: 'foo@bar.com' } })]);
    for (const name of ['AUTHORIZE', 'authorise', 'grant', 'consent', 'approve']) {
      const rec = { ...elastic, events: { ...elastic.events, name } };
      expect(parseGoogle(rec)[0]?.signal, name).toBe('presence');
    }
    expect(parseGoogle({ ...elastic, events: { ...elastic.events, name: 'revoke' } })[0]?.removal).toBe(true);
    // no actor at all: the customer still gets the grant
    const { actor: _a, ...noActor } = elastic;
    expect(parseGoogle(noActor)[0]).toMatchObject({ subject: { kind: 'tenant', id: 'C02umwv6u' }, signal: 'presence' });
  });
});
