/**
 * Egress scanner benchmark: generates a ≥ 1 GB Squid access.log and a ≥ 1 GB Zeek ssl.log with a
 * realistic host mix (about 5 % AI hosts taken from the rules, the rest ordinary sites, CDNs and
 * look-alikes; 2 000 users), then times in the same run, on the same (page-cached) file:
 *   - `rg -F -c -f <every domain in the rules>` (the yardstick),
 *   - `shadowscan --version` (process start-up), and
 *   - the whole process: `shadowscan scan --egress FILE --db … --format json --output …` as a
 *     child process from start to exit, its register commit included (wall, CPU, peak RSS).
 * --times K: also scan a file of K copies of the Squid log (10 GB at K = 10; written by
 * concatenation, deleted afterwards) for the peak RSS at that size.
 * Usage: node bin/run-ts.mjs bench/egress.ts [--size-mb 1024] [--workers N] [--runs 2] [--times 0]
 * Writes bench/results/egress.md.
 */
import { existsSync, mkdirSync, openSync, writeSync, closeSync, statSync, writeFileSync, renameSync, readFileSync, rmSync, copyFileSync, appendFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { loadRules } from '../src/rules/load.js';
import { RuleIndex } from '../src/rules/compile.js';
import { RecordingSink } from '../src/collect/sink.js';
import { scanEgress } from '../scanners/egress/scan.js';
import { arg, timed } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '..');
const DATA = join(here, '.data');

function rules(): RuleIndex {
  const l = loadRules();
  return new RuleIndex(l.services, l.modelFormats);
}

// ---------------------------------------------------------------- child: run the scanner once
async function child(file: string, workers: number | undefined): Promise<void> {
  const r = rules();
  let obs = 0;
  const sink = new RecordingSink('egress', () => obs++);
  const store: Record<string, unknown> = {};
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const cov = await scanEgress(
    {
      options: workers === undefined ? { paths: [file] } : { paths: [file], workers },
      rules: r,
      signal: new AbortController().signal,
      now: () => new Date(),
      log: { debug() {}, info() {}, warn() {} },
      state: { get: (k) => store[k] as never, set: (k, v) => void (store[k] = v) },
      full: true,
    },
    sink,
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(); // whole process: worker threads included
  process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, obs, stats: cov.stats, failed: cov.failed, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}

// ---------------------------------------------------------------- data generation
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function aiHosts(r: RuleIndex): string[] {
  const out = new Set<string>();
  for (const d of r.domainRules()) {
    if (d.paths?.length) continue;
    if (d.kind === 'host') out.add(d.pattern);
    else if (d.kind === 'suffix') {
      out.add(d.pattern);
      out.add(`api.${d.pattern}`);
      out.add(`www.${d.pattern}`);
    } else out.add(d.pattern.replace(/\{[^}]*\}/g, 'contoso'));
  }
  return [...out].filter((h) => r.hostCandidate(h));
}

function normalHosts(rand: () => number): string[] {
  const tlds = ['com', 'net', 'org', 'io', 'co.uk', 'de', 'fr'];
  const words = ['news', 'shop', 'cdn', 'static', 'mail', 'api', 'img', 'video', 'docs', 'login', 'telemetry', 'ads', 'update', 'files', 'assets', 'edge'];
  const out: string[] = [];
  for (let i = 0; i < 20000; i++) {
    const w = words[Math.floor(rand() * words.length)];
    const t = tlds[Math.floor(rand() * tlds.length)];
    out.push(rand() < 0.4 ? `${w}${i % 97}.site${i}.${t}` : `${w}.brand${i}.${t}`);
  }
  // look-alikes that must not match
  out.push('notopenai.com', 'openai.com.evil.net', 'claude.ai.example.org', 'xanthropic.com', 'huggingface.co.phish.io');
  return out;
}

