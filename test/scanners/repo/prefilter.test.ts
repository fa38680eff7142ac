import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuleIndex } from '../../../src/rules/compile.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { serviceSchema } from '../../../src/rules/schema.js';
import fc from 'fast-check';
import { isKeywordToken } from '../../../src/rules/compile.js';
import { ANCHOR_KINDS, AnchorSet, CREDENTIAL_KIND, anchorsOf, decodeEscapes, isTokenAt, prefilter, ruleAnchors, structuredKinds } from '../../../scanners/repo/prefilter.js';
import { ROOT, filesUnder, rmTree, runScan, testRules, tree } from './helpers.js';


const b = (s: string) => Buffer.from(s, 'utf8');

describe('anchor set (Aho-Corasick over case-folded bytes)', () => {
  it('finds any anchor anywhere, ASCII case folded, and nothing else', () => {
    const a = new AnchorSet(['abcd', 'bce', 'x.io', 'Q_Key']);
    expect(a.test(b('zzabce'))).toBe(true); // the failure link from abc to bc
    expect(a.test(b('ABCD'))).toBe(true);
    expect(a.test(b('https://API.X.IO/v1'))).toBe(true);
    expect(a.test(b('q_KEY='))).toBe(true);
    expect(a.test(b('abc bcd x-io q-key'))).toBe(false);
    expect(a.test(b(''))).toBe(false);
    // anchors holding another anchor are dropped (the shorter one answers for both)
    expect(new AnchorSet(['openai', 'api.openai.com', 'x']).anchors.map((a) => a.text)).toEqual(['x', 'openai']);
    // … of the same kind only: a host anchor holding an import anchor is kept
    expect(new AnchorSet([{ text: 'openai', kind: 'imports' }, { text: 'api.openai.com', kind: 'hosts' }]).anchors.map((a) => a.text)).toEqual(['openai', 'api.openai.com']);
  });

  it('matches a brute-force search on random texts', () => {
    const alphabet = 'abAB._-xyz';
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    const word = (len: number) => Array.from({ length: len }, () => alphabet[rnd(alphabet.length)]).join('');
    for (let round = 0; round < 200; round++) {
      const anchors = Array.from({ length: 1 + rnd(6) }, () => word(1 + rnd(4)));
      const set = new AnchorSet(anchors);
      const text = word(rnd(40));
      const expected = anchors.some((x) => text.toLowerCase().includes(x.toLowerCase()));
      expect(set.test(b(text)), `${JSON.stringify(anchors)} in ${text}`).toBe(expected);
    }
  });

  it('reports the kinds of the anchors found', () => {
    const a = new AnchorSet(
      [
        { text: 'acme_key', kind: 'env-vars' },
        { text: 'api.acme.test', kind: 'hosts' },
        { text: 'acmesdk', kind: 'imports' },
      ],
      [{ text: 'ax', kind: 'imports' }],
    );
    const { imports, hosts } = ANCHOR_KINDS;
    expect(a.kinds(b('x = getenv("ACME_KEY")'))).toBe(ANCHOR_KINDS['env-vars']);
    expect(a.kinds(b('import acmesdk; fetch("https://api.acme.test")'))).toBe(imports | hosts);
    expect(a.kinds(b('import ax'))).toBe(imports);
    expect(a.kinds(b('max'))).toBe(0);
    // wanting only imports: the search stops at the first import anchor
    expect(a.kinds(b('import acmesdk; fetch("https://api.acme.test")'), imports)).toBe(imports);
    expect(a.kinds(b('fetch("https://api.acme.test"); import acmesdk'), imports)).toBe(imports | hosts);
    expect(a.present).toBe(imports | hosts | ANCHOR_KINDS['env-vars']);
  });

  it('short words count only as whole words', () => {
    const a = new AnchorSet([], ['ai']);
    expect(a.test(b(`import { x } from 'ai';`))).toBe(true);
    expect(a.test(b('import AI.sub'))).toBe(true);
    expect(a.test(b('main(); email; ai_x; x_ai; ai2'))).toBe(false);
  });

  it('the bundled rules give ASCII anchors of every gated kind', () => {
    const rules = ruleIndex().index;
    const { anchors, words } = ruleAnchors(rules);
    const set = anchorsOf(rules);
    expect(anchors.length).toBeGreaterThan(100);
    expect(set.anchors.length).toBeGreaterThan(50);
    for (const a of [...set.anchors.map((x) => x.text), ...set.words]) expect(a).toMatch(/^[\x20-\x7e]+$/);
    // every env-var name, domain and contract literal of the rules is found by the set
    for (const s of rules.services) {
      for (const v of s.match.envVars) expect(set.test(b(`x = getenv("${v.replace('*', 'X')}")`)), v).toBe(true);
      for (const d of s.match.domains) if (d.host) expect(set.test(b(`"https://${d.host}/v1"`)), d.host).toBe(true);
    }
    expect(words.every((w) => w.text.length < 4)).toBe(true);
    expect(set.present).toBe(63 | CREDENTIAL_KIND); // every kind, and the credential keywords
  });
});

