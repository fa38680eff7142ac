/**
 * The registry matches the folders on disk, and every scanner passes one shared conformance
 * suite: metadata, options validation, deterministic output, coverage always returned, a unit's
 * failure reported (not thrown), abort honoured, and no AI vendor names in scanner code.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { scanners } from '../../scanners/index.js';
import { collect } from '../../src/collect/run.js';
import { RecordingSink } from '../../src/collect/sink.js';
import { ruleIndex } from '../../src/rules/load.js';
import { silentLogger } from '../../src/collect/run.js';
import { cases } from './conformance-cases.js';
import type { Observation, ScannerModule } from '../../src/core/types.js';

const ROOT = join(process.cwd(), 'scanners');
const folders = readdirSync(ROOT).filter((f) => !f.startsWith('_') && statSync(join(ROOT, f)).isDirectory()).sort();
const { index: rules } = ruleIndex();

/** Vendor / product names that must not appear in scanner code: scanners know sources, not AI. */
const VENDOR_WORDS = ['openai', 'anthropic', 'claude', 'gemini', 'mistral', 'cohere', 'huggingface', 'hugging face', 'ollama', 'deepseek', 'chatgpt', 'copilot', 'perplexity', 'midjourney', 'otter.ai', 'fireflies', 'cursor.sh', 'langchain'];

function codeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...codeFiles(p));
    else if (/\.(ts|mts|js)$/.test(e.name) && !/\.test\.ts$/.test(e.name)) out.push(p);
  }
  return out;
}

async function run(s: ScannerModule, options: unknown, signal?: AbortSignal) {
  const r = await collect([{ scanner: s, options }], { rules, now: () => new Date('2026-11-28T00:00:00Z'), signal, log: silentLogger, state: {} });
  return r;
}

const stable = (o: Observation[]) => JSON.stringify(o);

describe('scanner registry', () => {
  it('lists exactly the folders on disk', () => {
    expect(scanners.map((s) => s.id).sort()).toEqual(folders);
  });
  it('has unique ids, in sorted order', () => {
    const ids = scanners.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort());
  });
  it('has a conformance case for every scanner', () => {
    expect(Object.keys(cases).sort()).toEqual(folders);
  });
});

for (const s of scanners) {
  describe(`conformance: ${s.id}`, () => {
    const c = cases[s.id];
    it('metadata', () => {
      expect(s.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(['cloud', 'saas', 'repo', 'network']).toContain(s.source);
      expect(s.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(s.title.length).toBeGreaterThan(3);
      expect(Array.isArray(s.tags)).toBe(true);
      expect(s.optionsSchema.safeParse({ definitelyNotAnOption: 1 }).success).toBe(false);
      expect(readFileSync(join(ROOT, s.id, 'README.md'), 'utf8').length).toBeGreaterThan(200);
    });
    it('names no AI vendor in its code (scanners know sources, not AI)', () => {
      const allowed = new Set((c?.allowedWords ?? []).map((w) => w.toLowerCase()));
      const offenders: string[] = [];
      for (const f of codeFiles(join(ROOT, s.id))) {
        const text = readFileSync(f, 'utf8').toLowerCase();
        for (const w of VENDOR_WORDS) if (!allowed.has(w) && text.includes(w)) offenders.push(`${f.slice(ROOT.length + 1)}: ${w}`);
      }
      expect(offenders).toEqual([]);
    });
    it('is deterministic and always returns coverage', async () => {
      const input = await c.ok();
      try {
        const a = await run(s, input.options);
        const b = await run(s, input.options);
        expect(a.errors).toEqual({});
        expect(a.coverage).toHaveLength(1);
        expect(a.coverage[0].scanner).toBe(s.id);
        expect(a.coverage[0].scanned).toBeGreaterThan(0);
        expect(a.observations.length).toBeGreaterThan(0);
        for (const o of a.observations) {
          expect(o.scanner).toBe(s.id);
          expect(['repo', 'network', 'saas', 'cloud']).toContain(o.source);
          expect(o.locator.length).toBeGreaterThan(0);
          expect(['presence', 'usage', 'credential']).toContain(o.signal);
          expect(['declared', 'inferred']).toContain(o.confidence);
        }
        expect(stable(b.observations)).toBe(stable(a.observations));
        expect(JSON.stringify(b.coverage)).toBe(JSON.stringify(a.coverage));
      } finally {
        await input.close?.();
      }
    });
    it("reports a unit's failure instead of throwing", async () => {
      const input = await c.failingUnit();
      try {
        const r = await run(s, input.options);
        expect(r.errors).toEqual({});
        expect(r.coverage[0].failed.length).toBeGreaterThan(0);
        expect(r.coverage[0].scanned).toBeGreaterThan(0);
      } finally {
        await input.close?.();
      }
    });
    it('honours abort', async () => {
      const input = await c.ok();
      try {
        const ac = new AbortController();
        ac.abort();
        const sink = new RecordingSink(s.id, () => {});
        const opts = s.optionsSchema.parse(input.options);
        const t0 = Date.now();
        let threw = false;
        try {
          await s.scan({ options: opts, rules, signal: ac.signal, now: () => new Date(), log: silentLogger, state: { get: () => undefined, set: () => {} }, full: false }, sink);
        } catch {
          threw = true;
        }
        const full = await run(s, input.options);
        expect(threw || sink.coverage().scanned < full.coverage[0].scanned).toBe(true);
        expect(Date.now() - t0).toBeLessThan(30_000);
      } finally {
        await input.close?.();
      }
    });
  });
}
