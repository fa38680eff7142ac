/**
 * Authoritative identifiers and titles (from ../shared/reference/standards.md): ISO/IEC 42001
 * clauses and the 38 Annex A controls, NIST AI RMF subcategories, EU AI Act articles.
 */

export const ISO42001_CLAUSES: Record<string, string> = {
  '6.1.2': 'AI risk assessment',
  '6.1.3': 'AI risk treatment',
  '6.1.4': 'AI system impact assessment',
  '8.2': 'AI risk assessment',
  '8.3': 'AI risk treatment',
  '8.4': 'AI system impact assessment',
  '9.1': 'Monitoring, measurement, analysis and evaluation',
};

/** The 38 Annex A controls (A.x.1 are objectives, not controls). */
export const ANNEX_A: Record<string, string> = {
  'A.2.2': 'AI policy',
  'A.2.3': 'Alignment with other organizational policies',
  'A.2.4': 'Review of the AI policy',
  'A.3.2': 'AI roles and responsibilities',
  'A.3.3': 'Reporting of concerns',
  'A.4.2': 'Resource documentation',
  'A.4.3': 'Data resources',
  'A.4.4': 'Tooling resources',
  'A.4.5': 'System and computing resources',
  'A.4.6': 'Human resources',
  'A.5.2': 'AI system impact assessment process',
  'A.5.3': 'Documentation of AI system impact assessments',
  'A.5.4': 'Assessing AI system impact on individuals or groups of individuals',
  'A.5.5': 'Assessing societal impacts of AI systems',
  'A.6.1.2': 'Objectives for responsible development of AI system',
  'A.6.1.3': 'Processes for responsible AI system design and development',
  'A.6.2.2': 'AI system requirements and specification',
  'A.6.2.3': 'Documentation of AI system design and development',
  'A.6.2.4': 'AI system verification and validation',
  'A.6.2.5': 'AI system deployment',
  'A.6.2.6': 'AI system operation and monitoring',
  'A.6.2.7': 'AI system technical documentation',
  'A.6.2.8': 'AI system recording of event logs',
  'A.7.2': 'Data for development and enhancement of AI system',
  'A.7.3': 'Acquisition of data',
  'A.7.4': 'Quality of data for AI systems',
  'A.7.5': 'Data provenance',
  'A.7.6': 'Data preparation',
  'A.8.2': 'System documentation and information for users',
  'A.8.3': 'External reporting',
  'A.8.4': 'Communication of incidents',
  'A.8.5': 'Information for interested parties',
  'A.9.2': 'Processes for responsible use of AI systems',
  'A.9.3': 'Objectives for responsible use of AI system',
  'A.9.4': 'Intended use of the AI system',
  'A.10.2': 'Allocating responsibilities',
  'A.10.3': 'Suppliers',
  'A.10.4': 'Customers',
};

export const NIST_AI_RMF: Record<string, string> = {
  'GOVERN 1.6': 'Mechanisms are in place to inventory AI systems and are resourced according to organizational risk priorities.',
  'GOVERN 6.1': "Policies and procedures are in place that address AI risks associated with third-party entities, including risks of infringement of a third-party's intellectual property or other rights.",
  'MAP 4.1': "Approaches for mapping AI technology and legal risks of its components – including the use of third-party data or software – are in place, followed, and documented, as are risks of infringement of a third party's intellectual property or other rights.",
  'MANAGE 3.1': 'AI risks and benefits from third-party resources are regularly monitored, and risk controls are applied and documented.',
  'MANAGE 3.2': 'Pre-trained models which are used for development are monitored as part of AI system regular monitoring and maintenance.',
  'MANAGE 1.3': 'Responses to the AI risks deemed high priority, as identified by the MAP function, are developed, planned, and documented. Risk response options can include mitigating, transferring, avoiding, or accepting.',
};

export const EU_AI_ACT: Record<string, string> = {
  'Art. 4': 'AI literacy (applies to all AI systems; amended by Regulation (EU) 2026/1744)',
  'Art. 26': 'Obligations of deployers of high-risk AI systems',
  'Art. 27': 'Fundamental rights impact assessment',
  'Art. 50': 'Transparency obligations',
};

export interface Reference {
  framework: 'ISO/IEC 42001' | 'ISO/IEC 42001 Annex A' | 'NIST AI RMF' | 'EU AI Act';
  id: string;
  title: string;
}

export function isoClause(id: string): Reference {
  const title = ISO42001_CLAUSES[id];
  if (!title) throw new Error(`unknown ISO/IEC 42001 clause ${id}`);
  return { framework: 'ISO/IEC 42001', id, title };
}
export function annexA(id: string): Reference {
  const title = ANNEX_A[id];
  if (!title) throw new Error(`unknown ISO/IEC 42001 Annex A control ${id}`);
  return { framework: 'ISO/IEC 42001 Annex A', id, title };
}
export function nist(id: string): Reference {
  const title = NIST_AI_RMF[id];
  if (!title) throw new Error(`unknown NIST AI RMF subcategory ${id}`);
  return { framework: 'NIST AI RMF', id, title };
}
export function euAiAct(id: string): Reference {
  const title = EU_AI_ACT[id];
  if (!title) throw new Error(`unknown EU AI Act article ${id}`);
  return { framework: 'EU AI Act', id, title };
}