function generate(kind: 'squid' | 'zeek', file: string, sizeMb: number, r: RuleIndex): void {
  const target = sizeMb * 1024 * 1024;
  if (existsSync(file) && statSync(file).size >= target) return;
  mkdirSync(dirname(file), { recursive: true });
  const rand = rng(kind === 'squid' ? 42 : 7);
  const ai = aiHosts(r);
  const normal = normalHosts(rand);
  // popularity: a few sites get most traffic (Zipf-like)
  const pickNormal = () => normal[Math.floor(normal.length * Math.pow(rand(), 3))];
  const users = Array.from({ length: 2000 }, (_, i) => `user${i}`);
  const tmp = file + '.tmp';
  const fd = openSync(tmp, 'w');
  let written = 0;
  let t = 1740787200;
  let n = 0;
  if (kind === 'zeek') {
    const hdr =
      '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tssl\n#open\t2025-03-01-00-00-00\n' +
      '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tcurve\tserver_name\tresumed\tlast_alert\tnext_protocol\testablished\tssl_history\tcert_chain_fps\tclient_cert_chain_fps\tsni_matches_cert\tvalidation_status\tja3\tja3s\n' +
      '#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tbool\tstring\tstring\tbool\tstring\tvector[string]\tvector[string]\tbool\tstring\tstring\tstring\n';
    written += writeSync(fd, hdr);
  }
  const uidChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  while (written < target) {
    let chunk = '';
    for (let k = 0; k < 20000; k++) {
      n++;
      if (rand() < 0.3) t++;
      // 2 000 clients (user + IP); each uses its own 1–3 AI hosts
      const c = Math.floor(rand() * users.length);
      const host = rand() < 0.05 ? ai[(c * 7 + Math.floor(rand() * 3)) % ai.length] : pickNormal();
      const ip = `10.${c >> 8}.${c & 255}.${1 + (c % 200)}`;
      const ms = String(Math.floor(rand() * 1000)).padStart(3, '0');
      if (kind === 'squid') {
        const user = rand() < 0.85 ? users[c] : '-';
        const bytes = Math.floor(rand() * 200000);
        const el = String(Math.floor(rand() * 30000)).padStart(6, ' ');
        if (rand() < 0.6) chunk += `${t}.${ms} ${el} ${ip} TCP_TUNNEL/200 ${bytes} CONNECT ${host}:443 ${user} HIER_DIRECT/203.0.113.${n % 250} -\n`;
        else chunk += `${t}.${ms} ${el} ${ip} TCP_MISS/200 ${bytes} GET http://${host}/path/${n % 9973}/index.html?id=${n} ${user} HIER_DIRECT/203.0.113.${n % 250} text/html\n`;
      } else {
        let uid = 'C';
        for (let q = 0; q < 17; q++) uid += uidChars[Math.floor(rand() * 62)];
        chunk += `${t}.${ms}${ms}\t${uid}\t${ip}\t${40000 + (n % 20000)}\t198.51.100.${n % 250}\t443\tTLSv13\tTLS_AES_256_GCM_SHA384\tx25519\t${host}\tF\t-\th2\tT\tCsiI\t-\t-\t-\t-\te0ff89ed9185dfb09184797a4c3f2e1c\t15af977ce25de452b96affa2addb1036\n`;
      }
    }
    written += writeSync(fd, chunk);
  }
  if (kind === 'zeek') writeSync(fd, '#close\t2025-03-02-00-00-00\n');
  closeSync(fd);
  renameSync(tmp, file);
}

function domainsFile(r: RuleIndex): string {
  const set = new Set<string>();
  for (const d of r.domainRules()) {
    if (d.kind === 'template') {
      // the literal tail after the last placeholder (rg -F cannot express placeholders)
      const labels = d.pattern.split('.');
      let k = labels.length;
      while (k > 0 && !labels[k - 1].includes('{')) k--;
      const tail = labels.slice(k).join('.');
      if (tail) set.add(tail);
    } else set.add(d.pattern);
  }
  const f = join(DATA, 'domains.txt');
  writeFileSync(f, [...set].sort().join('\n') + '\n');
  return f;
}

// ---------------------------------------------------------------- main
interface Whole {
  ms: number;
  cpuMs: number;
  rss: number;
  stats: Record<string, number>;
  findings: number;
}

