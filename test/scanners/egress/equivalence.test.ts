/**
 * Equivalence of the egress scanner across its optimisations: the observations, problems, stats
 * and stored state of the corpus fixtures and of a generated log (many users and hosts,
 * malformed lines, denied requests, a Zeek ssl + conn join) are compared, as sorted JSON, with
 * golden files written by the scanner before the per-thread aggregation landed
 * (fixtures/egress-equivalence/*.json.gz, regenerate with UPDATE_GOLDEN=1 only after a deliberate change
 * of what the scanner reports). Each input is scanned in the main thread alone, with worker
 * threads and small ranges, and with worker threads that hand their aggregates to the main thread
 * in small batches (spillAggs) — all must give the golden result.
 */
import { describe, expect, it } from 'vitest';
import { goldenGz } from '../../helpers/golden-gz.js';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { EgressOptions } from '../../../scanners/egress/options.js';
import { CORPUS, FIXTURES, ROOT, run, tmp } from './helpers.js';

const GOLDEN = join(ROOT, 'fixtures/egress-equivalence');

/** Numerical Recipes LCG: deterministic, good enough to pick users and hosts. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** A Squid access.log and a Zeek ssl.log + conn.log with the cardinality of a small organisation. */
function generated(): string {
  const d = tmp('egress-equiv-');
  const r = rng(20261207);
  const ai = ['api.openai.com', 'chatgpt.com', 'claude.ai', 'api.anthropic.com', 'otter.ai', 'huggingface.co', 'cdn-lfs.huggingface.co', 'bücher-ki.example'];
  const other = ['www.example.com', 'notopenai.com', 'openai.com.evil.net', 'cdn.example.net', 'api.cloudflare.com', 'mail.example.org'];
  const host = (u: number) => {
    const x = r();
    if (x < 0.04) return `res${u % 97}.openai.azure.com`;
    if (x < 0.3) return ai[(u * 3 + Math.floor(r() * 3)) % ai.length];
    return other[Math.floor(r() * other.length)];
  };
  let squid = '';
  let t = 1740787200;
  for (let i = 0; i < 30_000; i++) {
    if (r() < 0.4) t += 7;
    const u = Math.floor(r() * 400);
    const ip = `10.1.${u >> 4}.${u & 15}`;
    const user = r() < 0.8 ? `user${u}` : r() < 0.5 ? '-' : `CORP%5CUser${u}`;
    const h = host(u);
    const x = r();
    if (x < 0.002) squid += 'this is not a squid line\n';
    else if (x < 0.004) squid += `${t}.123 5 ${ip} TCP_DENIED/407 0 CONNECT ${h}:443 - HIER_NONE/- -\n`;
    else if (x < 0.01) squid += `${t}.123 5 ${ip} TCP_DENIED/403 0 CONNECT ${h}:443 ${user} HIER_NONE/- -\r\n`;
    else if (x < 0.02) squid += `${t}.500 120 ${ip} TCP_MISS/200 812 POST https://api.cloudflare.com/client/v4/accounts/a${u % 5}/ai/run ${user} HIER_DIRECT/203.0.113.9 application/json\n`;
    else if (x < 0.6) squid += `${t}.${String(i % 1000).padStart(3, '0')} ${String(i % 30000).padStart(6, ' ')} ${ip} TCP_TUNNEL/200 ${Math.floor(r() * 90000)} CONNECT ${h}:443 ${user} HIER_DIRECT/203.0.113.${i % 250} -\n`;
    else squid += `${t}.${String(i % 1000).padStart(3, '0')} ${String(i % 300).padStart(6, ' ')} ${ip} TCP_MISS/200 ${Math.floor(r() * 90000)} GET http://${h}/p/${i % 13}?q=${i} ${user} HIER_DIRECT/203.0.113.${i % 250} text/html\n`;
  }
  writeFileSync(join(d, 'access.log'), squid + `${t}.999 5 10.9.9.9 TCP_MISS/200 10 GET http://claude.ai/last user9`); // unterminated last line
  const hdr = (path: string, fields: string[]) => `#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t${path}\n#open\t2025-03-01-00-00-00\n#fields\t${fields.join('\t')}\n#types\t${fields.map(() => 'string').join('\t')}\n`;
  let ssl = hdr('ssl', ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'version', 'server_name', 'established']);
  let conn = hdr('conn', ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes']);
  for (let i = 0; i < 12_000; i++) {
    const u = Math.floor(r() * 300);
    const uid = `C${i.toString(36)}x${u}`;
    const ts = `${1740787200 + i * 3}.${String(i % 1000000).padStart(6, '0')}`;
    if (r() < 0.003) ssl += 'garbage\tline\n';
    ssl += `${ts}\t${uid}\t10.2.${u >> 4}.${u & 15}\t${40000 + (i % 9999)}\t198.51.100.${i % 250}\t443\tTLSv13\t${host(u)}\tT\n`;
    if (r() < 0.7) conn += `${ts}\t${uid}\t10.2.${u >> 4}.${u & 15}\t${40000 + (i % 9999)}\t198.51.100.${i % 250}\t443\ttcp\tssl\t1.5\t${Math.floor(r() * 5000)}\t${Math.floor(r() * 50000)}\n`;
  }
  writeFileSync(join(d, 'ssl.log'), ssl + '#close\t2025-03-02-00-00-00\n');
  writeFileSync(join(d, 'conn.log'), conn);
  return d;
}

