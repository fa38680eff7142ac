/** Conformance-suite inputs for the audit scanners (spread into test/scanners/conformance-cases.ts). */
import { join } from 'node:path';
import type { ConformanceCase } from '../conformance-cases.js';
import { startFake, type Fault } from './fake-saas.js';
import { FIX, fakeData, fakeEnv, liveOptions, setEnv } from './fixtures-data.js';

async function live(id: string, tweak: (o: Record<string, unknown>, url: string) => void = () => {}, faults: Fault[] = []) {
  const srv = await startFake(fakeData(), { faults });
  const restore = setEnv(fakeEnv(srv.url));
  const options = liveOptions(id, srv.url);
  tweak(options, srv.url);
  return { options, close: async () => { restore(); await srv.close(); } };
}

export const auditCases: Record<string, ConformanceCase> = {
  'audit-export': {
    ok: async () => ({ options: { paths: [FIX] } }),
    failingUnit: async () => ({ options: { paths: [join(FIX, 'okta-system-log.json'), join(FIX, 'does-not-exist.json')] } }),
    // The AI platforms' own logs are sources here (OpenAI Admin audit log, Anthropic Compliance
    // activity, Azure OpenAI diagnostic logs): their parsers name the format they read, as the
    // Okta parser names Okta. Which AI service an event is evidence of still comes from the rules.
    allowedWords: ['openai', 'anthropic', 'claude', 'chatgpt'],
  },
  'google-workspace': {
    ok: () => live('google-workspace'),
    failingUnit: () => live('google-workspace', (o) => { o.applications = ['token', 'no_such_report']; }),
  },
  okta: {
    ok: () => live('okta'),
    failingUnit: () => live('okta', (o, url) => { o.orgUrls = [url, `${url}/broken`]; }),
  },
  'github-audit': {
    ok: () => live('github-audit'),
    failingUnit: () => live('github-audit', (o) => { o.orgs = ['demo-org', 'missing-org']; }),
  },
  'slack-audit': {
    ok: () => live('slack-audit'),
    failingUnit: () => live('slack-audit', (o) => { o.actions = ['app_installed', 'not.an_action']; }),
  },
  entra: {
    ok: () => live('entra'),
    failingUnit: () => live('entra', () => {}, [{ match: /servicePrincipals/, kind: '500' }]),
  },
  cloudtrail: {
    ok: () => live('cloudtrail'),
    failingUnit: () => live('cloudtrail', (o) => { o.trails = [{ bucket: 'demo-trail-bucket', prefix: 'AWSLogs/' }, { bucket: 'missing-bucket' }]; }),
  },
};