async function wholeProcess(file: string, workers: number | undefined): Promise<Whole> {
  const db = join(DATA, 'egress-bench.db');
  const out = join(DATA, 'egress-bench.json');
  rmSync(db, { force: true });
  rmSync(out, { force: true });
  const t = await timed(process.execPath, [join(ROOT, 'bin/shadowscan.mjs'), 'scan', '--egress', file, '--db', db, '--format', 'json', '--output', out, '--quiet', ...(workers === undefined ? [] : ['--egress-workers', String(workers)])]);
  if (t.code !== 0 && t.code !== 1) throw new Error(`shadowscan failed (${t.code}): ${t.stderr}`);
  const rep = JSON.parse(readFileSync(out, 'utf8')) as { coverage: Array<{ scanner: string; stats: Record<string, number> }>; findings: unknown[] };
  const stats = rep.coverage.find((c) => c.scanner === 'egress')?.stats ?? {};
  rmSync(out, { force: true });
  return { ms: t.ms, cpuMs: t.cpuMs, rss: t.maxRssMb, stats, findings: rep.findings.length };
}

async function main(): Promise<void> {
  const ci = process.argv.indexOf('--child');
  // --workers N: passed as --egress-workers N; absent: the scanner's default
  const wi = process.argv.indexOf('--workers');
  const workers = wi >= 0 ? Number(process.argv[wi + 1]) : undefined;
  if (ci >= 0) return child(process.argv[ci + 1], workers);
  const sizeMb = arg('size-mb', 1024);
  const runs = arg('runs', 2);
  const times = arg('times', 0);
  const label = workers === undefined ? `default (${availableParallelism() >= 2 ? 1 : 0} worker + main thread)` : workers === 0 ? 'main thread only' : `${workers} workers + main thread`;
  const r = rules();
  mkdirSync(DATA, { recursive: true });
  const files: Array<[string, string]> = [['squid', join(DATA, `squid-${sizeMb}mb.log`)], ['zeek', join(DATA, `zeek-ssl-${sizeMb}mb.log`)]];
  for (const [k, f] of files) {
    const t0 = performance.now();
    generate(k as 'squid' | 'zeek', f, sizeMb, r);
    console.error(`${k}: ${f} (${(statSync(f).size / 2 ** 20).toFixed(0)} MiB) ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const domains = domainsFile(r);
  const load0 = loadavg()[0];
  const rows: string[] = [];
  const details: string[] = [];
  const measure = async (k: string, f: string, n: number) => {
    const mb = statSync(f).size / 2 ** 20;
    execSync(`cat ${JSON.stringify(f)} > /dev/null`); // warm the page cache for both contenders
    let rg: Awaited<ReturnType<typeof timed>> | undefined;
    let start: Awaited<ReturnType<typeof timed>> | undefined;
    let best: Whole | undefined;
    for (let i = 0; i < n; i++) {
      const t = await timed('rg', ['-F', '-c', '-f', domains, f]);
      if (!rg || t.ms < rg.ms) rg = t;
      const v = await timed(process.execPath, [join(ROOT, 'bin/shadowscan.mjs'), '--version']);
      if (!start || v.ms < start.ms) start = v;
      const w = await wholeProcess(f, workers);
      if (!best || w.ms < best.ms) best = w;
      console.error(`${k} run ${i + 1}: shadowscan ${(w.ms / 1000).toFixed(1)} s (cpu ${(w.cpuMs / 1000).toFixed(1)} s, ${w.rss.toFixed(0)} MB), rg ${(t.ms / 1000).toFixed(2)} s, --version ${(v.ms / 1000).toFixed(2)} s`);
    }
    const net = Math.max(1, best!.ms - start!.ms);
    const sMbs = mb / (best!.ms / 1000);
    const rgMbs = mb / (rg!.ms / 1000);
    const name = k === 'squid' ? 'Squid access.log' : k === 'zeek' ? 'Zeek ssl.log (TSV)' : k;
    rows.push(`| ${name} | ${mb.toFixed(0)} | ${(best!.stats.lines ?? 0).toLocaleString('en')} | ${(best!.ms / 1000).toFixed(1)} s | ${(best!.cpuMs / 1000).toFixed(1)} s | ${best!.rss.toFixed(0)} | ${(start!.ms / 1000).toFixed(2)} s | ${(rg!.ms / 1000).toFixed(2)} s | ${(rg!.cpuMs / 1000).toFixed(1)} s | **${(sMbs / rgMbs).toFixed(2)}×** | **${(rg!.ms / net).toFixed(2)}×** | **${(rg!.cpuMs / best!.cpuMs).toFixed(2)}×** |`);
    details.push(`- ${name}, ${mb.toFixed(0)} MiB: ${(best!.stats.events ?? 0).toLocaleString('en')} AI events → ${(best!.stats.observations ?? 0).toLocaleString('en')} (subject, host) observations → ${best!.findings.toLocaleString('en')} findings committed; ${best!.stats.malformed ?? 0} malformed; rg matching lines: ${rg!.stdout.trim()}.`);
  };
  for (const [k, f] of files) await measure(k, f, runs);
  if (times > 1) {
    const big = join(DATA, `squid-${sizeMb * times}mb-concat.log`);
    console.error(`writing ${big} (${times} copies)`);
    copyFileSync(files[0][1], big);
    for (let i = 1; i < times; i++) appendFileSync(big, readFileSync(files[0][1]));
    try {
      await measure(`Squid access.log × ${times} (concatenated copies)`, big, 1);
    } finally {
      rmSync(big, { force: true });
    }
  }
  const load1 = loadavg()[0];
  const free = execSync('free -g').toString().trim();
  const cpu = cpus()[0]?.model ?? 'unknown';
  const md = `# Egress scanner benchmark (whole process)

Command: \`node bin/run-ts.mjs bench/egress.ts --size-mb ${sizeMb}${workers === undefined ? '' : ` --workers ${workers}`} --runs ${runs}${times ? ` --times ${times}` : ''}\` (best of ${runs}; files page-cached before timing), run on ${new Date().toISOString().slice(0, 10)}.

Whole process: \`shadowscan scan --egress FILE --db DB --format json --output OUT --quiet\` (threads: ${label}) as a child process from start to exit — start-up, parse, match, reconcile, the SQLite register commit and the JSON report; wall, CPU (user+sys, all threads) and peak RSS from GNU time. \`shadowscan --version\` in the same run is the start-up (the compiled build in \`dist/\`); "without start-up" subtracts it. The machine is shared: the CPU ratio (rg CPU / shadowscan CPU, user+sys of all threads) is the steadier figure; rg uses one thread on one file, shadowscan two (the default worker and the main thread), so on an idle machine the wall ratio is about twice the CPU ratio, minus the fixed costs (start-up, commit, report).

Machine: ${cpus().length} vCPU (\`nproc\` = ${availableParallelism()}), ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}; load average at start ${load0.toFixed(1)}, at end ${load1.toFixed(1)} (other sessions share this machine: wall figures are pessimistic; the ratio is taken in the same run).

\`\`\`
${free}
\`\`\`

Inputs (generated, \`bench/.data/\`, gitignored): about 5 % of lines go to AI hosts drawn from the bundled rules (${r.domainRules().length} domain rules; ${aiHosts(r).length} AI host names), the rest to 20 000 ordinary hosts with a Zipf-like popularity, plus look-alikes (\`notopenai.com\`, \`openai.com.evil.net\` …); 2 000 users (each with its own 1–3 AI hosts), 85 % of Squid lines authenticated. The yardstick is \`rg -F -c -f bench/.data/domains.txt FILE\` (every domain pattern of the rules; template rules contribute their literal tail).

| Log | MiB | Lines | shadowscan wall | shadowscan CPU | peak RSS (MB) | --version | rg wall | rg CPU | Ratio rg / shadowscan (wall) | Ratio without start-up | Ratio by CPU |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

${details.join('\n')}

Note: rg only counts lines containing a domain substring (it matches look-alikes too and does no attribution); the scanner parses every line, normalises the host, matches at label boundaries, attributes to a user / IP, sums bytes and commits the findings.
`;
  mkdirSync(join(here, 'results'), { recursive: true });
  const outFile = join(here, 'results', workers === undefined ? 'egress.md' : `egress-workers-${workers}.md`);
  const prev = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
  const profile = /\n## Profile[\s\S]*$/.exec(prev)?.[0] ?? '';
  writeFileSync(outFile, md + profile);
  console.log(md);
}

await main();
