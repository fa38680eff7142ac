import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayHoldLocalUrl, providerBlocks } from '../../../../scanners/repo/parsers/code/urls.js';

const doc = (v: string) => `apis:\n  localai:\n    base_url: ${v}\n`;

describe('provider-block gate (mayHoldLocalUrl): the YAML / JSON parse is skipped only when no URL could be local', () => {
  it('keeps every local form the parser accepts', () => {
    const local = [
      'http://localhost:8080', 'HTTP://LOCALHOST', 'https://ollama:11434/v1', 'http://127.0.0.1:1234', 'http://0.0.0.0', 'http://[::1]:8080',
      'http://host.docker.internal:11434', 'http://user.name@localhost:8080', 'http://a.b@llm', 'http:localhost:8080', 'http:///ollama',
      'http://0x7f.1:8080', 'http://2130706433', 'http://%6cocalhost', '"http:\\/\\/localhost"',
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
    for (const v of ['https://api.example.com/v1', 'http://user@api.example.com', 'https://docs.example.org/#x', 'no url at all']) {
      expect(mayHoldLocalUrl(doc(v)), v).toBe(false);
      expect(providerBlocks('config.yaml', doc(v))).toEqual([]);
    }
  });

  it('never drops a block the ungated parser finds (random authorities)', () => {
    const part = fc.constantFrom('localhost', 'ollama', '127', '0', '0x7f', 'host', 'docker', 'internal', 'api', 'example', 'com', '1', '');
    const sep = fc.constantFrom('.', '@', ':', ':8080', '', '.', '.');
    const authority = fc.array(fc.tuple(part, sep), { minLength: 1, maxLength: 5 }).map((xs) => xs.map(([a, b]) => a + b).join(''));
    const scheme = fc.constantFrom('http://', 'https://', 'HTTP://', 'http:', 'http:///');
    fc.assert(
      fc.property(scheme, authority, fc.constantFrom('', '/v1', '?q=1', '#f'), (s, a, tail) => {
        const y = doc(s + a + tail);
        const all = providerBlocks('config.yaml', y, false);
        if (all.length) expect(mayHoldLocalUrl(y)).toBe(true);
        expect(providerBlocks('config.yaml', y)).toEqual(all);
      }),
      { numRuns: 2000 },
    );
  });
});