describe('prefilter', () => {
  const rules = testRules();
  it('passes files holding a rule literal, or what could make one: URL host placeholders, the Kelvin sign', () => {
    const { imports, hosts } = ANCHOR_KINDS;
    expect(prefilter(rules, b('const x = 1;\n')).kinds).toBe(0);
    // the variable's name holds the import segment `acme_llm` (from the pypi package) too
    expect(prefilter(rules, b('x = os.getenv("ACME_LLM_API_KEY")')).kinds).toBe(ANCHOR_KINDS['env-vars'] | imports);
    expect(prefilter(rules, b('u = "https://api.acme-llm.test/v1"')).kinds & hosts).toBe(hosts);
    expect(prefilter(rules, b('const u = "https://${region}.example.org/v1"')).kinds).toBe(hosts);
    expect(prefilter(rules, b('import \u212a')).kinds & imports).toBe(imports);
    expect(prefilter(rules, b('key: "a\\x41"')).escapes).toBe(true);
    expect(prefilter(rules, b('key: a')).escapes).toBe(false);
  });

  it('structured parsers: with backslashes, the literals of the escape-decoded text count too, and only those', () => {
    const env = ANCHOR_KINDS['env-vars'];
    const sk = (t: string) => structuredKinds(rules, prefilter(rules, b(t)), t) & env;
    expect(decodeEscapes('"\\x41\\u0042\\U00000043\\/\\\\ \\n" "ab\\\n    cd"')).toBe('"ABC/\\ \n" "abcd"');
    for (const t of ['- "\\x41CME_LLM_API_KEY"', '{"e": "\\u0041CME_LLM_API_KEY"}', '- "ACME_LLM_\\\n   API_KEY"', 'ENV ACME_LLM_\\\nAPI_KEY=1']) expect(sk(t), t).toBe(env);
    // a backslash alone no longer sends the file to the structured parsers (it did: escapes => run)
    for (const t of ['dir: "C:\\\\tmp\\nlogs"', 're: "\\\\d+"', 'x: "\\u0041BC"']) expect(sk(t), t).toBe(0);
  });

  it('a scan gives the same observations and coverage with and without it (every fixture, both rule sets)', async () => {
    const roots = [join(ROOT, 'fixtures'), join(ROOT, 'scanners')];
    let compared = 0;
    let skipped = 0;
    for (const rules of [testRules(), ruleIndex().index]) {
      for (const root of roots) {
        const off = await runScan({ paths: [root], workers: 0 }, { rules, deps: { prefilter: false } });
        const on = await runScan({ paths: [root], workers: 0 }, { rules, deps: { prefilter: true } });
        compared += off.observations.length;
        expect(JSON.stringify(on.observations)).toBe(JSON.stringify(off.observations));
        skipped += on.coverage.stats.prefilterSkippedParsers ?? 0;
        delete on.coverage.stats.prefilterSkippedParsers;
        expect(JSON.stringify(on.coverage)).toBe(JSON.stringify(off.coverage));
      }
    }
    expect(compared).toBeGreaterThan(300);
    expect(skipped).toBeGreaterThan(100);
  }, 240_000);

  it('gated values written with escapes or placeholders are still found', async () => {
    const gw = serviceSchema.parse({ id: 'acme-gw', name: 'Acme GW', vendor: 'Acme', category: 'llm-api', references: [], match: { domains: [{ host: 'x.acme-gw.test' }] } });
    const rules = new RuleIndex([...testRules().services, gw], []);
    const root = tree({
      // YAML decodes \x41 to A: ACME_LLM_API_KEY, whose literal is not in the bytes
      'app.yaml': 'env:\n  - "\\x41CME_LLM_API_KEY"\n',
      // JSON \u escapes, a YAML escaped line break inside the name (and TOML \U: not an env var there, on or off)
      'env.json': '{"env": ["\\u0041CME_LLM_API_KEY"]}\n',
      'cfg.toml': 'key = "\\U00000041CME_LLM_API_KEY"\n',
      'split.yaml': 'env:\n  - "ACME_LLM_\\\n     API_KEY"\n',
      // a backslash that decodes to nothing a rule names: the structured parsers are skipped
      'paths.yaml': 'dir: "C:\\\\tmp\\nlogs"\nre: "\\\\d+"\n',
      // the placeholder label becomes `x`: x.acme-gw.test
      'client.ts': 'const u = `https://${tenant}.acme-gw.test/v1`;\n',
    });
    let on, off;
    try {
      on = await runScan({ paths: [root], workers: 0 }, { rules, deps: { prefilter: true } });
      off = await runScan({ paths: [root], workers: 0 }, { rules, deps: { prefilter: false } });
    } finally {
      rmTree(root);
    }
    expect(off.observations.map((o) => `${o.kind}:${o.value}@${o.locator}`).sort()).toEqual([
      'env-var:ACME_LLM_API_KEY@app.yaml:2', 'env-var:ACME_LLM_API_KEY@env.json:1', 'env-var:ACME_LLM_API_KEY@split.yaml:2', 'url:https://x.acme-gw.test/v1@client.ts:1',
    ].sort());
    expect(JSON.stringify(on.observations)).toBe(JSON.stringify(off.observations));
    expect(on.coverage.stats.prefilterSkippedParsers).toBeGreaterThan(0); // paths.yaml
  });
});

