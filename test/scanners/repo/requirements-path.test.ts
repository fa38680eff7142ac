/** isRequirementsPath's literal pre-check rejects only what its three patterns reject (property). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRequirementsPath } from '../../../scanners/repo/parsers/manifests/python.js';

/** The patterns alone (the function before the pre-check). */
function patterns(relPath: string, name: string): boolean {
  return /^(?:.*[-_.])?requirements(?:[-_.].*)?\.(?:txt|in|pip)$/i.test(name) || /^constraints(?:[-_.].*)?\.txt$/i.test(name) || /(?:^|\/)requirements\/[^/]+\.(?:txt|in)$/i.test(relPath);
}

describe('isRequirementsPath', () => {
  it('equals its patterns on random paths and names', () => {
    const part = fc.constantFrom('requirements', 'Requirements', 'REQUIREMENTS', 'constraints', 'Constraints', 'requirement', 'constraint', '-', '_', '.', '/', 'dev', 'txt', 'in', 'pip', '.txt', '.in', '.pip', 'src', 'x');
    let yes = 0;
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), fc.array(part, { maxLength: 5 }), fc.boolean(), fc.array(part, { maxLength: 5 }), (dirs, file, own, other) => {
        const name = file.join('').replace(/\//g, '') || 'x';
        const rel = [...dirs, name].join('/');
        // callers pass the path's last part as the name; the pre-check does not rely on it
        const n = own ? name : other.join('');
        const want = patterns(rel, n);
        if (want) yes++;
        expect(isRequirementsPath(rel, n), `${rel} ${n}`).toBe(want);
      }),
      { numRuns: 5000, seed: 9 },
    );
    expect(yes).toBeGreaterThan(50);
    for (const [rel, want] of [['requirements.txt', true], ['a/requirements/dev.in', true], ['constraints-ci.txt', true], ['src/app.py', false], ['docs/requirements.md', false]] as const) expect(isRequirementsPath(rel, rel.slice(rel.lastIndexOf('/') + 1)), rel).toBe(want);
  });
});
