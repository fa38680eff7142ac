import { describe, expect, it } from 'vitest';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { Observation } from '../../../src/core/types.js';
import { MAX_RESOLVERS } from '../../../scanners/egress/engine.js';
import { run, tmp } from './helpers.js';


/** Order-independent digest of observations (sorted JSON lines). */
function digest(obs: Observation[]): string {
  const lines = obs.map((o) => JSON.stringify(o)).sort();
  const h = createHash('sha256');
  for (const l of lines) h.update(l + '\n');
  return h.digest('hex');
}

describe('egress worker threads', () => {
  it('chunked parallel parsing gives exactly the main-thread result (line numbers, bytes, problems)', async () => {
    const d = tmp();
    const f = join(d, 'big.log');
    const hosts = ['api.openai.com', 'www.example.com', 'claude.ai', 'notopenai.com', 'cdn.example.net', 'huggingface.co'];
    let s = '';
    for (let i = 0; i < 40_000; i++) {
      if (i % 9973 === 5) s += 'garbage line\n';
      s += `${1740787200 + i}.${String(i % 1000).padStart(3, '0')}    10 10.0.${i % 7}.1 TCP_TUNNEL/200 ${i % 5000} CONNECT ${hosts[i % hosts.length]}:443 ${['alice', 'bob', '-'][i % 3]} HIER_DIRECT/192.0.2.1 -\n`;
    }
    writeFileSync(f, s);
    writeFileSync(join(d, 'old.log.1.gz'), gzipSync(s.slice(0, 100_000)));
    const serial = await run({ paths: [d], workers: 0 });
    const parallel = await run({ paths: [d], workers: 2, parallelMinMiB: 0, chunkMiB: 0.25 });
    expect(parallel.errors).toEqual({});
    expect(parallel.obs).toEqual(serial.obs);
    expect(parallel.cov.problems).toEqual(serial.cov.problems);
    expect(parallel.cov.problemCount).toBe(serial.cov.problemCount);
    expect(parallel.cov.stats.lines).toBe(serial.cov.stats.lines);
    expect(parallel.nextState).toEqual(serial.nextState);
  }, 60_000);

  // A range holding hundreds of thousands of distinct user × host pairs once exhausted a worker's
  // 48 MB heap ("JS heap out of memory", exit 2). Workers now hand their aggregates to the main
  // thread in batches (spillAggs, default 20 000), with their heap limit computed from that bound.
  it('a range with 160,000 distinct user × host pairs goes through a worker, same result as the main thread', async () => {
    const d = tmp();
    const f = join(d, 'wide.log');
    const fd = openSync(f, 'w');
    const N = 320_000;
    for (let i = 0; i < N; i += 10_000) {
      let s = '';
      for (let k = i; k < i + 10_000; k++) s += `${1740787200 + (k >> 4)}.${String(k % 1000).padStart(3, '0')}      5 10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255} TCP_TUNNEL/200 ${k % 9000} CONNECT r${k % 7919}.openai.azure.com:443 person${k} HIER_DIRECT/192.0.2.1 -\n`;
      writeSync(fd, s);
    }
    closeSync(fd);
    // two ranges of ~17 MiB: the main thread takes the first, the worker the second
    const parallel = await run({ paths: [f], workers: 1, parallelMinMiB: 0, chunkMiB: 17 });
    expect(parallel.errors).toEqual({});
    expect(parallel.cov.failed ?? []).toEqual([]);
    expect(parallel.obs.length).toBe(N);
    const serial = await run({ paths: [f], workers: 0 });
    expect(serial.obs.length).toBe(N);
    expect(digest(parallel.obs)).toBe(digest(serial.obs));
    expect(parallel.cov.stats).toEqual(serial.cov.stats);
  }, 300_000);
});

describe('egress bounded sets count their overflow', () => {
  it('DNS servers past the bound of remembered resolvers are counted (resolversDropped), the events still land', async () => {
    const d = tmp();
    const f = join(d, 'dns.log');
    const extra = 37;
    let s = '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#open\t2025-03-01-00-00-00\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\n';
    for (let i = 0; i < MAX_RESOLVERS + extra; i++) {
      // every query names a different DNS server
      s += `${1740787200 + i}.000000\tC${i}\t10.9.0.1\t5353\t172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}\t53\tudp\t${i}\t0.01\tapi.openai.com\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t1.2.3.4\t60.0\tF\n`;
    }
    writeFileSync(f, s);
    const r = await run({ paths: [f], workers: 0 });
    expect(r.errors).toEqual({});
    expect(r.cov.stats.resolversDropped).toBe(extra);
    expect(r.cov.stats.events).toBe(MAX_RESOLVERS + extra);
  }, 60_000);
});
