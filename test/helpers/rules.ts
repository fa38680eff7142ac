/** Builds a real RuleIndex from rule YAML written to a temporary folder. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuleIndex } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/load.js';

export const SMALL_RULES: Record<string, string> = {
  'alpha-ai': `id: alpha-ai
name: Alpha AI
vendor: Alpha Inc
category: llm-api
risk: { trainsOnCustomerData: opt-out, hosting: saas, dataAccess: [prompts] }
match:
  domains: [{ host: api.alpha-ai.test }, { suffix: alpha-ai.test }]
  packages: { npm: [alpha-ai], pypi: [alpha-ai] }
  envVars: [ALPHA_API_KEY]
  credentials:
    - id: alpha-key
      keywords: [alpha_]
      pattern: "\\\\b(alpha_[A-Za-z0-9]{32})\\\\b"
      examples:
        match: ["ALPHA_API_KEY=alpha_Q2w3E4r5T6y7U8i9O0p1A2s3D4f5G6h7"]
        noMatch: ["alpha_short"]
`,
  'beta-ai': `id: beta-ai
name: Beta Meeting Notes
vendor: Beta Ltd
category: meeting-assistant
risk: { hosting: saas, dataAccess: [meetings, calendar] }
match:
  domains: [{ host: app.beta-notes.test }]
  saas: { appNames: [Beta Notes] }
`,
  'gamma-local': `id: gamma-local
name: Gamma Local Runtime
vendor: Gamma
category: local-inference
risk: { hosting: self-hosted }
match:
  images: [gamma/gamma]
  modelFormats: [tiny]
`,
};

export function writeRules(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'shadowscan-rules-'));
  mkdirSync(join(dir, 'services'));
  for (const [id, yaml] of Object.entries({ ...SMALL_RULES, ...extra })) writeFileSync(join(dir, 'services', `${id}.yaml`), yaml);
  writeFileSync(join(dir, 'model-formats.yaml'), 'formats:\n  - id: tiny\n    name: Tiny\n    extensions: [.tiny]\n    magic: [{ offset: 0, hex: "54494e59" }]\n');
  return dir;
}

export function smallIndex(extra: Record<string, string> = {}): RuleIndex {
  const loaded = loadRules([writeRules(extra)], { builtin: false });
  return new RuleIndex(loaded.services, loaded.modelFormats);
}
