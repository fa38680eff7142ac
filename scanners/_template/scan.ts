import { readFile } from 'node:fs/promises';
import type { Coverage, ScanContext, Sink } from '../../src/core/types.js';
import type { TemplateOptions } from './index.js';

/** Each path is a unit: a failing unit is reported through the sink, never thrown. */
export async function scan(ctx: ScanContext<TemplateOptions>, sink: Sink): Promise<Coverage> {
  for (const path of ctx.options.paths) {
    if (ctx.signal.aborted) break;
    try {
      const text = await readFile(path, 'utf8');
      text.split('\n').forEach((line, i) => {
        const host = line.trim();
        if (host && ctx.rules.hostCandidate(host)) {
          sink.observe({
            kind: 'host', value: host, source: 'repo', scanner: 'template', signal: 'presence',
            confidence: 'inferred', subject: { kind: 'file', id: path }, locator: `${path}:${i + 1}`,
          });
        }
      });
      sink.unitScanned(path);
    } catch (e) {
      sink.unitFailed(path, (e as Error).message);
    }
  }
  return sink.coverage();
}
