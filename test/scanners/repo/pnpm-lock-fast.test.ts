import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pnpmEntriesFast, pnpmEntriesYaml, pnpmLockParser, type PnpmEntries } from '../../../scanners/repo/parsers/manifests/npm.js';
import { FIXTURES, runParserText, testRules } from './helpers.js';

const files = [
  'good/pnpm-v5/pnpm-lock.yaml',
  'good/pnpm-v6/pnpm-lock.yaml',
  'good/pnpm-v9/pnpm-lock.yaml',
  'corpus-pnpm/llamacoder-pnpm-lock.yaml',
  'corpus-pnpm/chroma-js-pnpm-lock.yaml',
];
const texts = files.map((f) => readFileSync(join(FIXTURES, 'manifests', f), 'utf8'));

/** Entries as plain data, in insertion order (the order emitLock breaks ties by is its own). */
function plain(m: PnpmEntries | undefined) {
  return m && [...m].map(([name, e]) => ({ name, line: e.line, direct: e.direct, versions: [...e.versions], dev: e.dev }));
}

function yamlPath(text: string): { entries: ReturnType<typeof plain>; problems: number } {
  let problems = 0;
  const input = { relPath: 'pnpm-lock.yaml', name: 'pnpm-lock.yaml', text, size: text.length, rules: testRules(), emit: () => {}, problem: () => void problems++ };
  return { entries: plain(pnpmEntriesYaml(input, text)), problems };
}