describe('credential keywords in the same pass (CREDENTIAL_KIND)', () => {
  const rules = ruleIndex().index;
  const kws = rules.credentialKeywords();
  const set = anchorsOf(rules);
  const enc = (t: string) => Buffer.from(t, 'utf8');
  /** Reference: some keyword occurrence (ASCII case folded) that scanSecrets would count. */
  const counted = (text: string) => {
    const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
    return kws.some(({ keyword, token }) => {
      for (let i = lower.indexOf(keyword); i >= 0; i = lower.indexOf(keyword, i + 1)) if (!token || isKeywordToken(text, i, keyword.length)) return true;
      return false;
    });
  };

  it('the bundled rules have both kinds of keyword, all ASCII', () => {
    expect(kws.some((k) => k.token)).toBe(true);
    expect(kws.some((k) => !k.token)).toBe(true);
    expect(kws.every((k) => /^[\x00-\x7f]+$/.test(k.keyword))).toBe(true);
    expect(set.present & CREDENTIAL_KIND).toBe(CREDENTIAL_KIND);
  });

  it('the byte token test is the text token test (ASCII and multi-byte neighbours)', () => {
    const alphabet = fc.constantFrom(...'abzAZ09_-. é€ıK\u212a'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 8 }), fc.constantFrom(...kws.map((k) => k.keyword)), fc.array(alphabet, { maxLength: 8 }), fc.boolean(), (pre, kw, post, upper) => {
        const k = upper ? kw.toUpperCase() : kw;
        const text = pre.join('') + k + post.join('');
        const i = pre.join('').length;
        expect(isTokenAt(enc(text), Buffer.byteLength(text.slice(0, i)), k.length)).toBe(isKeywordToken(text, i, k.length));
      }),
      { numRuns: 3000, seed: 42 },
    );
  });

  it('is reported exactly when a keyword counts (property), and never missing when scanSecrets finds a credential', () => {
    const pieces = [...kws.map((k) => k.keyword), ...kws.map((k) => k.keyword.toUpperCase()), 'false', 'Fal', 'x', 'Key', '_', '-', ' ', '\n', 'é', '"', '=', 'abc123', 'T3BlbkFJ', 'sk-proj-'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        const got = (set.kinds(enc(text), CREDENTIAL_KIND) & CREDENTIAL_KIND) !== 0;
        expect(got, text).toBe(counted(text));
        if (rules.scanSecrets(text).length) expect(got, text).toBe(true);
      }),
      { numRuns: 4000, seed: 7 },
    );
    // labelled: `false` is not the token `fal`; FAL_KEY is
    const tokenOnly = kws.find((k) => k.token && 'false'.includes(k.keyword));
    if (tokenOnly) {
      expect(set.kinds(enc('enabled: false'), CREDENTIAL_KIND) & CREDENTIAL_KIND).toBe(0);
      expect(set.kinds(enc(`${tokenOnly.keyword.toUpperCase()}_KEY=1`), CREDENTIAL_KIND) & CREDENTIAL_KIND).toBe(CREDENTIAL_KIND);
    }
  });

  it('real files: the credentials found are the same with the gate as without it', async () => {
    // every fixture file, the bundled rules: scanSecrets on all of them, and on the gated ones only
    const { readFileSync } = await import('node:fs');
    let files = 0;
    let gatedOut = 0;
    let hits = 0;
    for (const p of filesUnder(join(ROOT, 'fixtures'))) {
      const buf = readFileSync(p);
      const text = buf.toString('utf8');
      const all = rules.scanSecrets(text);
      const gate = (set.kinds(buf, CREDENTIAL_KIND) & CREDENTIAL_KIND) !== 0;
      files++;
      hits += all.length;
      if (!gate) gatedOut++;
      if (!gate) expect(all, p).toEqual([]);
    }
    expect(files).toBeGreaterThan(150);
    // and every credential example of the bundled rules, alone and inside a line of code
    for (const svc of rules.services) {
      for (const c of svc.match.credentials) {
        for (const ex of c.examples?.match ?? []) {
          for (const text of [ex, `const config = { enabled: false, key: ${JSON.stringify(ex)} };\n`]) {
            const found = rules.scanSecrets(text);
            hits += found.length;
            files++;
            if (found.length) expect(set.kinds(enc(text), CREDENTIAL_KIND) & CREDENTIAL_KIND, text).toBe(CREDENTIAL_KIND);
          }
        }
      }
    }
    expect(hits).toBeGreaterThan(50); // credentials the gate lets through
    expect(gatedOut).toBeGreaterThan(files / 2); // and most files skip the regex pass
  }, 120_000);
});
