import { ACTIONS, type ActionId } from './cards.ts';
import type { DecisionKind } from './run-types.ts';

/**
 * The one table of Go/No-Go decisions: the button that gives each, the word people read, and whether it
 * needs a rationale. NO-GO and DEFER stop the run, so the requester and the audit trail are told why;
 * a GO may say why. The state machine (run-approval.ts), the forms and every renderer read it from here.
 */
export const DECISIONS = {
  go: { action: ACTIONS.go, label: 'GO', rationale: 'optional' },
  no_go: { action: ACTIONS.noGo, label: 'NO-GO', rationale: 'required' },
  defer: { action: ACTIONS.defer, label: 'DEFER', rationale: 'required' },
} as const satisfies Record<DecisionKind, { action: ActionId; label: string; rationale: 'required' | 'optional' }>;

const KINDS = Object.keys(DECISIONS) as DecisionKind[];

/** GO / NO-GO / DEFER for their buttons; null for any other button. */
export function decisionOf(action: string): DecisionKind | null {
  return KINDS.find((kind) => DECISIONS[kind].action === action) ?? null;
}

export function decisionLabel(decision: DecisionKind): string {
  return DECISIONS[decision].label;
}

export function actionOf(decision: DecisionKind): ActionId {
  return DECISIONS[decision].action;
}

export function rationaleRequired(decision: DecisionKind): boolean {
  return DECISIONS[decision].rationale === 'required';
}
