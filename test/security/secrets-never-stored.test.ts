/**
 * A planted credential is found, and then the whole key is searched for in the database file
 * (and its WAL), every report format, and everything the CLI printed: it must appear nowhere.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, type Io } from '../../src/cli/main.js';
import { tmpDir } from '../helpers/tmp.js';

function rand(n: number, seed: number, cs = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  let x = seed;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += cs[(x >>> 16) % cs.length];
  }
  return s;
}

const OPENAI = 'sk-proj-' + rand(74, 7, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-') + 'T3BlbkFJ' + rand(74, 9, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-');
const ANTHROPIC = 'sk-ant-api03-' + rand(93, 11, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-') + 'AA';

function capture(): Io & { text: () => string } {
  let buf = '';
  return { out: (s) => void (buf += s), err: (s) => void (buf += s), isTTY: false, text: () => buf };
}

describe('secrets are never stored', () => {
  it('keeps only prefix + last 4 + fingerprint in the DB, every report and the logs', async () => {
    const dir = tmpDir();
    const repo = join(dir, 'leaky-repo');
    mkdirSync(join(repo, 'config'), { recursive: true });
    writeFileSync(join(repo, 'config', 'app.env'), `OPENAI_API_KEY=${OPENAI}\n`);
    writeFileSync(join(repo, 'notes.md'), `temporary: ${ANTHROPIC}\n`);
    writeFileSync(join(repo, 'client.py'), `import openai\nclient = openai.OpenAI(api_key="${OPENAI}")\n`);
    const db = join(dir, 'reg.db');
    const outputs: string[] = [];
    const io = capture();
    for (const format of ['table', 'json', 'csv', 'sarif', 'markdown']) {
      const out = join(dir, `report.${format}`);
      const code = await main(['scan', '--repo', repo, '--db', db, '--format', format, '--output', out, '--quiet'], io);
      expect(code).toBe(0);
      outputs.push(readFileSync(out, 'utf8'));
    }
    for (const args of [['register', 'list', '--db', db, '--status', 'all'], ['register', 'export', '--db', db], ['register', 'export', '--db', db, '--format', 'json'], ['register', 'show', 'svc-openai-api', '--db', db], ['register', 'show', 'svc-openai-api', '--db', db, '--format', 'json']]) {
      expect(await main(args, io)).toBe(0);
    }
    // the credential was found, in redacted form
    const json = JSON.parse(outputs[1]);
    const creds = json.findings.filter((f: { signal: string }) => f.signal === 'credential');
    expect(creds.map((f: { service: string }) => f.service).sort()).toEqual(['anthropic-api', 'openai-api', 'openai-api']);
    for (const c of creds) {
      expect(c.value).toMatch(/^sk-[a-z0-9-]*…[A-Za-z0-9_-]{4}$/);
      expect(c.attrs.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    // the whole key appears nowhere — nor any 24-character run of it beyond the prefix
    const haystacks = [...outputs, io.text()];
    for (const f of readdirSync(dir)) if (f.startsWith('reg.db')) haystacks.push(readFileSync(join(dir, f)).toString('latin1'));
    expect(existsSync(db)).toBe(true);
    for (const key of [OPENAI, ANTHROPIC]) {
      const middle = key.slice(20, 44);
      for (const h of haystacks) {
        expect(h.includes(key)).toBe(false);
        expect(h.includes(middle)).toBe(false);
      }
    }
  });
});
