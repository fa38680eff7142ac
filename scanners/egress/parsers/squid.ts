/**
 * Squid native access.log (`logformat squid`, the default):
 *   time.ms elapsed client result/status bytes method URL user hierarchy/peer type
 * e.g. `1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 badeyek DIRECT/175.16.199.115 -`
 * Fields are separated by runs of spaces (elapsed is right-aligned). CONNECT URLs are
 * `host:port`. `bytes` (%<st) is what Squid sent to the client → bytesIn; the native format
 * has no request size, so bytesOut is unknown. A `*_DENIED*` result is an attempt (r.fail),
 * except `TCP_DENIED/407`, the proxy-authentication challenge, which is not an event.
 * https://wiki.squid-cache.org/Features/LogFormat
 */
import { parseEpochMs, parseUint, skipBlank, urlParts, latin1, isUnset, findIn } from '../bytes.js';

const DENIED = Buffer.from('DENIED');
import { BAD, HOST, SKIP, type LineParser, type ParserState, type Rec } from './types.js';

export class SquidParser implements LineParser {
  readonly format = 'squid';
  err = '';
  /** field starts / ends of the last located line: 0 time … 7 user */
  private fs = new Int32Array(9);
  private fe = new Int32Array(9);
  private url = new Int32Array(3);

  locate(buf: Buffer, s: number, e: number, r: Rec): number {
    let i = skipBlank(buf, s, e);
    if (i >= e) return SKIP;
    const c0 = buf[i];
    if (c0 < 48 || c0 > 57) {
      if (c0 === 35) return SKIP; // comment
      this.err = 'expected a Squid native line (epoch time first)';
      return BAD;
    }
    const fs = this.fs;
    const fe = this.fe;
    // Fields are separated by runs of spaces (elapsed is right-aligned). Inlined byte loops,
    // no per-field native call (its call overhead dominates on fields of 5–15 bytes). Only the
    // fields up to the URL are walked here: most lines are dropped on their host, and the
    // user field is found by fill() for the few that are kept.
    let slash = false;
    for (let f = 0; f < 7; f++) {
      if (i >= e) {
        this.err = `expected at least 7 space-separated fields, got ${f}`;
        return BAD;
      }
      fs[f] = i;
      let c = buf[i];
      if (f === 3) {
        // result/status must contain '/': a cheap sanity check that keeps garbage out
        while (c !== 32 && c !== 9 && i < e) {
          if (c === 47) slash = true;
          c = buf[++i];
        }
      } else {
        while (c !== 32 && c !== 9 && i < e) c = buf[++i];
      }
      fe[f] = i;
      while ((c === 32 || c === 9) && i < e) c = buf[++i];
    }
    if (!slash) {
      this.err = 'expected result/status (e.g. TCP_MISS/200) in field 4';
      return BAD;
    }
    const u = this.url;
    urlParts(buf, fs[6], fe[6], u);
    r.hs = u[0];
    r.he = u[1];
    r.ps = u[2] < fe[6] ? u[2] : -1;
    r.pe = fe[6];
    return u[1] > u[0] ? HOST : SKIP;
  }

  fill(buf: Buffer, _s: number, e: number, r: Rec): void {
    const fs = this.fs;
    const fe = this.fe;
    r.ts = parseEpochMs(buf, fs[0], fe[0]);
    r.ip = latin1(buf, fs[2], fe[2]);
    const b = parseUint(buf, fs[4], fe[4]);
    r.inb = b;
    // TCP_DENIED/403, TCP_DENIED_REPLY/403: the proxy refused the request (an attempt).
    // TCP_DENIED/407 is the proxy-authentication challenge every browser meets before it retries
    // with credentials: not a decision about the destination, so not an event at all (counting it
    // would add an IP-subject attempt beside each authenticated user's usage).
    if (findIn(buf, DENIED, fs[3], fe[3]) >= 0) {
      const n = fe[3] - fs[3];
      if (n >= 4 && buf[fe[3] - 4] === 47 && buf[fe[3] - 3] === 52 && buf[fe[3] - 2] === 48 && buf[fe[3] - 1] === 55) r.drop = true;
      else r.fail = true;
    }
    // the user field (absent in some configurations)
    let i = fe[6];
    while (i < e && (buf[i] === 32 || buf[i] === 9)) i++;
    fs[7] = i;
    while (i < e && buf[i] !== 32 && buf[i] !== 9) i++;
    fe[7] = i;
    if (fe[7] > fs[7]) {
      const u = buf.toString('utf8', fs[7], fe[7]);
      if (!isUnset(u)) r.user = decodeURIComponentSafe(u);
    }
  }

  snapshot(): ParserState {
    return { format: this.format };
  }
}

/** Squid %-escapes user names (`DOMAIN%5Cuser`). */
export function decodeURIComponentSafe(s: string): string {
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
