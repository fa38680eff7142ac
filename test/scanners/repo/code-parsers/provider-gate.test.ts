import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayHoldLocalUrl, providerBlocks } from '../../../../scanners/repo/parsers/code/urls.js';
import { fourWordsOrMore } from '../../../../scanners/repo/parsers/code/languages.js';

const doc = (v: string) => `apis:\n  localai:\n    base_url: ${v}\n`;

describe('provider-block gate (mayHoldLocalUrl): the YAML / JSON parse is skipped only when no URL could be local', () => {
  it('keeps every local form the parser accepts', () => {
    const local = [
      'http://localhost:8080', 'HTTP://LOCALHOST', 'https://ollama:11434/v1', 'http://127.0.0.1:1234', 'http://0.0.0.0', 'http://[::1]:8080',
      'http://host.docker.internal:11434', 'http://user.name@localhost:8080', 'http://a.b@llm', 'http:localhost:8080', 'http:///ollama',
      'http://0x7f.1:8080', 'http://2130706433', 'http://%6cocalhost', '"http:\\/\\/localhost"', 'http:\\\\localhost:8080',
      '"\\u0068ttp://localhost"', '"http://local\\u0068ost:1"', '"http://\\x6cocalhost"', 'http://localhost\\x2eexample.com',
    ];
    for (const v of local) {
      const y = doc(v);
      expect(mayHoldLocalUrl(y), v).toBe(true);
      expect(providerBlocks('config.yaml', y), v).toEqual(providerBlocks('config.yaml', y, false));
    }
    expect(providerBlocks('config.yaml', doc('http://localhost:8080')).map((h) => h.attrs?.configKey)).toEqual(['localai']);
    expect(providerBlocks('c.json', '{"providers": {"lm": {"url": "http:\\/\\/localhost:1234"}}}').map((h) => h.value)).toEqual(['http://localhost:1234']);
  });

  it('skips files whose URLs all name dotted public hosts', () => {
    for (const v of ['https://api.example.com/v1', 'http://user@api.example.com', 'https://docs.example.org/#x', 'no url at all', '"https:\\/\\/api.example.com"']) {
      expect(mayHoldLocalUrl(doc(v)), v).toBe(false);
      // a backslash elsewhere (an escape in another string) no longer sends the file to the parser
      expect(mayHoldLocalUrl(doc(v) + 'note: "line one\\nline two C:\\\\tmp"\n'), v).toBe(false);
      expect(providerBlocks('config.yaml', doc(v))).toEqual([]);
    }
  });

  it('never drops a block the ungated parser finds (random authorities)', () => {
    const part = fc.constantFrom('localhost', 'ollama', '127', '0', '0x7f', 'host', 'docker', 'internal', 'api', 'example', 'com', '1', '', 'l\\u006fcal', '\\x6c', 'h\\\n  ost');
    const sep = fc.constantFrom('.', '@', ':', ':8080', '', '.', '.', '\\/', '\\x2e', '\\u002e', '\\\\');
    const authority = fc.array(fc.tuple(part, sep), { minLength: 1, maxLength: 5 }).map((xs) => xs.map(([a, b]) => a + b).join(''));
    const scheme = fc.constantFrom('http://', 'https://', 'HTTP://', 'http:', 'http:///', 'http:\\/\\/', 'http:\\\\', '\\u0068ttp://');
    const quote = fc.constantFrom('', '"');
    fc.assert(
      fc.property(quote, scheme, authority, fc.constantFrom('', '/v1', '?q=1', '#f'), (q, s, a, tail) => {
        const y = doc(q + s + a + tail + q);
        const all = providerBlocks('config.yaml', y, false);
        if (all.length) expect(mayHoldLocalUrl(y)).toBe(true);
        expect(providerBlocks('config.yaml', y)).toEqual(all);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('prose test without building the words', () => {
  it('fourWordsOrMore(s) is trim().split(/\\s+/).length >= 4, Unicode spaces included', () => {
    const ws = fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u2028', '\ufeff', '\u3000', '  ');
    const word = fc.constantFrom('a', 'bc', 'https://x.y/z', '.', 'é', '');
    fc.assert(
      fc.property(fc.array(fc.oneof(ws, word), { maxLength: 12 }), (parts) => {
        const s = parts.join('');
        expect(fourWordsOrMore(s)).toBe(s.trim().split(/\s+/).length >= 4);
      }),
      { numRuns: 5000 },
    );
  });
});