/** Files of a folder, recursively, in a stable order. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else if (!n.endsWith('.md')) out.push(p);
  }
  return out;
}

type Result = Awaited<ReturnType<typeof run>>;

/** What must not change, with machine-dependent parts out: paths relative, state timestamps dropped, sorted. */
function normal(r: Result, base: string): unknown {
  const rel = (s: string) => s.split(base + '/').join('').split(ROOT + '/').join('');
  const obs = r.obs.map((o) => JSON.parse(rel(JSON.stringify(o))) as Record<string, unknown>);
  obs.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  const state = ((r.nextState.egress?.files as Array<Record<string, unknown>>) ?? []).map(({ seen: _seen, ...e }) => ({ ...e, path: rel(String(e.path)) }));
  state.sort((a, b) => (String(a.path) < String(b.path) ? -1 : 1));
  return {
    observations: obs,
    problems: JSON.parse(rel(JSON.stringify(r.cov.problems))),
    problemCount: r.cov.problemCount,
    stats: r.cov.stats,
    failed: JSON.parse(rel(JSON.stringify(r.cov.failed ?? []))),
    state,
  };
}

function golden(name: string, value: unknown): void {
  goldenGz(GOLDEN, name, value);
}

const MODES: Array<[string, Partial<EgressOptions>]> = [
  ['main thread', { workers: 0 }],
  ['2 workers, 64 KiB ranges', { workers: 2, parallelMinMiB: 0, chunkMiB: 1 / 16 }],
  ['2 workers, aggregates handed over 50 at a time', { workers: 2, parallelMinMiB: 0, chunkMiB: 1 / 16, spillAggs: 50 } as Partial<EgressOptions>],
];

describe('egress equivalence with the golden results', () => {
  it.each(MODES)('generated Squid + Zeek ssl/conn logs (%s)', async (_label, opts) => {
    const d = generated();
    const r = await run({ paths: [d], ...opts }, { full: true });
    expect(r.obs.length).toBeGreaterThan(1000);
    golden('generated', normal(r, d));
  }, 120_000);

  // one pool start per file: the corpus runs in the main thread and in the mode that exercises the most
  it.each([MODES[0], MODES[2]])('corpus and fixture files, one scan per file (%s)', async (_label, opts) => {
    const all: Record<string, unknown> = {};
    for (const f of [...filesUnder(CORPUS), ...filesUnder(FIXTURES)]) {
      const r = await run({ paths: [f], ...opts }, { full: true });
      all[relative(ROOT, f)] = normal(r, ROOT);
    }
    golden('corpus', all);
  }, 120_000);
});
