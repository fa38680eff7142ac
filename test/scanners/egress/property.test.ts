import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FORMATS, createParser } from '../../../scanners/egress/parsers/index.js';
import { Engine, HostFilter } from '../../../scanners/egress/engine.js';
import { testRules } from './helpers.js';

const seeds = [
  '1740787200.101   5006 10.20.0.11 TCP_TUNNEL/200 48211 CONNECT api.openai.com:443 alice HIER_DIRECT/1.2.3.4 -',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tserver_name',
  '1740787200.1\tC1\t10.0.0.1\t1\t1.1.1.1\t443\tapi.openai.com',
  '#Fields: date time c-ip cs-username cs-host cs-bytes sc-bytes',
  '2025-03-01 10:00:00 10.0.0.1 bob api.openai.com 10 20',
  '{"ts":1,"id.orig_h":"10.0.0.1","server_name":"API.OPENAI.COM.","uid":"C1"}',
  '{ "sourcetype" : "zscalernss-web", "event" :{"eurl":"chatgpt.com:443","login":"a@b","reqsize":"1"}}',
  '"2025-03-01 09:49:54","kim","kim","10.0.0.1","1.1.1.1","Allowed","1 (A)","NOERROR","claude.ai.","x"',
  'Mar  1 10:44:36 PA 1,2025/03/01 10:44:36,0,THREAT,url,1,t,1.1.1.1,2.2.2.2,,,r,u,,ssl,v,t,u,e,e,l,t,1,1,1,443,1,443,0,tcp,alert,"chatgpt.com/x",(1)',
  'client @0x7f 192.168.0.22#59735 (x.com): query: api.anthropic.com IN A +',
  '3/1/2025 10:00:32 AM 0E70 PACKET  000 UDP Rcv 10.1.1.1    5b47   Q [0001   D   NOERROR] A      (3)api(6)openai(3)com(0)',
  'host,user,bytes_out\napi.openai.com,bob,12',
];

describe('egress parsers never throw, whatever the line', () => {
  const rules = testRules();
  const filter = new HostFilter(rules);
  const line = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('latin1')),
    fc.tuple(fc.constantFrom(...seeds), fc.nat(400), fc.nat(40), fc.string({ maxLength: 20 })).map(([s, at, del, ins]) => {
      const i = Math.min(at, s.length);
      return s.slice(0, i) + ins + s.slice(Math.min(s.length, i + del));
    }),
  );
  for (const format of FORMATS) {
    it(format, () => {
      fc.assert(
        fc.property(fc.array(line, { maxLength: 8 }), (ls) => {
          const e = new Engine(createParser(format, {}), rules, filter, {});
          const buf = Buffer.from(ls.join('\n'), 'utf8');
          const end = e.process(buf, 0, buf.length);
          e.last(buf, end, buf.length);
          const r = e.result();
          expect(r.good + r.bad).toBeLessThanOrEqual(r.lines);
          for (const a of r.aggs) expect(a.host).toMatch(/^[a-z0-9.\-_:]+$/);
        }),
        { numRuns: 300 },
      );
    });
  }
});
