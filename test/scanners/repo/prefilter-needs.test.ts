/**
 * The pre-filter's cheap skips beyond the rule anchors (scanners/repo/scan.ts, FileParser.needs):
 * - a parser declaring `needs` (literals its parse tests first) emits and reports nothing on a
 *   text holding none of them, so skipping it on the bytes changes nothing;
 * - a text file with no credential keyword and no text parser left is not decoded, yet the
 *   binary parsers still run on it and what they emit carries the role read from its text.
 * Both are compared with the scan without the pre-filter (the slow path).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ruleIndex } from '../../../src/rules/load.js';
import { parsers } from '../../../scanners/repo/parsers/index.js';
import type { FileParser, ParsedObservation } from '../../../scanners/repo/parsers/types.js';
import { rmTree, runScan, tree, type ScanResult } from './helpers.js';

const rules = ruleIndex().index;

/** Scans a tree without and with the pre-filter: the same observations and coverage (the skip count aside). */
async function onOff(spec: Record<string, string>): Promise<ScanResult> {
  const root = tree(spec);
  try {
    const off = await runScan({ paths: [root], workers: 0 }, { rules, deps: { prefilter: false } });
    const on = await runScan({ paths: [root], workers: 0 }, { rules, deps: { prefilter: true } });
    expect(JSON.stringify(on.observations)).toBe(JSON.stringify(off.observations));
    const { prefilterSkippedParsers: _, ...stats } = on.coverage.stats;
    expect(JSON.stringify({ ...on.coverage, stats })).toBe(JSON.stringify(off.coverage));
    return on;
  } finally {
    rmTree(root);
  }
}

function parse(p: FileParser, relPath: string, text: string): { obs: ParsedObservation[]; problems: string[] } {
  const out = { obs: [] as ParsedObservation[], problems: [] as string[] };
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  p.parse({ relPath, name, text, size: Buffer.byteLength(text), rules, emit: (o) => out.obs.push(o), problem: (m) => out.problems.push(m) });
  return out;
}

