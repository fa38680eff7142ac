import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { run, tmp } from './helpers.js';

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
});
