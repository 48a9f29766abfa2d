import { isPerson, type Actor, type Person } from './identity.ts';
import type { RunSpec } from './spec.ts';

/** Who may do what on a run. A refusal is a reason to show the user, never an exception. */
export type Permission = { allowed: true } | { allowed: false; reason: string };

const ALLOWED: Permission = { allowed: true };

function listed(people: Person[], actor: Actor): boolean {
  return people.some((person) => isPerson(actor, person));
}

function names(people: Person[]): string {
  return people.map((person) => person.key).join(', ');
}

export function mayStart(spec: RunSpec, actor: Actor): Permission {
  if (spec.deployers.length === 0 || listed(spec.deployers, actor) || listed(spec.approvers, actor)) return ALLOWED;
  return { allowed: false, reason: `Only deployers of this service may start a run (${names(spec.deployers)}).` };
}

export function mayDecide(spec: RunSpec, actor: Actor): Permission {
  if (listed(spec.approvers, actor)) return ALLOWED;
  return { allowed: false, reason: `Only approvers may decide Go/No-Go on this run (${names(spec.approvers)}).` };
}

export function mayRollback(spec: RunSpec, actor: Actor): Permission {
  if (listed(spec.approvers, actor) || listed(spec.onCall, actor)) return ALLOWED;
  return { allowed: false, reason: `Only approvers and on-call may roll back this run (${names([...spec.approvers, ...spec.onCall])}).` };
}

export function mayCancel(spec: RunSpec, requester: Actor, actor: Actor): Permission {
  if ((requester.platform === actor.platform && requester.id === actor.id) || listed(spec.approvers, actor)) return ALLOWED;
  return { allowed: false, reason: 'Only the person who started the run or an approver may cancel it.' };
}

export function mayPromote(spec: RunSpec, actor: Actor): Permission {
  if (listed(spec.approvers, actor)) return ALLOWED;
  return { allowed: false, reason: `Only approvers may promote or hold a canary on this run (${names(spec.approvers)}).` };
}
