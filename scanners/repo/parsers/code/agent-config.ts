/**
 * Agent / assistant / MCP config files, recognised purely by path through the rules'
 * agent-config globs (RuleIndex.matchAgentConfig). Binary mode: only the path is needed.
 */
import type { FileParser } from '../types.js';

export const agentConfigParser: FileParser = {
  id: 'agent-config',
  binary: true,
  matches() {
    return true;
  },
  parse(input) {
    if (!input.rules.matchAgentConfig(input.relPath)) return;
    input.emit({ kind: 'agent-config', value: input.relPath, signal: 'presence', confidence: 'declared', attrs: { path: input.relPath, bytes: input.size } });
  },
};
