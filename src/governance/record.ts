/** The governance state the register keeps per risk entry (its own table, migrations 500–599). */
import type { Threat } from './mapping.js';

export interface ImpactAssessment {
  /** ISO/IEC 42005 / ISO/IEC 42001 6.1.4: what the AI system is used for and by whom. */
  purpose: string;
  /** Individuals and groups affected, inside and outside the organisation. */
  affectedPeople: string;
  /** Potential harms and benefits to them and to society (A.5.4, A.5.5). */
  potentialHarms: string;
  /** Measures that address the harms. */
  mitigations: string;
  /** The assessment's conclusion. */
  decision: 'proceed' | 'proceed-with-conditions' | 'do-not-proceed';
  decisionRationale: string;
  by: string;
  at: string;
}

export interface GovernanceRecord {
  riskEntryId: string;
  itemId: string;
  threats: Threat[];
  threatsSource: 'derived' | 'override';
  threatsOverride?: { by: string; at: string; rationale: string };
  treatment?: {
    controls: string[];
    notes?: string;
    residualLikelihood: number;
    residualImpact: number;
    residualScore: number;
    reason: string;
    by: string;
    at: string;
  };
  acceptance?: { role: string; by: string; at: string; rationale: string; residualScore: number; appetite: number };
  pause?: { until: string; reason: string; by: string; at: string; ended?: { at: string; by: string; reason: string } };
  escalation?: { level: number; role: string; at: string; overdue: 'triage' | 'decision'; deadline: string };
  review?: { due: string; scheduledAt: string; lapsed?: { at: string; reason: string } };
  impactAssessment?: ImpactAssessment;
  updatedAt: string;
}

/** Stored governance rows of the register pages and exports (one per risk entry). */
export interface GovernanceFilter {
  stage?: string;
  threat?: string;
  /** Only entries with an active pause at this time. */
  pausedAt?: string;
  /** Only entries escalated at least once (and not cleared by a decision). */
  escalated?: boolean;
  /** Only entries with a review date on or before this day. */
  reviewDueBy?: string;
}