describe('pnpm-lock.yaml line reader (fast path) against YAML composition', () => {
  it.each(files.map((f, i) => [f, texts[i]]))('%s: the fast path is taken and yields exactly the YAML package set', (_f, text) => {
    const fast = plain(pnpmEntriesFast(text));
    const ref = yamlPath(text);
    expect(ref.problems).toBe(0);
    expect(fast).toBeDefined();
    expect(fast!.length).toBeGreaterThan(0);
    expect(fast).toEqual(ref.entries);
  });

  it('the parser emits the same observations through either path', () => {
    for (const text of texts) {
      const viaParser = runParserText(pnpmLockParser, text, 'pnpm-lock.yaml');
      // a YAML directive makes the fast path decline: the same lock file through YAML composition
      const slowText = '%YAML 1.2\n---\n' + text;
      expect(pnpmEntriesFast(slowText)).toBeUndefined();
      expect(pnpmEntriesFast('# a comment\n' + text)).toBeDefined(); // comment lines are skipped, not declined
      const slow = runParserText(pnpmLockParser, slowText, 'pnpm-lock.yaml');
      expect(slow.problems).toEqual([]);
      expect(viaParser.obs.length).toBeGreaterThan(0);
      expect(viaParser.obs.map((o) => [o.value, o.attrs, o.confidence, o.snippet])).toEqual(slow.obs.map((o) => [o.value, o.attrs, o.confidence, o.snippet]));
      expect(viaParser.obs.map((o) => o.line)).toEqual(slow.obs.map((o) => (o.line ?? 0) - 2));
    }
  });

  it('declines what it does not recognise (falls back to YAML)', () => {
    const v9 = texts[2];
    const declined = [
      v9.replace("'@acme/llm-sdk':\n        specifier", "&a '@acme/llm-sdk':\n        specifier"), // anchor
      v9.replace('version: 2.3.1', 'version: !!str 2.3.1'), // tag
      v9.replace('version: 2.3.1', 'version: |\n          2.3.1'), // block scalar
      v9.replace('version: 2.3.1', 'version: 2.3'), // a number to YAML
      v9.replace('version: 2.3.1', 'version: 2.3.1 # pinned'), // trailing comment
      v9.replace('version: 2.3.1', 'version: "2.3\\u002e1"'), // escapes
      v9.replace('    devDependencies:', '    devDependencies: {}'), // flow value where it reads one
      v9.replace('  express@4.19.2: {}', '  express@4.19.2: {dev: true}'),
      v9.replace('packages:\n', 'packages:\n\n   odd@1.0.0: {}\n'), // odd indent
      v9.replace('\nsnapshots:', '\npackages:\n  x@1.0.0: {}\nsnapshots:'), // a top-level key given twice
      '---\n' + v9,
      texts[0].replace('    dev: false', '    dev: false\n    dev: true'),
      texts[0].replace('acme-llm: 0.8.3', 'acme-llm: 0.8.3\n    more'), // a plain scalar continued
      texts[0].replace('specifiers:\n', 'specifiers:\r'), // lone CR
    ];
    for (const t of declined) {
      expect(t).not.toBe(v9); // the mutation applied
      expect(pnpmEntriesFast(t), t.slice(0, 200)).toBeUndefined();
    }
  });

  it('property: on random edits of real lock files, the fast path yields the YAML set or declines', () => {
    // line-level edits a hand-edited or unusual lock file could carry
    const edits: Array<(line: string) => string> = [
      (l) => l.replace(/^(\s*)/, '$1# '),
      (l) => l + ' # note',
      (l) => l.replace(/: /, ':  '),
      (l) => l.replace(/^(\s*)([^\s'"][^:]*):/, "$1'$2':"),
      (l) => l.replace(/^(\s*)([^\s'"][^:]*):/, '$1"$2":'),
      (l) => l.replace(/^(\s*)'([^']*)':/, '$1$2:'),
      (l) => l.replace(/^ {2}/, ' '),
      (l) => l.replace(/^ {2}/, '    '),
      (l) => '  ' + l,
      (l) => l.replace(/^(\s*)/, '$1\t'),
      (l) => l + '\r',
      (l) => l.replace(/: (.+)$/, ": '$1'"),
      (l) => l.replace(/: (.+)$/, ': "$1"'),
      (l) => l.replace(/: (.+)$/, ': {}'),
      (l) => l.replace(/: (.+)$/, ': [$1]'),
      (l) => l.replace(/: (.+)$/, ': &x $1'),
      (l) => l.replace(/: (.+)$/, ':'),
      (l) => l.replace(/:$/, ': {}'),
      (l) => l.replace(/:$/, ': null'),
      (l) => l.replace(/version: .*/, 'version: 1.0'),
      (l) => l.replace(/version: .*/, 'version: link:../x'),
      (l) => l.replace(/dev: (true|false)/, 'dev: yes'),
      (l) => l.replace(/dev: (true|false)/, (_m, b) => `dev: ${b === 'true' ? 'false' : 'true'}`),
      (l) => l + '\n' + l,
      () => '',
      () => '---',
      (l) => l.replace(/'/g, "''"),
      (l) => l.replace(/@/, ' @'),
    ];
    const small = texts.slice(0, 3);
    const big = texts[4].split('\n').slice(0, 400).join('\n');
    const sources = [...small, big];
    let compared = 0;
    let declined = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sources.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: edits.length - 1 })), { minLength: 1, maxLength: 4 }),
        (si, ops) => {
          const lines = sources[si].split('\n');
          for (const [at, e] of ops) {
            const i = at % lines.length;
            lines[i] = edits[e](lines[i]);
          }
          const text = lines.join('\n');
          const ref = yamlPath(text);
          const fast = pnpmEntriesFast(text);
          if (fast === undefined) {
            declined++;
            return;
          }
          if (ref.problems > 0) return; // invalid YAML inside a value the fast path skips (documented)
          compared++;
          expect(plain(fast)).toEqual(ref.entries);
        },
      ),
      { numRuns: Number(process.env.PNPM_PROPERTY_RUNS ?? 1500), seed: Number(process.env.PNPM_PROPERTY_SEED ?? 20261207) },
    );
    // both branches exercised: the property compared real sets and saw declines
    expect(compared).toBeGreaterThan(300);
    expect(declined).toBeGreaterThan(100);
  }, 300_000);
});