/** Real-format inputs each parser with `needs` emits on (bundled rules). */
const SAMPLES: Record<string, Array<[string, string]>> = {
  'pulumi-code': [
    ['infra/index.ts', 'import * as pulumi from "@pulumi/pulumi";\nimport * as azure_native from "@pulumi/azure-native";\nimport * as aws from "@pulumi/aws";\n\nconst a = new azure_native.cognitiveservices.Account("oai", {\n  kind: "OpenAI",\n});\nconst m = new aws.bedrock.CustomModel("m", {});\n'],
    ['__main__.py', 'import pulumi\nimport pulumi_azure_native as azure_native\n\nacct = azure_native.cognitiveservices.Account("oai", kind="OpenAI")\n'],
  ],
  'iac-templates': [
    ['template.yaml', 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Endpoint:\n    Type: AWS::SageMaker::Endpoint\n    Properties:\n      EndpointConfigName: cfg\n  Agent:\n    Type: AWS::Bedrock::Agent\n'],
    ['azuredeploy.json', JSON.stringify({ $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', resources: [{ type: 'Microsoft.CognitiveServices/accounts', apiVersion: '2023-05-01', name: 'oai', kind: 'OpenAI' }] }, null, 2)],
  ],
  'mcp-config': [
    ['.mcp.json', JSON.stringify({ mcpServers: { fetch: { command: 'uvx', args: ['mcp-server-fetch'] }, remote: { type: 'http', url: 'https://mcp.example.net/mcp' } } }, null, 2)],
    ['.vscode/mcp.json', JSON.stringify({ servers: { fs: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem'] } } }, null, 2)],
    ['config.toml', '[mcp_servers.docs]\ncommand = "npx"\nargs = ["-y", "@upstash/context7-mcp"]\n'],
  ],
};

/** The text with every occurrence of every needed literal broken (one letter's case flipped, or a colon doubled). */
function withoutNeeds(text: string, needs: readonly string[]): string {
  let t = text;
  for (const l of needs) {
    const broken = /[a-z]/i.test(l) ? l.replace(/[a-z]/i, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())) : l + ':';
    t = t.split(l).join(broken);
  }
  return needs.some((l) => t.includes(l)) ? withoutNeeds(t, needs) : t;
}

const needing = parsers.filter((p) => p.needs?.length);

describe('FileParser.needs: a parser skipped on the bytes emits nothing on them', () => {
  it('the parsers that declare it emit on real-format samples, and nothing once their literals are gone', () => {
    expect(needing.map((p) => p.id).sort()).toEqual(Object.keys(SAMPLES).sort());
    for (const p of needing) {
      for (const [rel, text] of SAMPLES[p.id]) {
        expect(p.matches(rel, rel.slice(rel.lastIndexOf('/') + 1)), `${p.id} ${rel}`).toBe(true);
        expect(parse(p, rel, text).obs.length, `${p.id} ${rel}`).toBeGreaterThan(0);
        const without = withoutNeeds(text, p.needs!);
        expect(p.needs!.some((l) => without.includes(l))).toBe(false);
        expect(parse(p, rel, without), `${p.id} ${rel} without ${p.needs}`).toEqual({ obs: [], problems: [] });
      }
    }
  });

  it('random texts built from the samples: whenever no literal is there, nothing is emitted or reported (property)', () => {
    for (const p of needing) {
      const lines = SAMPLES[p.id].flatMap(([, t]) => t.split('\n'));
      const near = p.needs!.flatMap((l) => [l, l.toLowerCase(), l.toUpperCase(), l.slice(1), l.slice(0, -1)]);
      const piece = fc.oneof(fc.constantFrom(...lines), fc.constantFrom(...near), fc.string({ maxLength: 12 }));
      let without = 0;
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 30 }), fc.constantFrom(...SAMPLES[p.id].map(([rel]) => rel)), (parts, rel) => {
          const text = parts.join('\n');
          if (p.needs!.some((l) => text.includes(l))) return;
          without++;
          const r = parse(p, rel, text);
          expect(r, `${p.id} ${rel}: ${JSON.stringify(text)}`).toEqual({ obs: [], problems: [] });
        }),
        { numRuns: 400 },
      );
      expect(without, p.id).toBeGreaterThan(20);
    }
  });

  it('a scan of the samples and their broken copies gives the same observations and coverage with and without the pre-filter', async () => {
    const spec: Record<string, string> = {};
    for (const [, list] of Object.entries(SAMPLES)) {
      for (const [rel, text] of list) {
        spec[rel] = text;
        const p = needing.find((x) => SAMPLES[x.id].some(([r]) => r === rel))!;
        spec[`broken/${rel}`] = withoutNeeds(text, p.needs!);
      }
    }
    const on = await onOff(spec);
    expect(on.observations.length).toBeGreaterThan(5);
    expect(on.coverage.stats.prefilterSkippedParsers).toBeGreaterThan(0);
  });
});

describe('a text file where only binary parsers can emit', () => {
  it('still gets their observations, with the role read from its text (decoded only then)', async () => {
    // agent-config files (a rule glob), and Git LFS pointers of a model format (text files the
    // model-artifact parser reads by their head), one of them marked generated in its text
    const agentGlob = rules.services.flatMap((s) => s.match.agentConfigs).find((g) => /^[\w.-]+\.md$/.test(g));
    expect(agentGlob).toBeDefined();
    const lfs = 'version https://git-lfs.github.com/spec/v1\noid sha256:' + 'ab'.repeat(32) + '\nsize 4096\n';
    const on = await onOff({
      [`tools/${agentGlob}`]: '# Agents\nRun the tests.\n',
      'models/tiny.llamafile': lfs,
      'models/gen.llamafile': lfs + '# @generated by sync-models\n',
      'notes.txt': 'nothing here\n',
    });
    const emitted = on.observations.filter((o) => o.kind === 'agent-config' || o.kind === 'model-artifact');
    expect(emitted.map((o) => `${o.locator}:${o.attrs?.role}`).sort()).toEqual(['models/gen.llamafile:generated', 'models/tiny.llamafile:config', `tools/${agentGlob}:agent-config`]);
    expect(on.coverage.stats.textFiles).toBe(4);
  });
});
