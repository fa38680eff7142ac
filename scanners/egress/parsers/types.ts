/**
 * Line parsers turn one log line (a [start, end) byte range of a Buffer) into the few neutral
 * facts the egress scanner aggregates. Two steps keep non-matching lines cheap:
 * `locate` finds only the destination host; `fill` (called only for hosts the rules may
 * match) reads time, user, client IP, bytes and path.
 */
export const SKIP = 0;
export const HOST = 1;
export const BAD = -1;

export interface Rec {
  /** Host as a string, when the parser built one (JSON, DNS wire names); '' → use hs/he. */
  host: string;
  hs: number;
  he: number;
  /** URL path as a byte range ([ps, pe), ps < 0 when none) or as a string (pathStr). */
  ps: number;
  pe: number;
  pathStr: string;
  user: string;
  ip: string;
  /** epoch ms, NaN when unknown */
  ts: number;
  /** bytes client → server / server → client; -1 when the log does not carry them */
  out: number;
  inb: number;
  uid: string;
  /**
   * The line records an attempt that did not reach the service: a request the proxy / firewall
   * blocked or denied, or a DNS query answered with an error (NXDOMAIN, REFUSED, SERVFAIL …) or
   * blocked by a DNS policy. Emitted apart, with attrs.success = false.
   */
  fail: boolean;
  /** Not a client event after all (a resolver's own recursive query to an authority): dropped. */
  drop: boolean;
  /** Duplicate key: a line with the same key within a few seconds is the same event seen twice. */
  dup: string;
  /** DNS logs: the server that was asked (Zeek id.resp_h); '' when the log has none. */
  resolver: string;
}

export function newRec(): Rec {
  return { host: '', hs: 0, he: 0, ps: -1, pe: -1, pathStr: '', user: '', ip: '', ts: NaN, out: -1, inb: -1, uid: '', fail: false, drop: false, dup: '', resolver: '' };
}

export function resetRec(r: Rec): void {
  r.host = '';
  r.hs = 0;
  r.he = 0;
  r.ps = -1;
  r.pe = -1;
  r.pathStr = '';
  r.user = '';
  r.ip = '';
  r.ts = NaN;
  r.out = -1;
  r.inb = -1;
  r.uid = '';
  r.fail = false;
  r.drop = false;
  r.dup = '';
  r.resolver = '';
}

export interface LineParser {
  readonly format: string;
  /** Why the last line was BAD. */
  err: string;
  /** SKIP (header, comment, a record without a destination), HOST, or BAD (malformed). */
  locate(buf: Buffer, s: number, e: number, r: Rec): number;
  /** Reads the remaining facts of the line last given to locate(). */
  fill(buf: Buffer, s: number, e: number, r: Rec): void;
  /** Zeek conn.log only: the uid of the line (for the byte join), '' when none. */
  uidOf?(buf: Buffer, s: number, e: number): string;
  /** Zeek: which log this is (ssl, dns, http, conn …) once known. */
  logKind?: string;
  /** Header state (Zeek `#fields`, W3C `#Fields:`, CSV header) so a worker can start mid-file. */
  snapshot(): ParserState;
}

export interface ParserState {
  format: string;
  header?: string[];
  kind?: string;
  /** Generic field mapping (role → field name / column). */
  map?: FieldMap;
}

/** Field roles of a generic mapping: each names a field (JSON key, header column) or a 1-based column number. */
export interface FieldMap {
  time?: string;
  date?: string;
  user?: string;
  clientIp?: string;
  host?: string;
  url?: string;
  path?: string;
  bytesOut?: string;
  bytesIn?: string;
  uid?: string;
  /** proxy / firewall decision (blocked, denied, drop, reset … mark an attempt) */
  action?: string;
}
