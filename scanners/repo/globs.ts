/**
 * Exclude globs compiled once into one matcher whose memory and per-path work do not grow with
 * the number of globs the way one picomatch matcher per glob does (200,000 globs: ~900 MB and
 * 200,000 regex tests per path).
 *
 * Same answers as `globs.some((g) => picomatch(g, { dot: true })(path))`:
 * - every glob is filed under its literal folder prefix (`src/gen/*.ts` → `src/gen`); a path
 *   can only match globs filed under one of its own folder prefixes (or the path itself), so a
 *   path looks at those few buckets, not at every glob;
 * - a glob without a literal prefix but with a literal path segment (`**∕cache-7∕*.bin`) is
 *   filed under that segment: a path can only match it if one of its own segments is that word;
 * - the rest (`*.min.js`, negations, escapes, braces or extglobs without a literal prefix)
 *   share the root bucket;
 * - a bucket's globs are compiled only when a path first reaches it, into alternations of at
 *   most CHUNK globs each (one regex test per chunk, not per glob).
 */
import picomatch from 'picomatch';

const OPTS = { dot: true } as const;
/** Globs per compiled alternation. */
const CHUNK = 500;
/** A regex that never matches (what picomatch uses for a glob it cannot compile). */
const NEVER = /$^/;

interface Bucket {
  globs: string[];
  res?: RegExp[];
}

function compile(globs: string[]): RegExp[] {
  const out: RegExp[] = [];
  const one = (g: string): RegExp => {
    try {
      return picomatch.makeRe(g, OPTS);
    } catch {
      return NEVER;
    }
  };
  for (let i = 0; i < globs.length; i += CHUNK) {
    const part = globs.slice(i, i + CHUNK).map(one);
    // back-references would be renumbered inside an alternation: keep such a regex on its own
    const alone = part.filter((r) => r.flags !== '' || /\\[1-9]/.test(r.source));
    const joined = part.filter((r) => !alone.includes(r));
    if (joined.length === 1) out.push(joined[0]);
    else if (joined.length) {
      try {
        out.push(new RegExp(joined.map((r) => `(?:${r.source})`).join('|')));
      } catch {
        out.push(...joined);
      }
    }
    out.push(...alone);
  }
  return out;
}

/** Returns a predicate: does any of `globs` (picomatch syntax, dot files included) match `path`? */
export function compileGlobs(globs: readonly string[]): (path: string) => boolean {
  if (!globs.length) return () => false;
  const exact = new Set<string>();
  const buckets = new Map<string, Bucket>();
  const bySegment = new Map<string, Bucket>();
  const file = (m: Map<string, Bucket>, key: string, g: string) => {
    const b = m.get(key);
    if (b) b.globs.push(g);
    else m.set(key, { globs: [g] });
  };
  for (const g of globs) {
    exact.add(g); // picomatch: a path equal to the glob matches whatever the glob's syntax
    const s = picomatch.scan(g);
    const plain = !s.negated && !s.negatedExtglob && !g.includes('\\') && (s.prefix === '' || s.prefix === './');
    if (plain && s.base) {
      file(buckets, s.base, g);
      continue;
    }
    // a '/' in the glob matches only a '/' of the path unless braces or extglobs group it
    const seg = plain && !/[{}()]/.test(g) ? literalSegment(g) : undefined;
    if (seg) file(bySegment, seg, g);
    else file(buckets, '', g);
  }
  const test = (b: Bucket | undefined, path: string): boolean => {
    if (!b) return false;
    b.res ??= compile(b.globs);
    for (const r of b.res) if (r.test(path)) return true;
    return false;
  };
  return (path: string): boolean => {
    if (path === '') return false;
    if (exact.has(path)) return true;
    if (test(buckets.get(''), path)) return true;
    let from = 0;
    for (let i = path.indexOf('/'); ; i = path.indexOf('/', i + 1)) {
      const end = i < 0 ? path.length : i;
      if (end > 0 && test(buckets.get(path.slice(0, end)), path)) return true;
      if (bySegment.size && end > from && test(bySegment.get(path.slice(from, end)), path)) return true;
      if (i < 0) return false;
      from = i + 1;
    }
  };
}

/** The longest path segment of a glob without any glob syntax (it must equal a segment of the path). */
function literalSegment(g: string): string | undefined {
  let best: string | undefined;
  for (const seg of g.split('/')) {
    if (!seg || seg === '.' || seg === '..' || /[*?[\]{}()!+@|]/.test(seg)) continue;
    if (!best || seg.length > best.length) best = seg;
  }
  return best;
}
