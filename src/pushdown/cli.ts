/**
 * `shadowscan rules compile --target T --source S [--from X] [--map FIELD=COLUMN…]`: prints the
 * query (stdout) and writes the lookup files with --out DIR. Registered by the CLI with
 * `registerRulesCompileCommand(rules, { ruleIndex, out })`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { RuleIndex } from '../rules/compile.js';
import { rulesCompile } from './compile.js';
import { QUERY_SOURCES, TARGETS, TIME_TYPES } from './types.js';

export interface RulesCompileDeps {
  /** the rule index with the user's extra rule folders */
  ruleIndex: (extraDirs: string[]) => { index: RuleIndex };
  out: (s: string) => void;
  err?: (s: string) => void;
}

const repeat = (v: string, prev: string[] = []) => [...prev, v];

export function registerRulesCompileCommand(rules: Command, deps: RulesCompileDeps): Command {
  return rules
    .command('compile')
    .description('Compile the domain rules into one aggregating query for the engine that holds the logs (docs/pushdown.md).')
    .requiredOption('--target <target>', `query language: ${TARGETS.join(', ')}`)
    .option('--source <source>', `what the logs are: ${QUERY_SOURCES.join(', ')}`, 'egress')
    .option('--from <what>', "what the query reads: a table, a DuckDB from-clause (read_parquet('x/*.parquet')), a Splunk search, a KQL table, an ES|QL index pattern")
    .option('--map <FIELD=COLUMN>', 'map a field to a column (repeatable): time, host, url, path, user, clientIp, bytesOut, bytesIn, action; audit: subject, eventSource, eventName, errorCode', repeat)
    .option('--time-type <type>', `how the time column is stored: ${TIME_TYPES.join(', ')}`)
    .option('--since <when>', 'window start: ISO date-time or a duration back from now (30d)')
    .option('--until <when>', 'window end (exclusive)')
    .option('--out <dir>', 'also write the query and the rules lookup CSV (SIEM targets) to DIR')
    .option('--rules <dir>', 'extra rule folder (repeatable)', repeat)
    .action((o: { target: string; source: string; from?: string; map?: string[]; timeType?: string; since?: string; until?: string; out?: string; rules?: string[] }) => {
      const { index } = deps.ruleIndex(o.rules ?? []);
      const c = rulesCompile(index, { target: o.target, source: o.source, from: o.from, map: o.map, timeType: o.timeType, since: o.since, until: o.until });
      deps.out(c.query + '\n');
      if (o.out) {
        mkdirSync(o.out, { recursive: true });
        const ext = c.target === 'spl' ? 'spl' : c.target === 'kql' ? 'kql' : c.target === 'esql' ? 'esql' : 'sql';
        writeFileSync(join(o.out, `shadowscan-${c.source}.${c.target}.${ext}`), c.query + '\n');
        for (const l of c.lookups) writeFileSync(join(o.out, l.name), l.content);
        deps.err?.(`wrote ${1 + c.lookups.length} file(s) to ${o.out}\n`);
      }
    });
}
