/**
 * DNS server query logs (no users, no bytes):
 * - BIND `queries` channel (also Infoblox NIOS, with or without a syslog header):
 *   `… client [@0x…] 192.0.2.1#53211 (name): [view v: ]query: name IN A +E(0)K (192.0.2.53)`
 *   and the Infoblox query-response form `… client 192.0.2.1#57398 UDP: query: name IN A response: …`
 *   https://bind9.readthedocs.io/en/latest/reference.html (logging categories: queries)
 * - Windows DNS Server debug log (`dns.log`, packet logging on):
 *   `6/5/2013 10:00:32 AM 0E70 PACKET  00000000033397A0 UDP Rcv 10.161.60.71    5b47   Q [0001   D   NOERROR] A      (7)example(3)com(0)`
 *   Only packets received from clients that are standard queries (`Rcv`, no `R` flag, opcode `Q`) count.
 *   https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2012-r2-and-2012/dn800669(v=ws.11)
 */
import { findIn, isDnsFailure, latin1 } from '../bytes.js';
import { parseTime } from '../time.js';
import { BAD, HOST, SKIP, type LineParser, type ParserState, type Rec } from './types.js';

const CLIENT = Buffer.from('client ');
const QUERY = Buffer.from('query: ');
const PACKET = Buffer.from(' PACKET ');
const RCV = Buffer.from(' Rcv ');
const RESPONSE = Buffer.from(' response: ');

export class BindQueryParser implements LineParser {
  readonly format = 'bind';
  err = '';
  private s = 0;
  private e = 0;

  locate(buf: Buffer, s: number, e: number, r: Rec): number {
    if (e > s && buf[e - 1] === 13) e--;
    if (s >= e) return SKIP;
    const q = findIn(buf, QUERY, s, e);
    if (q < 0) return SKIP; // other named messages (query-errors, rewrites, CEF)
    if (q > s && buf[q - 1] !== 32) return SKIP; // `rewriting query name`
    if (findIn(buf, CLIENT, s, q) < 0) {
      this.err = "expected `client IP#port … query: NAME` (BIND queries channel)";
      return BAD;
    }
    let i = q + QUERY.length;
    let j = i;
    while (j < e && buf[j] !== 32) j++;
    if (j === i) return SKIP;
    r.hs = i;
    r.he = j;
    this.s = s;
    this.e = e;
    return HOST;
  }

  fill(buf: Buffer, s: number, e: number, r: Rec): void {
    const c = findIn(buf, CLIENT, s, e);
    if (c >= 0) {
      let i = c + CLIENT.length;
      if (buf[i] === 64) {
        // @0x7f… handle
        while (i < e && buf[i] !== 32) i++;
        i++;
      }
      let j = i;
      while (j < e && buf[j] !== 35 && buf[j] !== 32) j++; // IPv4 or IPv6 (colons), up to `#port`
      if (j > i && buf[j - 1] === 58) j--; // `client 192.0.2.1:` without a port
      r.ip = latin1(buf, i, j);
    }
    // time before `client`: BIND `print-time` (`07-Apr-2022 08:08:10.043`, local, no zone), BIND 9.18
    // `print-time iso8601` / `iso8601-utc` or an RFC 5424 / RFC 3339 syslog header
    // (`2022-04-07T08:08:10.043+02:00`); a BSD syslog header alone has no year (no time)
    const head = buf.toString('latin1', s, c >= 0 ? c : Math.min(e, s + 80));
    const m = /(\d{2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2}:\d{2}(?:\.\d+)?)|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/.exec(head);
    if (m) r.ts = parseTime(m[1] ?? m[2]);
    // Infoblox query-response form: `… query: NAME IN A response: NXDOMAIN …` → an attempt
    const q = findIn(buf, RESPONSE, r.he, e);
    if (q >= 0) {
      let i = q + RESPONSE.length;
      let j = i;
      while (j < e && buf[j] !== 32) j++;
      if (isDnsFailure(latin1(buf, i, j))) r.fail = true;
    }
  }

  snapshot(): ParserState {
    return { format: this.format };
  }
}

/** `(7)example(3)com(0)` → `example.com`. */
export function wireName(s: string): string {
  const labels: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] !== '(') return '';
    const close = s.indexOf(')', i);
    if (close < 0) return '';
    const len = Number(s.slice(i + 1, close));
    if (!Number.isInteger(len)) return '';
    if (len === 0) break;
    labels.push(s.slice(close + 1, close + 1 + len));
    i = close + 1 + len;
  }
  return labels.join('.');
}

export class WindowsDnsParser implements LineParser {
  readonly format = 'windows-dns';
  err = '';
  private dateEnd = 0;
  private ipS = 0;
  private ipE = 0;

  locate(buf: Buffer, s: number, e: number, r: Rec): number {
    if (e > s && buf[e - 1] === 13) e--;
    if (s >= e) return SKIP;
    const p = findIn(buf, PACKET, s, e);
    if (p < 0) return SKIP; // header, detail sections, EVENT lines
    const rcv = findIn(buf, RCV, p, e);
    if (rcv < 0) return SKIP; // Snd
    // after the client IP: xid, then ` R Q [` for responses, `   Q [` for queries
    let i = rcv + RCV.length;
    while (i < e && buf[i] === 32) i++;
    const ipS = i;
    while (i < e && buf[i] !== 32) i++;
    const ipE = i;
    const br = buf.indexOf(91, i); // '['
    if (br < 0 || br >= e) {
      this.err = 'expected `[flags]` in a PACKET line';
      return BAD;
    }
    // flags area before '[': contains 'R' for responses
    for (let k = ipE; k < br; k++) {
      if (buf[k] === 82 && buf[k - 1] === 32 && buf[k + 1] === 32) return SKIP;
    }
    // opcode just before ` [`: Q standard query; N notify, U dynamic update (a client registering
    // its own name in a zone), ? unknown are not look-ups of a service
    let op = br - 1;
    while (op > ipE && buf[op] === 32) op--;
    if (buf[op] !== 81) return SKIP;
    // the name is the last token
    let ne = e;
    while (ne > br && buf[ne - 1] === 32) ne--;
    let ns = ne;
    while (ns > br && buf[ns - 1] !== 32) ns--;
    const name = wireName(buf.toString('utf8', ns, ne));
    if (!name) {
      this.err = 'expected a (n)label(0) query name';
      return BAD;
    }
    r.host = name;
    this.dateEnd = p;
    this.ipS = ipS;
    this.ipE = ipE;
    return r.host ? HOST : SKIP;
  }

  fill(buf: Buffer, s: number, _e: number, r: Rec): void {
    r.ip = latin1(buf, this.ipS, this.ipE);
    // `6/5/2013 10:00:32 AM 0E70` — drop the thread id
    const head = buf.toString('latin1', s, this.dateEnd).trim();
    const m = /^(\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2}:\d{2}(?: [AP]M)?)/i.exec(head);
    if (m) r.ts = parseTime(m[1]);
  }

  snapshot(): ParserState {
    return { format: this.format };
  }
}
