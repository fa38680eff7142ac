/** Unknown keys in a file the user wrote, with the nearest known key as a suggestion. */

/** Keys of `raw` (an object) that `known` does not list, each with the nearest known key when one is close. */
export function unknownKeys(raw: unknown, known: readonly string[], allow: (k: string) => boolean = () => false): Array<{ key: string; suggestion?: string }> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const out: Array<{ key: string; suggestion?: string }> = [];
  for (const k of Object.keys(raw)) {
    if (known.includes(k) || allow(k)) continue;
    let best: string | undefined;
    let bestD = Infinity;
    for (const c of known) {
      const d = editDistance(k.toLowerCase(), c.toLowerCase());
      if (d < bestD) { bestD = d; best = c; }
    }
    out.push({ key: k, suggestion: best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined });
  }
  return out;
}

/** "unknown key" issues with "did you mean" for the top level of a file. */
export function unknownKeyIssues(raw: unknown, known: readonly string[], allow?: (k: string) => boolean): Array<{ path: PropertyKey[]; message: string }> {
  return unknownKeys(raw, known, allow).map(({ key, suggestion }) => ({
    path: [],
    message: `unknown key '${key}'${suggestion ? ` — did you mean '${suggestion}'?` : ''} (expected one of: ${known.join(', ')})`,
  }));
}

/** Levenshtein distance with adjacent transpositions (so `catalgo` is 1 from `catalog`). */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Math.abs(a.length - b.length);
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
