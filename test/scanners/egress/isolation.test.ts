/**
 * Nothing lost in egress logs: a UTF-8 byte-order mark, a damaged first line and a truncated .gz
 * must not make a readable file unreadable. Every fixture (real formats, fixtures/egress) is
 * damaged and compared with its undamaged scan: the same observations, the damage reported.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../../scanners/egress/parsers/index.js';
import { scannedNothing } from '../../../src/collect/partial.js';
import { FIXTURES, run, runStdin, tmp } from './helpers.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const files = readdirSync(FIXTURES).filter((f) => !f.endsWith('.md') && f !== 'identity.csv').sort();
/** Header-first formats: a garbage line before the header hides the header (reported, not guessed). */
const headerFirst = new Set(['generic.csv']);

const key = (o: { subject: { id: string }; value: string; count?: number }) => `${o.subject.id} ${o.value} ${o.count}`;

describe('egress: byte-order mark and a damaged first line', () => {
  it.each(files)('%s', async (name) => {
    const orig = readFileSync(join(FIXTURES, name));
    const base = await run({ paths: [join(FIXTURES, name)] });
    expect(base.cov.failed).toEqual([]);
    const want = base.obs.map(key).sort();
    const d = tmp('egress-iso-');

    const bom = join(d, `bom-${name}`);
    writeFileSync(bom, Buffer.concat([BOM, orig]));
    const withBom = await run({ paths: [bom] });
    expect(withBom.cov.failed, 'BOM').toEqual([]);
    expect(withBom.obs.map(key).sort(), 'BOM').toEqual(want);
    expect(withBom.cov.problemCount, 'BOM').toBe(base.cov.problemCount);
    expect(detectFormat(orig)?.format).toBe(detectFormat(Buffer.concat([BOM, orig]).subarray(3))?.format);

    const bomStdin = await runStdin(Buffer.concat([BOM, orig]));
    expect(bomStdin.obs.map(key).sort(), 'BOM on stdin').toEqual(want);

    if (headerFirst.has(name)) return;
    const dmg = join(d, `dmg-${name}`);
    writeFileSync(dmg, Buffer.concat([Buffer.from('\u0000garbled by a log shipper \u00ff\n'.replace('\u0000', '')), orig]));
    const damaged = await run({ paths: [dmg] });
    expect(damaged.cov.failed, 'damaged first line').toEqual([]);
    expect(damaged.obs.map(key).sort(), 'damaged first line').toEqual(want);
  });

  it('a JSON-lines log whose first line is null or cut still reads', async () => {
    const lines = readFileSync(join(FIXTURES, 'zscaler-nss-web.jsonl'), 'utf8').split('\n').filter(Boolean);
    const base = await run({ paths: [join(FIXTURES, 'zscaler-nss-web.jsonl')] });
    const p = join(tmp('egress-iso-'), 'z.jsonl');
    writeFileSync(p, ['null', lines[0].slice(0, 40), ...lines].join('\n') + '\n');
    const r = await run({ paths: [p] });
    expect(r.cov.failed).toEqual([]);
    expect(r.obs.map(key).sort()).toEqual(base.obs.map(key).sort());
    expect(r.cov.problemCount).toBeGreaterThanOrEqual(1);
  });

  // found by `npm run fuzz` (seed 1339638210): two copies of a line whose `_path` was damaged
  // outvoted the rest and the file was read as a log type we have no fields for — 0 events, silently
  it('Zeek JSON records with a damaged or unknown _path do not decide how the file is read', async () => {
    const lines = readFileSync(join(FIXTURES, 'zeek-http.json'), 'utf8').split('\n').filter(Boolean);
    const bad = lines[0].replace('"_path": "http"', '"_path": "ittp"');
    expect(bad).not.toBe(lines[0]);
    expect(detectFormat(Buffer.from([bad, bad, ...lines.slice(1)].join('\n') + '\n'))).toEqual({ format: 'zeek-json', kind: 'http' });
    const p = join(tmp('egress-iso-'), 'zh.json');
    writeFileSync(p, [bad, bad, ...lines.slice(1)].join('\n') + '\n');
    const clean = join(tmp('egress-iso-'), 'zc.json');
    writeFileSync(clean, lines.slice(1).join('\n') + '\n');
    const [r, want] = [await run({ paths: [p] }), await run({ paths: [clean] })];
    expect(want.cov.stats.events).toBeGreaterThan(0);
    expect(r.cov.stats.events).toBeGreaterThanOrEqual(want.cov.stats.events!);
  });
});

describe('egress: a truncated .gz is partial, not "nothing scanned"', () => {
  it('keeps the lines read, names the offset, and the run scanned something', async () => {
    const text = readFileSync(join(FIXTURES, 'squid-access.log'), 'utf8');
    const big = Array.from({ length: 300 }, () => text).join('');
    const gz = gzipSync(big);
    const p = join(tmp('egress-iso-'), 'cut.log.gz');
    writeFileSync(p, gz.subarray(0, Math.floor(gz.length / 2)));
    const r = await run({ paths: [p] });
    expect(r.cov.stats.lines).toBeGreaterThan(0);
    expect(r.obs.length).toBeGreaterThan(0);
    expect(r.cov.failed[0].reason).toMatch(/^partial: .*truncated or corrupt gzip after \d+ bytes of content/);
    expect(r.cov.stats['units.partial']).toBe(1);
    expect(scannedNothing(r.coverage)).toBe(false);
  });
});
