/**
 * Inputs and file identity. `--egress` takes a file, a directory (every regular file below it,
 * hidden ones aside), a glob (`/var/log/squid/access.log*`) or `-` (stdin).
 *
 * Identity is content, not name: a hash of the first 4 KiB of the (decompressed) content. A
 * renamed rotated file (`access.log` → `access.log.1`) keeps its identity and its read offset;
 * a new file is read from 0; a rotated file later gzipped (`access.log.1` → `access.log.2.gz`)
 * is recognised by its decompressed head and only its unread tail is read.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve, dirname, basename, sep } from 'node:path';
import picomatch from 'picomatch';

export const HEAD_BYTES = 4096;

export interface FileState {
  /** sha1 of the first headLen content bytes */
  id: string;
  headLen: number;
  /** content bytes already read (decompressed bytes for .gz) */
  offset: number;
  /** lines already read (so line numbers stay absolute) */
  lines: number;
  path: string;
  gz: boolean;
  /** the whole (gzip) file was read */
  complete?: boolean;
  seen: string;
}

export const STATE_KEY = 'files';
export const MAX_STATE_ENTRIES = 2000;

export function headHash(head: Buffer, len: number): string {
  return createHash('sha1').update(head.subarray(0, len)).digest('hex');
}

/** The stored entry for content whose first bytes are `head` (content shorter than an entry's headLen cannot match it). */
export function findState(entries: FileState[], head: Buffer, contentLen: number): FileState | undefined {
  const hashes = new Map<number, string>();
  for (const e of entries) {
    if (e.headLen > head.length || e.headLen > contentLen || e.headLen === 0) continue;
    let h = hashes.get(e.headLen);
    if (!h) {
      h = headHash(head, e.headLen);
      hashes.set(e.headLen, h);
    }
    if (h === e.id) return e;
  }
  return undefined;
}

const GLOB_CHARS = /[*?[\]{}]/;

/** Expands inputs to a sorted, de-duplicated list of files ('-' stays as is). Missing paths are returned in `missing`. */
export async function resolveInputs(inputs: string[]): Promise<{ files: string[]; missing: string[] }> {
  const out = new Set<string>();
  const missing: string[] = [];
  for (const raw of inputs) {
    if (raw === '-') {
      out.add('-');
      continue;
    }
    const abs = resolve(raw);
    if (GLOB_CHARS.test(raw)) {
      // walk from the deepest directory without glob characters
      const parts = abs.split(sep);
      let k = 0;
      while (k < parts.length && !GLOB_CHARS.test(parts[k])) k++;
      const base = parts.slice(0, k).join(sep) || sep;
      const rest = parts.slice(k).join('/');
      const isMatch = picomatch(rest, { dot: false });
      const found = (await walk(base, rest.includes('**') || rest.includes('/'))).filter((f) => isMatch(f.slice(base.length + 1).split(sep).join('/')));
      if (!found.length) missing.push(raw);
      for (const f of found) out.add(f);
      continue;
    }
    let st;
    try {
      st = await stat(abs);
    } catch {
      missing.push(raw);
      continue;
    }
    if (st.isDirectory()) for (const f of await walk(abs, true)) out.add(f);
    else out.add(abs);
  }
  return { files: [...out].sort(rotationOrder), missing };
}

async function walk(dir: string, deep: boolean): Promise<string[]> {
  const out: string[] = [];
  let ents;
  try {
    ents = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of ents) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (deep) out.push(...(await walk(p, deep)));
    } else if (e.isFile()) out.push(p);
  }
  return out;
}

/**
 * Oldest first within a rotation set: `access.log.3.gz`, `access.log.2`, `access.log.1`,
 * `access.log`; otherwise by name. Purely cosmetic (first-seen locators), never correctness.
 */
export function rotationOrder(a: string, b: string): number {
  if (a === '-' || b === '-') return a === '-' ? 1 : -1;
  const ka = rotKey(a);
  const kb = rotKey(b);
  if (ka.stem !== kb.stem) return ka.stem < kb.stem ? -1 : 1;
  if (ka.n !== kb.n) return kb.n - ka.n;
  return a < b ? -1 : a > b ? 1 : 0;
}

function rotKey(p: string): { stem: string; n: number } {
  const d = dirname(p);
  const m = /^(.*?)(?:[.-](\d+))?(?:\.gz)?$/.exec(basename(p));
  return { stem: join(d, m?.[1] ?? basename(p)), n: m?.[2] ? Number(m[2]) : 0 };
}
