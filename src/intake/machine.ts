/**
 * The intake state machine of a risk entry. Every action names the states it may start from;
 * anything else is rejected with an error that says what is allowed.
 *
 *   needs-intake ──triage──► triaged ──request-intake──► intake-requested
 *        │                      │                              │
 *        └──────────────┬───────┴──────────────┬───────────────┘
 *                 approve / decline      suppress / false-positive
 *                       ▼                        ▼
 *              approved ◄──► declined      suppressed / false-positive ──reopen──► needs-intake
 *                                │
 *            (a later scan sees it again) ► declined-but-in-use ──approve / triage / suppress
 *
 * The scan commit (src/register) moves entries too: approved → needs-intake when an approval
 * expires or use leaves its scope, declined → declined-but-in-use, suppressed → needs-intake
 * when the suppression has expired.
 */
import { ShadowscanError } from '../core/errors.js';

export type RiskStatus = 'needs-intake' | 'triaged' | 'intake-requested' | 'approved' | 'declined' | 'declined-but-in-use' | 'suppressed' | 'false-positive' | 'closed';
export type IntakeAction = 'triage' | 'request-intake' | 'approve' | 'decline' | 'suppress' | 'false-positive' | 'reopen';
/** What a role must hold to perform an action. */
export type Permission = 'view' | 'triage' | 'decide' | 'admin';

export const RISK_STATUSES: RiskStatus[] = ['needs-intake', 'triaged', 'intake-requested', 'approved', 'declined', 'declined-but-in-use', 'suppressed', 'false-positive', 'closed'];

/** Open = waiting for someone to act. */
export const OPEN_STATUSES: RiskStatus[] = ['needs-intake', 'triaged', 'intake-requested', 'declined-but-in-use'];

export interface Transition {
  from: RiskStatus[];
  to: (from: RiskStatus) => RiskStatus;
  permission: Permission;
  label: string;
}

export const TRANSITIONS: Record<IntakeAction, Transition> = {
  triage: { from: OPEN_STATUSES, to: (f) => (f === 'needs-intake' ? 'triaged' : f), permission: 'triage', label: 'triage' },
  'request-intake': { from: ['needs-intake', 'triaged'], to: () => 'intake-requested', permission: 'triage', label: 'request intake' },
  approve: { from: ['triaged', 'intake-requested', 'declined', 'declined-but-in-use'], to: () => 'approved', permission: 'decide', label: 'approve' },
  decline: { from: ['triaged', 'intake-requested', 'approved'], to: () => 'declined', permission: 'decide', label: 'decline' },
  suppress: { from: OPEN_STATUSES, to: () => 'suppressed', permission: 'triage', label: 'suppress' },
  'false-positive': { from: [...OPEN_STATUSES, 'suppressed'], to: () => 'false-positive', permission: 'triage', label: 'mark false positive' },
  reopen: { from: ['suppressed', 'false-positive', 'closed'], to: () => 'needs-intake', permission: 'triage', label: 'reopen' },
};

/** Errors of the intake library; `status` is the HTTP status the web app answers with. */
export class IntakeError extends ShadowscanError {
  constructor(message: string, readonly status: 400 | 403 | 404 | 409 = 400, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function canTransition(action: IntakeAction, from: string): boolean {
  return TRANSITIONS[action].from.includes(from as RiskStatus);
}

/** The next state, or an IntakeError (409) naming the allowed starting states. */
export function nextStatus(action: IntakeAction, from: string, riskId: string): RiskStatus {
  const t = TRANSITIONS[action];
  if (!t.from.includes(from as RiskStatus)) {
    const hint = action === 'approve' || action === 'decline' ? (from === 'needs-intake' ? ' — triage it first' : '') : '';
    throw new IntakeError(`${riskId}: cannot ${t.label} an entry in state "${from}" (allowed from: ${t.from.join(', ')})${hint}`, 409);
  }
  return t.to(from as RiskStatus);
}

/** Actions available from a state (for UIs). */
export function actionsFrom(from: string): IntakeAction[] {
  return (Object.keys(TRANSITIONS) as IntakeAction[]).filter((a) => canTransition(a, from));
}
