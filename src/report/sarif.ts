/**
 * SARIF 2.1.0 for GitHub code scanning: one rule per AI service, one result per repository
 * finding with a physical location. Findings from logs, audit and cloud have no file location
 * and are left to the other formats.
 */
import type { ScanReport } from '../pipeline.js';

const LEVEL: Record<string, 'error' | 'warning' | 'note'> = {
  'declined-but-in-use': 'error',
  unsanctioned: 'error',
  'approval-expired': 'warning',
  'out-of-scope': 'warning',
  sanctioned: 'note',
};

export function toSarif(report: ScanReport): object {
  const repoFindings = report.findings.filter((f) => f.source === 'repo' && /:\d+$/.test(f.locator));
  const services = [...new Set(repoFindings.map((f) => f.service))].sort();
  const rules = services.map((id) => {
    const f = repoFindings.find((x) => x.service === id)!;
    return {
      id: `shadow-ai/${id}`,
      name: `ShadowAi${id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase())}`,
      shortDescription: { text: `AI service in use: ${f.serviceName} (${f.vendor})` },
      fullDescription: { text: `${f.serviceName} by ${f.vendor} (${f.category}) is used in this repository. Check it against the organisation's sanctioned AI catalog; unregistered use becomes an AI risk-register entry (ISO/IEC 42001 6.1.2, A.4.4, A.10.3).` },
      help: { text: `Register the service in the sanctioned AI catalog or remove it. Run \`shadowscan register list\` for the intake queue.`, markdown: `Register **${f.serviceName}** in the sanctioned AI catalog (catalog-as-code) or remove it.` },
      defaultConfiguration: { level: 'warning' },
      properties: { tags: ['shadow-ai', f.category], precision: 'high' },
    };
  });
  const ruleIndex = new Map(services.map((s, i) => [s, i]));
  const basisOf = new Map(report.items.map((i) => [i.id, i.basis]));
  const results = repoFindings.map((f) => {
    const m = /^(.*):(\d+)$/.exec(f.locator)!;
    const secretNote = f.signal === 'credential' ? ` A credential (${f.value}) is present: rotate it.` : '';
    return {
      ruleId: `shadow-ai/${f.service}`,
      ruleIndex: ruleIndex.get(f.service)!,
      level: f.signal === 'credential' ? 'error' : LEVEL[f.status] ?? 'warning',
      message: { text: `${f.serviceName}: ${f.kind} ${f.kind === 'credential' ? '' : `"${f.value}" `}(${f.signal}, ${f.confidence}) — ${f.status}: ${f.statusReason}.${secretNote}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: m[1].split('\\').join('/').replace(/^\/+/, ''), uriBaseId: '%SRCROOT%' }, region: { startLine: Math.max(1, Number(m[2])), ...(f.snippet ? { snippet: { text: f.snippet } } : {}) } } }],
      partialFingerprints: { 'shadowscanFinding/v1': f.id },
      properties: { service: f.service, status: f.status, signal: f.signal, confidence: f.confidence, subject: `${f.subject.kind}:${f.subject.id}`, ...(typeof f.attrs?.role === 'string' ? { role: f.attrs.role } : {}), ...(basisOf.get(f.itemId) ? { basis: basisOf.get(f.itemId) } : {}) },
    };
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'shadowscan', version: report.tool.version, informationUri: 'https://github.com/shadowscan/shadowscan', rules } },
        automationDetails: { id: `shadowscan/${report.run.id}` },
        results,
      },
    ],
  };
}
