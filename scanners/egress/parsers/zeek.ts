/**
 * Zeek TSV logs (ssl, dns, http, conn — and any log whose `#fields` name a host column).
 * The column map is built from `#fields` (never hard-coded: versions differ); `#path` names the
 * log. A file may hold several header blocks (concatenated logs). `-` is unset, `(empty)` an
 * empty set. https://docs.zeek.org/en/master/log-formats.html
 */
import { TAB, latin1, parseEpochMs, parseUint, isUnset, isDnsFailure } from '../bytes.js';
import { BAD, HOST, SKIP, type LineParser, type ParserState, type Rec } from './types.js';

/** Which column is the destination host, per log kind. */
const HOST_FIELDS = ['server_name', 'query', 'host', 'id.resp_h'];

export function zeekKindFromFields(fields: string[], path?: string): string {
  if (path) return path;
  if (fields.includes('server_name')) return 'ssl';
  if (fields.includes('query')) return 'dns';
  if (fields.includes('uri')) return 'http';
  if (fields.includes('conn_state') || fields.includes('orig_bytes')) return 'conn';
  return 'unknown';
}

export class ZeekTsvParser implements LineParser {
  readonly format = 'zeek';
  err = '';
  logKind = 'unknown';
  private fields: string[] | null = null;
  private path = '';
  private hostCol = -1;
  private uriCol = -1;
  private userCol = -1;
  private ipCol = -1;
  private tsCol = -1;
  private uidCol = -1;
  private outCol = -1;
  private inCol = -1;
  private maxCol = -1;
  /** dns.log: rcode_name (else rcode), RD, trans_id, qtype columns */
  private rcodeCol = -1;
  private rdCol = -1;
  private transCol = -1;
  private qtypeCol = -1;
  private respCol = -1;
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);

  constructor(state?: ParserState) {
    if (state?.header) this.setFields(state.header, state.kind);
  }

  private setFields(fields: string[], kind?: string): void {
    this.fields = fields;
    const ix = (n: string) => fields.indexOf(n);
    this.logKind = kind ?? zeekKindFromFields(fields, this.path || undefined);
    this.hostCol = -1;
    const order = this.logKind === 'conn' ? ['id.resp_h'] : HOST_FIELDS;
    for (const h of order) {
      const i = ix(h);
      if (i >= 0) {
        this.hostCol = i;
        break;
      }
    }
    this.uriCol = ix('uri');
    this.userCol = ix('username');
    this.ipCol = ix('id.orig_h');
    this.tsCol = ix('ts');
    this.uidCol = ix('uid');
    if (this.logKind === 'http') {
      this.outCol = ix('request_body_len');
      this.inCol = ix('response_body_len');
    } else {
      this.outCol = ix('orig_bytes');
      this.inCol = ix('resp_bytes');
    }
    const dns = this.logKind === 'dns';
    this.rcodeCol = dns ? (ix('rcode_name') >= 0 ? ix('rcode_name') : ix('rcode')) : -1;
    this.rdCol = dns ? ix('RD') : -1;
    this.transCol = dns ? ix('trans_id') : -1;
    this.qtypeCol = dns ? ix('qtype') : -1;
    this.respCol = dns ? ix('id.resp_h') : -1;
    this.maxCol = Math.max(this.hostCol, this.uriCol, this.userCol, this.ipCol, this.tsCol, this.uidCol, this.outCol, this.inCol, this.rcodeCol, this.rdCol, this.transCol, this.qtypeCol, this.respCol);
    if (this.maxCol >= this.starts.length) {
      this.starts = new Int32Array(this.maxCol + 1);
      this.ends = new Int32Array(this.maxCol + 1);
    }
  }

  private header(buf: Buffer, s: number, e: number): void {
    const line = buf.toString('utf8', s, e);
    const sp = line.search(/[\t ]/);
    const key = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    if (key === '#fields') this.setFields(rest.split('\t'), this.path || undefined);
    else if (key === '#path') {
      this.path = rest.trim();
      if (this.fields) this.setFields(this.fields, this.path);
    }
  }

  /** Walks tab-separated columns up to `upTo`, recording their ranges. Returns columns found. */
  private walk(buf: Buffer, s: number, e: number, upTo: number): number {
    const starts = this.starts;
    const ends = this.ends;
    let col = 0;
    let i = s;
    starts[0] = s;
    while (col < upTo) {
      const t = buf.indexOf(TAB, i);
      if (t < 0 || t >= e) {
        ends[col] = e;
        return col + 1;
      }
      ends[col] = t;
      col++;
      i = t + 1;
      starts[col] = i;
    }
    // last wanted column: find its end
    const t = buf.indexOf(TAB, i);
    ends[col] = t < 0 || t >= e ? e : t;
    return col + 1;
  }

  locate(buf: Buffer, s: number, e: number, r: Rec): number {
    if (s >= e) return SKIP;
    if (buf[s] === 35) {
      this.header(buf, s, e);
      return SKIP;
    }
    if (!this.fields) {
      this.err = 'data line before the #fields header';
      return BAD;
    }
    if (this.hostCol < 0) return SKIP;
    const n = this.walk(buf, s, e, this.hostCol);
    if (n <= this.hostCol) {
      this.err = `expected ${this.fields.length} tab-separated fields, got ${n}`;
      return BAD;
    }
    const hs = this.starts[this.hostCol];
    const he = this.ends[this.hostCol];
    if (he - hs === 1 && buf[hs] === 45) return SKIP; // '-'
    if (he <= hs) return SKIP;
    r.hs = hs;
    r.he = he;
    return HOST;
  }

  fill(buf: Buffer, s: number, e: number, r: Rec): void {
    const n = this.walk(buf, s, e, this.maxCol);
    const st = this.starts;
    const en = this.ends;
    const has = (c: number) => c >= 0 && c < n && en[c] > st[c];
    if (has(this.tsCol)) r.ts = parseEpochMs(buf, st[this.tsCol], en[this.tsCol]);
    if (has(this.ipCol)) r.ip = latin1(buf, st[this.ipCol], en[this.ipCol]);
    if (has(this.userCol)) {
      const u = buf.toString('utf8', st[this.userCol], en[this.userCol]);
      if (!isUnset(u)) r.user = u;
    }
    if (has(this.uriCol) && buf[st[this.uriCol]] === 47) {
      r.ps = st[this.uriCol];
      r.pe = en[this.uriCol];
    }
    if (has(this.uidCol)) r.uid = latin1(buf, st[this.uidCol], en[this.uidCol]);
    if (has(this.outCol)) r.out = parseUint(buf, st[this.outCol], en[this.outCol]);
    if (has(this.inCol)) r.inb = parseUint(buf, st[this.inCol], en[this.inCol]);
    if (this.logKind === 'dns') {
      // RD=F: a resolver iterating to an authority (its clients' queries carry RD=T) — not a client event
      if (has(this.rdCol) && en[this.rdCol] - st[this.rdCol] === 1 && buf[st[this.rdCol]] === 70) r.drop = true;
      if (has(this.respCol)) r.resolver = latin1(buf, st[this.respCol], en[this.respCol]);
      if (has(this.rcodeCol) && isDnsFailure(latin1(buf, st[this.rcodeCol], en[this.rcodeCol]))) r.fail = true;
      // the same transaction logged twice (a sensor seeing the packet on two links, a retransmission)
      if (has(this.uidCol) && has(this.transCol)) {
        r.dup = latin1(buf, st[this.uidCol], en[this.uidCol]) + ' ' + latin1(buf, st[this.transCol], en[this.transCol]) + ' ' + latin1(buf, st[this.hostCol], en[this.hostCol]) + (has(this.qtypeCol) ? ' ' + latin1(buf, st[this.qtypeCol], en[this.qtypeCol]) : '');
      }
    }
  }

  uidOf(buf: Buffer, s: number, e: number): string {
    if (buf[s] === 35) {
      this.header(buf, s, e);
      return '';
    }
    if (this.uidCol < 0) return '';
    const n = this.walk(buf, s, e, this.uidCol);
    if (n <= this.uidCol) return '';
    return latin1(buf, this.starts[this.uidCol], this.ends[this.uidCol]);
  }

  /** conn.log: bytes of the line last given to uidOf (walks again up to the byte columns). */
  connBytes(buf: Buffer, s: number, e: number): [number, number] {
    const n = this.walk(buf, s, e, Math.max(this.outCol, this.inCol));
    const o = this.outCol >= 0 && this.outCol < n ? parseUint(buf, this.starts[this.outCol], this.ends[this.outCol]) : -1;
    const i = this.inCol >= 0 && this.inCol < n ? parseUint(buf, this.starts[this.inCol], this.ends[this.inCol]) : -1;
    return [o, i];
  }

  snapshot(): ParserState {
    return { format: this.format, header: this.fields ?? undefined, kind: this.fields ? this.logKind : undefined };
  }
}
