/**
 * Domain rules that need a URL path, on every host kind. A path rule on a suffix or template host
 * matched in the scanner but lost its path on the way to the finding (the path was kept only for
 * exact hosts), so the finding's lookup, which needs the path, found nothing: such rules never
 * produced a finding. Through the real egress scanner and the real matcher, on a Squid log.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smallIndex } from '../helpers/rules.js';
import { collect } from '../../src/collect/run.js';
import { matchAll } from '../../src/match/match.js';
import { egressScanner } from '../../scanners/egress/index.js';

const RULES: Record<string, string> = {
  // a workspace platform: only its serving endpoints are AI (suffix host + paths)
  't-serving': `id: t-serving
name: Test Serving
vendor: Vendor S
category: llm-api
match:
  domains:
    - suffix: workspaces.example
      shared: true
      paths: ["/serving-endpoints/"]
`,
  // a cloud's cognitive endpoint: any path is the general service, /openai/ is the LLM API
  't-cognitive': `id: t-cognitive
name: Test Cognitive
vendor: Vendor C
category: ml-platform
match:
  domains:
    - suffix: cognitive.example
`,
  't-cognitive-llm': `id: t-cognitive-llm
name: Test Cognitive LLM
vendor: Vendor C
category: llm-api
match:
  domains:
    - template: "{resource}.cognitive.example"
      shared: true
      paths: ["/openai/"]
`,
  't-chat': `id: t-chat
name: Test Chat
vendor: Vendor H
category: chat-assistant
match:
  domains:
    - host: chat.example
      paths: ["/api/"]
`,
};

const line = (t: number, ip: string, method: string, url: string, user: string) => `${t}.123    150 ${ip} TCP_MISS/200 4500 ${method} ${url} ${user} DIRECT/192.0.2.1 application/json`;

const LOG = [
  line(1700000000, '10.0.0.5', 'POST', 'http://dbc-1234.workspaces.example/serving-endpoints/my-llm/invocations', 'alice'),
  line(1700000001, '10.0.0.5', 'GET', 'http://dbc-1234.workspaces.example/login', 'dave'), // not AI: the rule needs its path
  line(1700000002, '10.0.0.6', 'POST', 'http://myres.cognitive.example/openai/deployments/x/chat/completions', 'bob'),
  line(1700000003, '10.0.0.6', 'POST', 'http://myres.cognitive.example/vision/v3.2/analyze', 'erin'),
  line(1700000004, '10.0.0.7', 'GET', 'http://chat.example/api/organizations', 'carol'),
  line(1700000005, '10.0.0.7', 'GET', 'http://chat.example/', 'frank'),
].join('\n') + '\n';

async function servicesByUser(workers: number): Promise<Record<string, string[]>> {
  const dir = mkdtempSync(join(tmpdir(), 'path-rules-log-'));
  const f = join(dir, 'access.log');
  writeFileSync(f, LOG);
  const idx = smallIndex(RULES);
  const r = await collect([{ scanner: egressScanner, options: { paths: [f], workers, parallelMinMiB: 0, chunkMiB: 0.25 } }], { rules: idx, now: () => new Date('2025-03-01T00:00:00Z') });
  const out: Record<string, string[]> = {};
  for (const finding of matchAll(idx, r.observations)) {
    const who = finding.subject?.id ?? '?';
    (out[who] ??= []).push(finding.service);
  }
  for (const v of Object.values(out)) v.sort();
  return out;
}

describe('domain rules with paths, on exact, suffix and template hosts', () => {
  for (const workers of [0, 1]) {
    it(`each path rule yields its finding, and its host without the path does not (workers ${workers})`, async () => {
      const got = await servicesByUser(workers);
      expect(got).toEqual({
        alice: ['t-serving'], // suffix + path
        bob: ['t-cognitive-llm'], // template + path beats the plain suffix of another service
        erin: ['t-cognitive'], // same host, other path: the plain suffix rule
        carol: ['t-chat'], // exact host + path
      });
    });
  }
});
