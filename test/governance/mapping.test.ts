/**
 * The lifecycle / STRIDE mapping is rules data: every evidence kind the scanners can produce has
 * one, and each kind's examples derive exactly what the data file says.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveThreats, formatThreatLines, LIFECYCLE_STAGES, loadThreatMap, parseThreatLines, STRIDE, threatMap, UnmappedKindError } from '../../src/governance/mapping.js';

const ROOT = resolve(__dirname, '../..');

/** The ObservationKind union, read from the type the scanners are compiled against. */
function observationKinds(): string[] {
  const src = readFileSync(join(ROOT, 'src/core/types.ts'), 'utf8');
  const m = /export type ObservationKind =([^;]+);/.exec(src);
  if (!m) throw new Error('ObservationKind not found in src/core/types.ts');
  return [...m[1].matchAll(/'([a-z-]+)'/g)].map((x) => x[1]);
}

/** Kinds of observation literals the scanners emit (`kind: 'x'` next to `signal:` in scanners/). */
function emittedKinds(): Set<string> {
  const out = new Set<string>();
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/kind:\s*'([a-z-]+)'[^\n]{0,200}signal:/g)) out.add(m[1]);
    }
  };
  walk(join(ROOT, 'scanners'));
  return out;
}

describe('lifecycle and STRIDE mapping (rules/governance/threats.yaml)', () => {
  const map = threatMap();
  const kinds = observationKinds();

  it('lists the seven ISO/IEC 22989 stages and the six STRIDE categories', () => {
    expect(kinds.length).toBeGreaterThanOrEqual(13);
    expect(map.stages).toEqual([...LIFECYCLE_STAGES]);
    expect(map.threats).toEqual([...STRIDE]);
  });

  it('has a mapping for every evidence kind the scanners produce, and none for kinds that do not exist', () => {
    const missing = kinds.filter((k) => !map.kinds[k]);
    expect(missing, `kinds without a lifecycle / STRIDE mapping: ${missing.join(', ')}`).toEqual([]);
    expect(Object.keys(map.kinds).filter((k) => !kinds.includes(k))).toEqual([]);
    const emitted = [...emittedKinds()].filter((k) => kinds.includes(k));
    expect(emitted.length).toBeGreaterThan(5);
    for (const k of emitted) expect(map.kinds[k], k).toBeDefined();
  });

  for (const kind of observationKinds()) {
    it(`derives the documented stages and threats for ${kind} evidence`, () => {
      const k = map.kinds[kind];
      expect(k.examples.length).toBeGreaterThan(0);
      for (const ex of k.examples) {
        const got = deriveThreats([{ ...ex.finding!, kind }], { status: 'sanctioned' }, map);
        expect(got.map((t) => `${t.stage}/${t.threat}`)).toEqual(ex.expect);
        for (const r of ex.reasons ?? []) expect(got.map((t) => t.reason).join(' | ')).toContain(r);
        for (const t of got) expect(t.reason.length).toBeGreaterThan(20);
      }
    });
  }

  it('adds the item-level threats (no decision on record → repudiation) from the item status', () => {
    for (const ex of map.item.examples) {
      expect(deriveThreats([], ex.item!, map).map((t) => `${t.stage}/${t.threat}`)).toEqual(ex.expect);
    }
    // a key committed in code of an unsanctioned item: disclosure at development, spoofing and repudiation in operation
    const got = deriveThreats([{ kind: 'credential', signal: 'credential', category: 'llm-api' }], { status: 'unsanctioned' }, map);
    expect(got.map((t) => `${t.stage}/${t.threat}`)).toEqual(['design-and-development/information-disclosure', 'operation-and-monitoring/spoofing', 'operation-and-monitoring/repudiation']);
  });

  it('refuses an evidence kind without a mapping instead of dropping it', () => {
    expect(() => deriveThreats([{ kind: 'telepathy', signal: 'usage', category: 'llm-api' }], { status: 'unsanctioned' }, map)).toThrow(UnmappedKindError);
  });

  it('reports a broken mapping file with its path and the field', () => {
    const dir = resolve(ROOT, 'test/governance/fixtures');
    expect(() => loadThreatMap(join(dir, 'bad-threats.yaml'))).toThrow(/bad-threats\.yaml: invalid threat mapping: kinds\.host\.rules\.0\.threat/);
  });

  it('parses and formats triage override lines, naming a bad line', () => {
    const ts = parseThreatLines('operation-and-monitoring/denial-of-service: quota shared with production\ninception/spoofing: consumer accounts look like the tenant\n');
    expect(ts.map((t) => t.stage)).toEqual(['inception', 'operation-and-monitoring']);
    expect(parseThreatLines(formatThreatLines(ts))).toEqual(ts);
    expect(() => parseThreatLines('inception/spoofing: ok\ndeployment/phishing: no')).toThrow(/line 2: unknown STRIDE threat "phishing"/);
    expect(() => parseThreatLines('testing/spoofing: x')).toThrow(/line 1: unknown lifecycle stage "testing"/);
    expect(() => parseThreatLines('deployment/tampering')).toThrow(/needs a reason/);
  });
});

