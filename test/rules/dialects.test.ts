/**
 * API dialects (rules' `dialects`): Azure OpenAI is the OpenAI API under Azure's request contract
 * (`api-key` header, `api-version` query parameter). A repository whose own code speaks the
 * OpenAI API and builds both in source uses Azure OpenAI; the same names in a test file make a
 * candidate; one name alone, names in comments or docs, or both names in code that does not
 * speak the OpenAI API (another Azure REST API) make nothing. Real repo scans through the CLI,
 * the bundled rules, a real SQLite register.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { main, type Io } from '../../src/cli/main.js';
import { loadRules } from '../../src/rules/load.js';
import { tmpDir } from '../helpers/tmp.js';

function io(): Io & { err_: string } {
  const o = { err_: '', isTTY: false } as Io & { err_: string };
  o.out = () => {};
  o.err = (s) => void (o.err_ += s);
  return o;
}

async function itemsOf(files: Record<string, string>): Promise<Map<string, string>> {
  const repo = join(tmpDir(), 'repo');
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, p)), { recursive: true });
    writeFileSync(join(repo, p), c);
  }
  const d = tmpDir();
  const out = join(d, 'r.json');
  const x = io();
  expect(await main(['scan', '--repo', repo, '--db', join(d, 'r.sqlite'), '--format', 'json', '--output', out, '--quiet'], x)).toBe(0);
  const report = JSON.parse(readFileSync(out, 'utf8')) as { items: Array<{ service: string; basis: string }> };
  return new Map(report.items.map((i) => [i.service, i.basis]));
}

// an OpenAI API client in Go (the base URL makes it speak the OpenAI API)
const CLIENT = `package llm

const defaultBaseURL = "https://api.openai.com/v1"

type Client struct{ BaseURL, Key, APIVersion string; Azure bool }
`;
const AZURE_MODE = `package llm

import "net/http"

func (c *Client) decorate(req *http.Request) {
	if c.Azure {
		req.Header.Set("api-key", c.Key)
		q := req.URL.Query()
		q.Add("api-version", c.APIVersion)
		req.URL.RawQuery = q.Encode()
	}
}
`;

describe('API dialects: Azure OpenAI request contract', () => {
  it('the rule names its base API and at least two literals', () => {
    const { services } = loadRules();
    const ids = new Set(services.map((s) => s.id));
    const withDialects = services.filter((s) => s.match.dialects.length);
    expect(withDialects.map((s) => s.id)).toContain('azure-openai');
    for (const s of withDialects) for (const d of s.match.dialects) expect(ids.has(d.of)).toBe(true);
  });

  it('OpenAI API client code that builds the api-key header and api-version parameter uses Azure OpenAI', async () => {
    const items = await itemsOf({ 'go.mod': 'module example.com/llm\n', 'client.go': CLIENT, 'azure.go': AZURE_MODE });
    expect(items.get('openai-api')).toBe('usage');
    expect(items.get('azure-openai')).toBe('usage');
  }, 120_000);

  it('the same names only in a test file: a candidate, not usage', async () => {
    const items = await itemsOf({ 'go.mod': 'module example.com/llm\n', 'client.go': CLIENT, 'azure_test.go': AZURE_MODE.replace('func (c *Client) decorate', 'func testDecorate(c *Client,') .replace('(req *http.Request)', ' req *http.Request)') });
    expect(items.get('openai-api')).toBe('usage');
    expect(items.get('azure-openai')).toBe('candidate');
  }, 120_000);

  it('no evidence: one name alone, names in comments or docs, or another Azure REST API (no OpenAI API)', async () => {
    // api-version alone
    let items = await itemsOf({ 'client.go': CLIENT, 'v.go': 'package llm\n\nfunc v(q map[string]string, v string) { q["api-version"] = v }\n' });
    expect(items.has('azure-openai')).toBe(false);
    // both names in comments only, and in the README
    items = await itemsOf({ 'client.go': CLIENT + '\n// Azure: set the "api-key" header and the "api-version" parameter yourself.\n', 'README.md': 'Azure: send `api-key` and `?api-version=2024-02-01`.\n' });
    expect(items.has('azure-openai')).toBe(false);
    // an Azure AI Search REST client: api-key + api-version, but no OpenAI API in the code
    items = await itemsOf({ 'search.py': 'import requests\n\ndef search(endpoint, key, q):\n    return requests.get(f"{endpoint}/indexes/docs/docs", headers={"api-key": key}, params={"api-version": "2024-07-01", "search": q}).json()\n' });
    expect(items.has('azure-openai')).toBe(false);
  }, 180_000);
});
