import { freezeGate, freezesFor } from './freeze.ts';
import type { Actor } from './identity.ts';
import { lockedSummary, type Lock } from './lock.ts';
import type { Plan } from './plan.ts';
import { mayRedeploy, mayStart } from './policy.ts';
import { chooseRedeploy, redeploySpec, type Success } from './redeploy.ts';
import { CANCELLABLE_STATES, PRODUCTION_TOUCHED, stateLabel, type Redeploy, type Run } from './run-types.ts';
import type { RunSpec } from './spec.ts';

/**
 * Whether a new run may be created on a target, and what it would be: the one decision behind
 * `/deploy start`, its `--dry-run`, and `/deploy rollback <service>` (a finished deployment rolled back
 * by a new run, domain/redeploy.ts). app/on-command.ts gathers the facts and acts on the answer.
 */

export interface StartFacts {
  plan: Plan;
  environment: string;
  /** The spec a start would freeze, with the strategy asked for. */
  spec: RunSpec;
  actor: Actor;
  now: Date;
  /** When the run would begin (`--at`): freeze windows are judged at that time. */
  startsAt: Date;
  /** The target's versions, newest success first: the first is what runs there now. */
  succeeded: Success[];
  /** The plan's enforced order (`requiresSuccessIn`): whether the version succeeded there first; null when the plan has no order. */
  orderMet: boolean | null;
  lock: Lock | null;
  active: Pick<Run, 'key' | 'state' | 'requestedBy'> | null;
}

export type StartAsk = { kind: 'start'; version: string; emergency: string | null } | { kind: 'redeploy'; to: string | null };

/** The new run's fields, as its `requested` event records them. */
export interface RunDraft {
  version: string;
  previousVersion: string | null;
  spec: RunSpec;
  emergency: Run['emergency'];
  redeploy: Redeploy | null;
}

/** Why not, by the gate that says it: the person and the version (`rule`), a freeze window, the target's lock, the run active there. */
export interface Refusal {
  gate: 'rule' | 'freeze' | 'lock' | 'active';
  message: string;
}

export interface StartDecision {
  /** The run the request asks for, when it names a version; it may be created only when nothing refuses it. */
  draft: RunDraft | null;
  /** Every reason, by gate in the order above: each rule broken (version, channel, who, order), then at most one per other gate. */
  refusals: Refusal[];
}

export function decideStart(facts: StartFacts, ask: StartAsk): StartDecision {
  return ask.kind === 'start' ? decideNewVersion(facts, ask.version, ask.emergency) : decideRedeploy(facts, ask.to);
}

function decideNewVersion(facts: StartFacts, version: string, emergency: string | null): StartDecision {
  const { plan, environment, spec, actor } = facts;
  const target = `${plan.service} ${environment}`;
  const permission = mayStart(spec, actor);
  const rules = [
    new RegExp(plan.versionPattern).test(version) ? null : `"${version}" does not match ${plan.service}'s version pattern ${plan.versionPattern}.`,
    channelRefusal(facts),
    permission.allowed ? null : permission.reason,
    facts.orderMet === false
      ? `${plan.service} ${version} has not succeeded in ${spec.requiresSuccessIn} yet, and this plan deploys there first: /deploy start ${plan.service} ${version} ${spec.requiresSuccessIn}`
      : null,
  ];
  const freeze = freezeGate({ freezes: freezesFor(plan, environment), spec, requester: actor, target, now: facts.startsAt, emergency });
  const refusals: Refusal[] = [
    ...ruleRefusals(rules),
    ...(freeze.allowed ? [] : [{ gate: 'freeze' as const, message: freeze.reason }]),
    ...targetRefusals(facts, 'start'),
  ];
  // An emergency start may ask for a decision the environment does not usually ask for (domain/freeze.ts).
  const draft: RunDraft = {
    version,
    previousVersion: facts.succeeded[0]?.version ?? null,
    spec: freeze.allowed ? freeze.spec : spec,
    emergency: freeze.allowed ? freeze.emergency : null,
    redeploy: null,
  };
  return { draft, refusals };
}

/** No freeze window and no enforced order apply: the version already succeeded here (domain/redeploy.ts says why). */
function decideRedeploy(facts: StartFacts, to: string | null): StartDecision {
  const { plan, environment, spec, actor } = facts;
  const permission = mayRedeploy(spec, actor, `${plan.service} ${environment}`);
  const choice = chooseRedeploy(facts.succeeded, to, { service: plan.service, environment });
  const rules = [channelRefusal(facts), permission.allowed ? null : permission.reason, choice.ok ? null : choice.reason];
  const policy = plan.environments[environment]!.rollback.redeploy;
  const draft: RunDraft | null = choice.ok
    ? { version: choice.redeploy.to, previousVersion: choice.redeploy.from, spec: redeploySpec(spec, policy), emergency: null, redeploy: choice.redeploy }
    : null;
  return { draft, refusals: [...ruleRefusals(rules), ...targetRefusals(facts, 'redeploy')] };
}

/** Every rule the request breaks, each its own refusal: a dry run lists them all, a real start answers with the first. */
function ruleRefusals(reasons: (string | null)[]): Refusal[] {
  return reasons.filter((reason): reason is string => reason !== null).map((message) => ({ gate: 'rule', message }));
}

function channelRefusal({ plan, environment, spec, actor }: StartFacts): string | null {
  return spec.channel[actor.platform] ? null : `${plan.service} ${environment} has no ${actor.platform} channel in its plan, so I cannot report there.`;
}

/** The target is held: by a lock (its holder, reason and end), or by the run active there (which a rollback points at). */
function targetRefusals({ lock, active, now }: StartFacts, kind: StartAsk['kind']): Refusal[] {
  const refusals: Refusal[] = lock ? [{ gate: 'lock', message: lockedSummary(lock, now) }] : [];
  if (active) refusals.push({ gate: 'active', message: kind === 'start' ? alreadyActive(active) : activeBeforeRedeploy(active) });
  return refusals;
}

export function alreadyActive({ key, state, requestedBy }: NonNullable<StartFacts['active']>): string {
  return `${key} is already active on this service and environment (${stateLabel(state)}, started by ${requestedBy.name}). Wait for it to finish, or cancel it; or add --queue to start when it ends.`;
}

function activeBeforeRedeploy({ key, state, requestedBy }: NonNullable<StartFacts['active']>): string {
  const stop = PRODUCTION_TOUCHED.includes(state)
    ? `, or /deploy rollback ${key} undoes it`
    : CANCELLABLE_STATES.includes(state)
      ? `, or /deploy cancel ${key} stops it`
      : '';
  return `${key} is active on this service and environment (${stateLabel(state)}, started by ${requestedBy.name}): wait for it to end${stop}.`;
}
