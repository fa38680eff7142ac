/**
 * Code-side parsers of the repo scanner: pure functions of one file's content that emit neutral
 * observations. None of them names an AI service: every recognition goes through the RuleIndex.
 */
import type { FileParser } from '../types.js';
import { agentConfigParser } from './agent-config.js';
import { configEnvVarsParser, sourceEnvVarsParser, springConfigParser } from './env-vars.js';
import { bicepParser, templateParser, terraformParser } from './iac.js';
import { dockerfileParser, yamlImagesParser } from './images.js';
import { sourceImportsParser } from './imports.js';
import { sourceLiteralsParser } from './literals.js';
import { mcpConfigParser } from './mcp.js';
import { modelArtifactParser } from './model-artifacts.js';
import { notebookParser } from './notebook.js';
import { wranglerParser } from './bindings.js';
import { pulumiCodeParser, pulumiYamlParser } from './pulumi.js';
import { configUrlsParser, sourceUrlsParser } from './urls.js';

export const codeParsers: FileParser[] = [
  sourceImportsParser,
  notebookParser,
  sourceUrlsParser,
  sourceLiteralsParser,
  configUrlsParser,
  sourceEnvVarsParser,
  configEnvVarsParser,
  springConfigParser,
  terraformParser,
  bicepParser,
  templateParser,
  pulumiYamlParser,
  pulumiCodeParser,
  wranglerParser,
  dockerfileParser,
  yamlImagesParser,
  modelArtifactParser,
  agentConfigParser,
  mcpConfigParser,
];

export {
  agentConfigParser, bicepParser, configEnvVarsParser, configUrlsParser, dockerfileParser, mcpConfigParser, modelArtifactParser,
  notebookParser, pulumiCodeParser, pulumiYamlParser, sourceEnvVarsParser, sourceImportsParser, sourceLiteralsParser, sourceUrlsParser, templateParser, terraformParser, yamlImagesParser,
};
