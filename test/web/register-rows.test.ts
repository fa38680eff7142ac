/**
 * The register's rows are built by string concatenation (the page's hot loop) through `text`,
 * which must escape exactly as the `html` templates do — hostile names, owners and ids from logs
 * and repositories stay text — and the page's pager carries keyset cursors.
 */
import { describe, expect, it } from 'vitest';
import { html, text } from '../../src/web/html.js';
import { registerPage } from '../../src/web/views.js';
import type { RegisterRow } from '../../src/intake/query.js';

const HOSTILE = ['<img src=x onerror=alert(1)>', '"><script>alert(1)</script>', "a'b`c&d", 'tab\tnew\nline', 'nul\u0000bell\u0007del\u007f', 'plain-name_1.gguf', '', 'ünïcödé ✓'];

const row = (over: Partial<RegisterRow>): RegisterRow => ({
  id: 'it-1', kind: 'artifact', service: 'svc', name: 'n', vendor: 'v', category: 'llm-api', status: 'unsanctioned', statusReason: 'r', state: 'active',
  sources: ['repo'], signals: ['presence'], subjectCount: 1, findingCount: 1, eventCount: 1, firstDetectedAt: '2026-01-01T00:00:00.000Z', lastDetectedAt: '2026-01-02T00:00:00.000Z',
  riskEntryId: 'AIR-1', riskStatus: 'needs-intake', tier: 2, score: 9, ...over,
});
const me = { kind: 'session' as const, actor: 'user:a', name: 'a', role: 'viewer' as const, csrf: 'c' };
const q = { page: 2, sort: 'status' as const, limit: 50, offset: 50 };

describe('register rows by concatenation', () => {
  it('text escapes as html does, for every hostile value and for numbers', () => {
    for (const s of HOSTILE) expect(text(s)).toBe(html`${s}`.value);
    for (const n of [0, 42, -1.5]) expect(text(n)).toBe(html`${n}`.value);
    expect(text(undefined)).toBe('');
    expect(text('<b>')).toBe('&lt;b&gt;');
  });

  it('hostile values in a row stay text', () => {
    for (const s of HOSTILE.filter(Boolean)) {
      const page = registerPage(me, q, { total: 1, rows: [row({ id: s, name: s, owner: s, service: s, vendor: s, category: s })] }, { categories: [], owners: [] }, 50);
      const body = page.slice(page.indexOf('<tbody>'), page.indexOf('</tbody>'));
      expect(body).toContain(html`${s}`.value);
      expect(body).not.toContain('<img');
      expect(body).not.toContain('<script');
      expect(body).not.toMatch(/[\u0000\u0007\u007f]/);
    }
  });

  it('Next / Previous carry the page cursors; a capped total says N+', () => {
    const page = registerPage(me, { ...q, page: 3 }, { total: 1000, capped: true, rows: [row({})], next: 'NEXTCUR', prev: 'PREVCUR' }, { categories: [], owners: [] }, 50);
    expect(page).toContain('1,000+ items');
    expect(page).toMatch(/href="\/register\?[^"]*page=4&amp;after=NEXTCUR"/);
    expect(page).toMatch(/href="\/register\?[^"]*page=2&amp;before=PREVCUR"/);
    // page 2's Previous is page 1 itself
    const p2 = registerPage(me, q, { total: 120, rows: [row({})], next: 'N', prev: 'P' }, { categories: [], owners: [] }, 50);
    expect(p2).toMatch(/href="\/register\?[^"]*page=1"/);
  });
});
