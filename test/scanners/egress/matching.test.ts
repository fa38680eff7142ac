import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, tmp, byPair, testRules } from './helpers.js';
import { matchAll } from '../../../src/match/match.js';

const sq = (t: number, user: string, method: string, url: string, bytes: number) => `${t}.000    10 10.1.1.9 TCP_MISS/200 ${bytes} ${method} ${url} ${user} HIER_DIRECT/192.0.2.1 -\n`;

describe('egress host matching and attribution', () => {
  it('look-alikes never match; case, trailing dot, port, IDN do', async () => {
    const d = tmp();
    const f = join(d, 'a.log');
    const hosts = ['notopenai.com:443', 'openai.com.evil.net:443', 'xn--openai-xxx.com:443', 'openai.co:443', 'API.OPENAI.COM.:443', 'Api.OpenAI.com:8443', 'bücher-ki.example:443', 'XN--BCHER-KI-65A.EXAMPLE:443', 'www.bücher-ki.example:443', 'chatgpt.com.:443', 'anthropic.com-cdn.example:443', 'a.b.c.otter.ai:443'];
    writeFileSync(f, hosts.map((h, i) => sq(1740787200 + i, 'zoe', 'CONNECT', h, 10)).join(''));
    const p = byPair((await run({ paths: [f] })).obs);
    expect(Object.keys(p).sort()).toEqual([
      'user:zoe a.b.c.otter.ai',
      'user:zoe api.openai.com',
      'user:zoe chatgpt.com',
      'user:zoe www.xn--bcher-ki-65a.example',
      'user:zoe xn--bcher-ki-65a.example',
    ]);
    expect(p['user:zoe api.openai.com'].count).toBe(2);
    expect(p['user:zoe xn--bcher-ki-65a.example'].count).toBe(2);
  });

  it('a shared host matches only on the rule path; path-rule aggregates are separate', async () => {
    const d = tmp();
    const f = join(d, 'a.log');
    writeFileSync(
      f,
      sq(1740787200, 'zoe', 'POST', 'https://api.cloudflare.com/client/v4/accounts/a1/ai/run/x', 100) +
        sq(1740787201, 'zoe', 'POST', 'https://api.cloudflare.com/client/v4/accounts/a1/ai/run/y?q=1', 50) +
        sq(1740787202, 'zoe', 'GET', 'https://api.cloudflare.com/client/v4/zones', 70) +
        sq(1740787203, 'zoe', 'CONNECT', 'api.cloudflare.com:443', 70),
    );
    const r = await run({ paths: [f] });
    expect(r.obs).toHaveLength(1);
    expect(r.obs[0]).toMatchObject({ value: 'api.cloudflare.com', count: 2, bytesIn: 150, attrs: { path: '/client/v4/accounts/a1/ai/run/x' } });
    // the matcher agrees with the scanner
    const f2 = matchAll(testRules(), r.obs);
    expect(f2.map((x) => x.service)).toEqual(['t-edge-ai']);
  });

  it('exact counts and bytes for a (user, service) pair across hosts, days and formats', async () => {
    const d = tmp();
    const csv = join(d, 'fw.csv');
    let body = 'time,user,src_ip,host,bytes_out,bytes_in\n';
    let out = 0;
    let inb = 0;
    for (let i = 0; i < 500; i++) {
      const host = i % 5 === 0 ? 'api.openai.com' : i % 5 === 1 ? 'chatgpt.com' : i % 5 === 2 ? 'notopenai.com' : 'www.example.com';
      const o = 100 + i;
      const n = 1000 + 3 * i;
      if (i % 5 < 2 && i % 2 === 0) {
        // alice's AI rows
      }
      const user = i % 2 === 0 ? 'alice' : 'Bob';
      if (user === 'alice' && i % 5 < 2) {
        out += o;
        inb += n;
      }
      const day = 1 + (i % 3);
      body += `2025-03-0${day}T10:00:${String(i % 60).padStart(2, '0')}Z,${user},10.0.0.${i % 2},${host},${o},${n}\n`;
    }
    writeFileSync(csv, body);
    const r = await run({ paths: [csv] });
    const findings = matchAll(testRules(), r.obs);
    const alice = findings.filter((f) => f.subject.id === 'alice' && f.service === 't-openai');
    expect(alice.map((f) => f.value).sort()).toEqual(['api.openai.com', 'chatgpt.com']);
    expect(alice.reduce((n, f) => n + (f.count ?? 0), 0)).toBe(100); // 200 AI rows, half alice
    expect(alice.reduce((n, f) => n + (f.bytesOut ?? 0), 0)).toBe(out);
    expect(alice.reduce((n, f) => n + (f.bytesIn ?? 0), 0)).toBe(inb);
    for (const f of alice) expect(f.attrs).toMatchObject({ distinctHosts: 2, daysActive: 3 });
    const bob = findings.filter((f) => f.subject.id === 'bob');
    expect(bob[0].subject).toEqual({ kind: 'user', id: 'bob', name: 'Bob' });
    expect(findings.some((f) => f.value === 'notopenai.com')).toBe(false);
  });

  it('output is deterministic and sorted', async () => {
    const d = tmp();
    const f = join(d, 'a.log');
    writeFileSync(f, sq(1740787201, 'zed', 'CONNECT', 'claude.ai:443', 1) + sq(1740787202, 'amy', 'CONNECT', 'claude.ai:443', 1) + sq(1740787203, 'amy', 'CONNECT', 'api.openai.com:443', 1));
    const a = (await run({ paths: [f] })).obs;
    const b = (await run({ paths: [f] })).obs;
    expect(a).toEqual(b);
    expect(a.map((o) => `${o.subject.id} ${o.value}`)).toEqual(['amy api.openai.com', 'amy claude.ai', 'zed claude.ai']);
  });
});