describe('deriveThreats skips facts that cannot add anything (equivalence)', () => {
  /** The derivation without the skip: every fact meets every rule of its kind (the reference). */
  function reference(facts: Array<{ kind: string; signal: string; category: string; bytesOut?: number }>, status: string) {
    const map = threatMap();
    const out = new Map<string, { stage: string; threat: string; reasons: string[] }>();
    const holds = (w: any, f: any) =>
      !w || ((!w.signal || w.signal.includes(f.signal)) && (!w.category || w.category.includes(f.category ?? '')) && (w.minBytesOut === undefined || (f.bytesOut ?? 0) >= w.minBytesOut) && (!w.status || w.status.includes(f.status ?? '')));
    const add = (r: { stage: string; threat: string; reason: string }) => {
      const e = out.get(`${r.stage}/${r.threat}`) ?? { stage: r.stage, threat: r.threat, reasons: [] };
      if (!e.reasons.includes(r.reason)) e.reasons.push(r.reason);
      out.set(`${r.stage}/${r.threat}`, e);
    };
    const fileOrder = [...Object.values(map.kinds).flatMap((k) => k.rules), ...map.item.rules].map((r) => r.reason);
    for (const f of facts) for (const r of map.kinds[f.kind].rules) if (holds(r.when, f)) add(r);
    for (const r of map.item.rules) if (holds(r.when, { status })) add(r);
    return [...out.values()]
      // reasons in the mapping file's order (evidence kinds, then the item rules)
      .map((e) => ({ stage: e.stage, threat: e.threat, reason: [...e.reasons].sort((a, b) => fileOrder.indexOf(a) - fileOrder.indexOf(b)).join('; ') }))
      .sort((a, b) => LIFECYCLE_STAGES.indexOf(a.stage as never) - LIFECYCLE_STAGES.indexOf(b.stage as never) || STRIDE.indexOf(a.threat as never) - STRIDE.indexOf(b.threat as never));
  }

  it('gives what every fact against every rule gives, on random evidence (fast-check)', () => {
    const map = threatMap();
    const kinds = Object.keys(map.kinds);
    // the categories and byte thresholds the rules name, and some they do not
    const cats = [...new Set(Object.values(map.kinds).flatMap((k) => k.rules.flatMap((r) => r.when?.category ?? []))), 'none-such'];
    const bytes = [...new Set(Object.values(map.kinds).flatMap((k) => k.rules.map((r) => r.when?.minBytesOut).filter((b): b is number => b !== undefined)))];
    const fact = fc.record({
      kind: fc.constantFrom(...kinds),
      signal: fc.constantFrom('presence', 'usage', 'credential'),
      category: fc.constantFrom(...cats),
      bytesOut: fc.option(fc.oneof(fc.constantFrom(0, ...bytes, ...bytes.map((b) => b - 1)), fc.nat()), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(fact, { maxLength: 40 }), fc.constantFrom('unsanctioned', 'sanctioned', 'declined-but-in-use'), (facts, status) => {
        expect(deriveThreats(facts, { status })).toEqual(reference(facts, status));
      }),
      { numRuns: 400 },
    );
    // the same evidence in any order gives the same threats and reasons, word for word (a re-scan
    // reading its sources in another order must not rewrite the stored derivation)
    fc.assert(
      fc.property(fc.array(fact, { maxLength: 40 }).chain((fs) => fc.tuple(fc.constant(fs), fc.shuffledSubarray(fs, { minLength: fs.length, maxLength: fs.length }))), ([facts, shuffled]) => {
        expect(deriveThreats(shuffled, { status: 'unsanctioned' })).toEqual(deriveThreats(facts, { status: 'unsanctioned' }));
      }),
      { numRuns: 400 },
    );
  });
});
