import { isPerson, type Actor, type Person } from './identity.ts';
import { isActive, isHolder, lockedSummary, type Lock } from './lock.ts';
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

/** A GO into a lock or a freeze (domain/go-gates.ts): only someone who may approve and is an admin may give one, with a reason. */
export function mayOverrideGates(spec: RunSpec, actor: Actor): Permission {
  if (listed(spec.approvers, actor) && listed(spec.admins, actor)) return ALLOWED;
  const both = spec.approvers.filter((person) => spec.admins.some((admin) => admin.key === person.key));
  return { allowed: false, reason: `Only an admin who is also an approver may override it (${names(both) || 'the plan names none'}).` };
}

/** Admins override: they may also roll back, resume and cancel any run of the service (they cannot approve one). */
export function mayRollback(spec: RunSpec, actor: Actor): Permission {
  if (listed(spec.approvers, actor) || listed(spec.onCall, actor) || listed(spec.admins, actor)) return ALLOWED;
  return {
    allowed: false,
    reason: `Only approvers, on-call and admins may roll back this run (${names(distinct([...spec.approvers, ...spec.onCall, ...spec.admins]))}).`,
  };
}

/** Rolling back a finished deployment (a new run, domain/redeploy.ts): the people who may roll back a run, whether or not they may start one. */
export function mayRedeploy(spec: RunSpec, actor: Actor, target: string): Permission {
  if (listed(spec.approvers, actor) || listed(spec.onCall, actor) || listed(spec.admins, actor)) return ALLOWED;
  return {
    allowed: false,
    reason: `Only approvers, on-call and admins may roll back ${target} (${names(distinct([...spec.approvers, ...spec.onCall, ...spec.admins]))}).`,
  };
}

export function mayCancel(spec: RunSpec, requester: Actor, actor: Actor): Permission {
  if ((requester.platform === actor.platform && requester.id === actor.id) || listed(spec.approvers, actor) || listed(spec.admins, actor)) return ALLOWED;
  return { allowed: false, reason: 'Only the person who started the run, an approver or an admin may cancel it.' };
}

export function mayPromote(spec: RunSpec, actor: Actor): Permission {
  if (listed(spec.approvers, actor)) return ALLOWED;
  return { allowed: false, reason: `Only approvers may promote or hold a canary on this run (${names(spec.approvers)}).` };
}

/** Whoever may start a run may lock the target, and so may on-call and admins. Someone else's lock is the holder's, unless an admin takes it over. */
export function mayLock(spec: RunSpec, actor: Actor, held: Lock | null, now: Date): Permission {
  const admin = listed(spec.admins, actor);
  if (!admin && !mayStart(spec, actor).allowed && !listed(spec.onCall, actor)) {
    return {
      allowed: false,
      reason: `Only deployers, on-call and admins may lock this service (${names(distinct([...spec.deployers, ...spec.onCall, ...spec.admins]))}).`,
    };
  }
  if (!held || !isActive(held, now) || isHolder(held, actor) || admin) return ALLOWED;
  return {
    allowed: false,
    reason: `${lockedSummary(held, now)} Only ${held.kind === 'manual' ? `${held.by.name} or ` : ''}an admin (${names(spec.admins) || 'the plan names none'}) may change it.`,
  };
}

/**
 * A lock someone took: they or an admin may lift it. A lock a rollback took: on-call, approvers or
 * admins, and only with a reason, since it says production needed a human.
 */
export function mayUnlock(spec: RunSpec, lock: Lock, actor: Actor, reason: string | null): Permission {
  const admin = listed(spec.admins, actor);
  if (lock.kind === 'manual') {
    if (isHolder(lock, actor) || admin) return ALLOWED;
    return {
      allowed: false,
      reason: `Only ${lock.by.name} (who took the lock) or an admin (${names(spec.admins) || 'the plan names none'}) may unlock ${lock.service} ${lock.environment}.`,
    };
  }
  if (!admin && !listed(spec.onCall, actor) && !listed(spec.approvers, actor)) {
    return {
      allowed: false,
      reason: `${lock.service} ${lock.environment} was locked by a rollback: only on-call, approvers and admins may unlock it (${names(distinct([...spec.onCall, ...spec.approvers, ...spec.admins]))}).`,
    };
  }
  if (!reason)
    return {
      allowed: false,
      reason: `${lock.service} ${lock.environment} was locked by a rollback (${lock.runKey ?? 'a run'}): say why it is safe again, e.g. /deploy unlock ${lock.service} ${lock.environment} fixed in 1.2.1.`,
    };
  return ALLOWED;
}

function distinct(people: Person[]): Person[] {
  return people.filter((person, index) => people.findIndex((other) => other.key === person.key) === index);
}
