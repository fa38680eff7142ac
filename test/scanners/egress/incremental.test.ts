import { describe, expect, it } from 'vitest';
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { run, tmp, byPair } from './helpers.js';

const line = (t: number, user: string, host: string, bytes = 100) => `${t}.000    10 10.1.1.1 TCP_TUNNEL/200 ${bytes} CONNECT ${host}:443 ${user} HIER_DIRECT/192.0.2.1 -\n`;
function lines(n: number, t0: number, host = 'api.openai.com'): string {
  let s = '';
  for (let i = 0; i < n; i++) s += line(t0 + i, 'alice', i % 3 === 0 ? host : 'www.example.org', 10);
  // 200 lines of padding so the head (4 KiB) is stable
  return s;
}

describe('egress incremental re-scan (state persisted between collect() runs)', () => {
  it('an appended file: the re-scan reads only the new bytes; the same data never counts twice', async () => {
    const d = tmp();
    const f = join(d, 'access.log');
    writeFileSync(f, lines(300, 1740787200));
    const r1 = await run({ paths: [f] });
    expect(byPair(r1.obs)['user:alice api.openai.com'].count).toBe(100);
    // nothing new: no observation, file still covered
    const r2 = await run({ paths: [f] }, { state: r1.nextState });
    expect(r2.obs).toEqual([]);
    expect(r2.cov.units).toEqual([f]);
    appendFileSync(f, lines(30, 1740800000));
    const r3 = await run({ paths: [f] }, { state: r2.nextState });
    const o = byPair(r3.obs)['user:alice api.openai.com'];
    expect(o.count).toBe(10);
    expect(r3.cov.stats.lines).toBe(30);
    expect(o.locator).toBe(`${f}:301`); // line numbers stay absolute
    // --full re-reads everything
    const r4 = await run({ paths: [f] }, { state: r3.nextState, full: true });
    expect(byPair(r4.obs)['user:alice api.openai.com'].count).toBe(110);
  });

  it('rotation: renamed file keeps its offset, the new file is read from 0, a later .gz of it is not re-read', async () => {
    const d = tmp();
    const f = join(d, 'access.log');
    writeFileSync(f, lines(300, 1740787200));
    const r1 = await run({ paths: [join(d, 'access.log*')] });
    expect(byPair(r1.obs)['user:alice api.openai.com'].count).toBe(100);
    // more lines land in the old file, then it is rotated and a new one starts
    appendFileSync(f, lines(6, 1740790000));
    renameSync(f, join(d, 'access.log.1'));
    writeFileSync(f, lines(300, 1740900000, 'claude.ai'));
    const r2 = await run({ paths: [join(d, 'access.log*')] }, { state: r1.nextState });
    const p2 = byPair(r2.obs);
    expect(p2['user:alice api.openai.com'].count).toBe(2); // only the 6 appended lines of the rotated file
    expect(p2['user:alice claude.ai'].count).toBe(100); // the new file, from 0
    // logrotate compresses access.log.1 → access.log.2.gz: same content, nothing new
    writeFileSync(join(d, 'access.log.2.gz'), gzipSync(readFileSync(join(d, 'access.log.1'))));
    renameSync(join(d, 'access.log.1'), join(d, 'gone'));
    writeFileSync(join(d, 'gone'), '');
    const r3 = await run({ paths: [join(d, 'access.log*')] }, { state: r2.nextState });
    expect(r3.obs).toEqual([]);
    // and a gzip seen once is skipped as unchanged
    const r4 = await run({ paths: [join(d, 'access.log*')] }, { state: r3.nextState });
    expect(r4.obs).toEqual([]);
    expect(r4.cov.skipped.map((s) => s.reason)).toEqual(['unchanged since the last scan (same content identity)']);
  });

  it('copytruncate (same path, new content) is read from 0', async () => {
    const d = tmp();
    const f = join(d, 'access.log');
    writeFileSync(f, lines(300, 1740787200));
    const r1 = await run({ paths: [f] });
    writeFileSync(f, lines(30, 1750000000, 'claude.ai'));
    const r2 = await run({ paths: [f] }, { state: r1.nextState });
    expect(byPair(r2.obs)['user:alice claude.ai'].count).toBe(10);
    expect(byPair(r2.obs)['user:alice api.openai.com']).toBeUndefined();
  });

  it('Zeek TSV appended after a re-scan keeps its #fields header', async () => {
    const d = tmp();
    const f = join(d, 'ssl.log');
    const hdr = '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tssl\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tserver_name\n#types\ttime\tstring\taddr\tport\taddr\tport\tstring\n';
    const row = (i: number, h: string) => `17407872${String(i).padStart(2, '0')}.000000\tC${i}\t10.0.0.1\t5000\t192.0.2.1\t443\t${h}\n`;
    writeFileSync(f, hdr + row(1, 'api.openai.com'));
    const r1 = await run({ paths: [f] });
    expect(byPair(r1.obs)['ip:10.0.0.1 api.openai.com'].count).toBe(1);
    appendFileSync(f, row(2, 'api.openai.com') + row(3, 'claude.ai'));
    const r2 = await run({ paths: [f] }, { state: r1.nextState });
    expect(r2.cov.problemCount).toBe(0);
    expect(byPair(r2.obs)['ip:10.0.0.1 api.openai.com'].count).toBe(1);
    expect(byPair(r2.obs)['ip:10.0.0.1 claude.ai'].count).toBe(1);
  });
});
