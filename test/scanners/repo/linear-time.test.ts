/**
 * Long runs of spaces and tabs (a requirement padded to column two million, a YAML value followed
 * by a megabyte of blanks) used to make the repo parsers quadratic. Each file here finishes, with
 * the right result; the time is measured in the report / benchmarks, never asserted.
 */
import { describe, expect, it } from 'vitest';
import { rmTree, runScan, tree } from './helpers.js';

const RUN = 2_000_000;
const sp = ' '.repeat(RUN);
const tabs = '\t'.repeat(RUN / 2);
const quarter = '\t'.repeat(RUN / 4);

describe('repo parsers on long blank runs', () => {
  // the Kubernetes file also holds an image reference; the test rules know no image, so only its env var is evidence
  it('a 2,000,000-space requirements line and padded setup.cfg, conda, Terraform and Kubernetes files scan to the right result', async () => {
    const root = tree({
      'requirements.txt': `acme-llm${sp}==1.0\n`,
      'bad/requirements.txt': `acme-llm${sp}x\n`,
      'setup.cfg': `[options]\ninstall_requires =\n    acme-llm${tabs}>=1.0\n`,
      'environment.yml': `dependencies:\n  - pip:\n    - acme-llm${tabs}\n`,
      'infra/main.tf': `resource "acme_llm_endpoint"${tabs}"x" {\n  name = "a"${tabs}\n}\n`,
      'k8s/deploy.yaml': `kind: Deployment\nspec:\n  containers:\n  - name: a${quarter}\n    image:${quarter}"acme/llm:1"${quarter}# c\n    env:\n    - name: ACME_LLM_API_KEY${quarter}x\n`,
    });
    try {
      const { observations, coverage } = await runScan({ paths: [root] });
      const pkgs = observations.filter((o) => o.kind === 'package').map((o) => `${o.locator} ${o.value} ${o.attrs?.version ?? ''}`.trim()).sort();
      expect(pkgs).toEqual(['environment.yml:3 acme-llm', 'requirements.txt:1 acme-llm ==1.0', 'setup.cfg:3 acme-llm >=1.0']);
      // the malformed line is reported with file:line, not dropped silently, not a crash
      expect(coverage.problems.map((p) => p.locator)).toContain('bad/requirements.txt:1');
      expect(coverage.failed).toEqual([]);
      expect(coverage.skipped).toEqual([]);
      expect(coverage.scanned).toBe(6);
      expect(observations.filter((o) => o.locator.startsWith('k8s/')).map((o) => `${o.kind} ${o.value} ${o.locator}`)).toEqual(['env-var ACME_LLM_API_KEY k8s/deploy.yaml:7']);
    } finally {
      rmTree(root);
    }
  }, 120_000);
});
