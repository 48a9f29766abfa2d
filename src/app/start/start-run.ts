import type { Command } from '../../domain/command.ts';
import type { Actor } from '../../domain/identity.ts';
import type { Plan } from '../../domain/plan.ts';
import { dryRunCard } from '../../domain/plan-card.ts';
import { stateLabel, type Run } from '../../domain/run.ts';
import { specFor, type RunSpec } from '../../domain/spec.ts';
import { decideStart, type StartAsk, type StartDecision, type StartFacts } from '../../domain/start-decision.ts';
import { parseStartTime } from '../../domain/start-time.ts';
import { lockedSummary, type Target as LockTarget } from '../../domain/lock.ts';
import { queuedStartsFor, queueStart, recordLockEvent } from '../../store/locks.ts';
import { succeededVersions } from '../../store/runs.ts';
import { targetFacts } from '../../store/target-facts.ts';
import type { AppContext } from '../shared/context.ts';
import { auditRefusal } from '../shared/refusals.ts';
import { text, type Reply } from '../shared/replies.ts';
import { created, saveRun } from './save-run.ts';

/**
 * Creating a run: `/deploy start` (and its --dry-run) and `/deploy rollback <service>` (a finished
 * deployment rolled back by a new run). Both gather the same facts about the target and let one pure
 * decision (domain/start-decision.ts) say what the run would be and what refuses it.
 */

export interface CommandRequest {
  actor: Actor;
  /** What follows the command word: "start api 1.4.2 production". */
  text: string;
  /** The platform's id for this request (Slack trigger_id, Teams activity id): a retried request finds its run. */
  requestKey: string | null;
}

export interface Target {
  plan: Plan;
  environment: string;
  spec: RunSpec;
}

/** The plan and environment a command names, with the spec a run would freeze; or why there is none. */
export function resolveTarget(ctx: AppContext, service: string, environment: string | null, strategy: string | null = null): Target | { reply: Reply } {
  const plan = ctx.plans.get(service);
  if (!plan) return { reply: text(`There is no deployment plan for "${service}". Services with plans: ${ctx.plans.services().join(', ') || 'none yet'}.`) };
  const chosen = environment ?? plan.defaultEnvironment;
  const offered = plan.environments[chosen];
  if (!offered) return { reply: text(`${plan.service} has no environment "${chosen}" (it has ${Object.keys(plan.environments).join(', ')}).`) };
  const spec = sharedSpecFor(plan, chosen, strategy);
  if (!spec) {
    const kinds = [offered.strategy, ...offered.alternatives].map((candidate) => candidate.kind);
    return { reply: text(`${plan.service} ${chosen} does not offer the ${strategy} strategy (it offers ${kinds.join(', ')}).`) };
  }
  return { plan, environment: chosen, spec };
}

/**
 * One spec object per plan, environment and strategy, as long as the catalog keeps the plan: the store
 * hashes a spec object once (store/run-specs.ts), and a plan does not change under its object. Every run
 * started from it shares it, which is safe because the domain never changes a value it was given.
 */
const specsByPlan = new WeakMap<Plan, Map<string, RunSpec | null>>();
function sharedSpecFor(plan: Plan, environment: string, strategy: string | null): RunSpec | null {
  let specs = specsByPlan.get(plan);
  if (!specs) specsByPlan.set(plan, (specs = new Map()));
  const key = `${environment}\u0000${strategy ?? ''}`;
  if (!specs.has(key)) specs.set(key, specFor(plan, environment, strategy ?? undefined));
  return specs.get(key)!;
}

/**
 * Everything the decision reads, read now, in one statement (store/target-facts.ts), with the run an
 * earlier delivery of this request created. A start needs only the newest success (the new run's
 * previousVersion); a redeploy (`all successes`) chooses among every version that succeeded there.
 */
async function factsFor(
  ctx: AppContext,
  { plan, environment, spec }: Target,
  request: CommandRequest,
  startsAt: Date,
  version: string | null,
  successes: 'newest' | 'all',
): Promise<StartFacts & { earlier: Run | null; lastNumber: number }> {
  const now = ctx.clock.now();
  const facts = await targetFacts(ctx.db, {
    service: plan.service,
    environment,
    now,
    order: spec.requiresSuccessIn ?? null,
    version,
    requestKey: request.requestKey,
  });
  const succeeded = successes === 'all' ? await succeededVersions(ctx.db, plan.service, environment) : facts.newestSuccess ? [facts.newestSuccess] : [];
  return {
    plan,
    environment,
    spec,
    actor: request.actor,
    now,
    startsAt,
    succeeded,
    orderMet: facts.orderMet,
    lock: facts.lock,
    active: facts.active,
    earlier: facts.earlier,
    lastNumber: facts.lastNumber,
  };
}

export async function onStart(ctx: AppContext, request: CommandRequest, command: Extract<Command, { kind: 'start' }>): Promise<Reply> {
  const { actor } = request;
  const target = resolveTarget(ctx, command.service, command.environment, command.strategy);
  if ('reply' in target) return target.reply;
  const scheduled = command.at === undefined ? null : parseStartTime(command.at, actor.zone ?? null, ctx.clock.now());
  if (scheduled && !scheduled.ok) return text(scheduled.message);
  // A scheduled start is judged against the freezes of the time it will start.
  const facts = await factsFor(ctx, target, request, scheduled ? new Date(scheduled.at) : ctx.clock.now(), command.version, 'newest');
  const decision = decideStart(facts, { kind: 'start', version: command.version, emergency: command.emergency ?? null });
  if (command.dryRun) return dryRun(target, command.version, decision, scheduled?.shown ?? null);

  if (facts.earlier) return created(facts.earlier);
  const refused = decision.refusals.find((refusal) => refusal.gate === 'rule' || refusal.gate === 'freeze');
  if (refused) return refuse(ctx, actor, 'start', target, refused.message);
  // A lock refuses the start (or --queue waits for the lock or the active run); queued-starts.ts replays a queued one.
  const gated = await startGate(ctx, request, command, { service: target.plan.service, environment: target.environment }, facts);
  if (gated) return gated;
  const busy = decision.refusals.find((refusal) => refusal.gate === 'active');
  if (busy) return text(busy.message);
  return saveRun(
    ctx,
    { ...request, plan: target.plan, environment: target.environment },
    decision.draft!,
    facts.lastNumber,
    scheduled ? { at: scheduled.at, shown: scheduled.shown } : null,
    command.commit ?? null,
  );
}

/** `/deploy rollback <service> [environment] [to <version>]`: the version before the live one (or the one named) deployed again, as a new run. */
export async function onRedeploy(
  ctx: AppContext,
  request: CommandRequest,
  words: { service: string; environment: string | null; to: string | null },
): Promise<Reply> {
  const { actor } = request;
  const target = resolveTarget(ctx, words.service, words.environment);
  if ('reply' in target) return target.reply;
  const facts = await factsFor(ctx, target, request, ctx.clock.now(), null, 'all');
  const decision = decideStart(facts, { kind: 'redeploy', to: words.to } satisfies StartAsk);
  if (facts.earlier) return created(facts.earlier);
  const [refused] = decision.refusals;
  if (refused?.gate === 'rule') return refuse(ctx, actor, 'rollback', target, refused.message);
  if (refused?.gate === 'lock') {
    // Refused like a start on a locked target, in the lock's audit trail (no --queue: the version to go back to is decided now).
    await recordLockEvent(
      ctx.db,
      {
        target: { service: target.plan.service, environment: target.environment },
        action: 'start_refused',
        by: actor,
        detail: `rollback ${words.service}: ${refused.message}`,
      },
      facts.now,
    );
    return text(`${refused.message} A rollback to an earlier version waits for the lock to be lifted.`);
  }
  if (refused) return text(refused.message);
  return saveRun(ctx, { ...request, plan: target.plan, environment: target.environment }, decision.draft!, facts.lastNumber, null, null);
}

async function refuse(ctx: AppContext, actor: Actor, action: string, { plan, environment }: Target, message: string): Promise<Reply> {
  await auditRefusal(ctx, actor, action, `${plan.service} ${environment}`, null, { code: 'forbidden', message });
  return text(message);
}

/** The steps a start would run, from the spec it would freeze. Reads only: no run, lock, outbox row or job. */
function dryRun({ plan, environment, spec }: Target, version: string, decision: StartDecision, scheduledFor: string | null): Reply {
  const draft = decision.draft!;
  const refused = (gates: string[]) =>
    decision.refusals
      .filter((refusal) => gates.includes(refusal.gate))
      .map((refusal) => `A real start${refusal.gate === 'rule' ? '' : ' now'} would be refused: ${refusal.message}`);
  const notes = [
    ...(scheduledFor ? [`It would be scheduled for ${scheduledFor}, with the pre-deployment announcement posted now.`] : []),
    ...refused(['rule', 'freeze']),
    ...(draft.emergency
      ? [`Emergency start inside the freeze "${draft.emergency.freeze}": it would wait for GO from ${draft.spec.approval.quorum + 1} approvers.`]
      : []),
    ...refused(['lock', 'active']),
  ];
  return { kind: 'card', card: dryRunCard({ service: plan.service, version, environment, versionPattern: plan.versionPattern }, spec, notes) };
}

/**
 * Before a start creates a run, given the target's lock and active run (app/start-run.ts read them): a
 * lock refuses it, naming the holder, unless it asks to queue; a start with --queue waits for a lock or an
 * active run. Null: go ahead (an active run is answered as before).
 */
async function startGate(
  ctx: AppContext,
  request: CommandRequest,
  command: Extract<Command, { kind: 'start' }>,
  target: LockTarget,
  held: Pick<StartFacts, 'lock' | 'active'>,
): Promise<Reply | null> {
  const now = ctx.clock.now();
  const { lock } = held;
  const busy = lock ? null : held.active;
  if (!lock && !busy) return null;
  if (command.queue) {
    const queued = await ctx.db.transaction(async (tx) => {
      const { start, created } = await queueStart(
        tx,
        { ...target, version: command.version, command: withoutQueue(request.text), requestedBy: request.actor },
        request.requestKey,
        now,
      );
      if (created) await recordLockEvent(tx, { target, action: 'queued', by: request.actor, detail: `${start.command} (queued start ${start.id})` }, now);
      return start;
    });
    const ahead = (await queuedStartsFor(ctx.db, target)).findIndex((start) => start.id === queued.id);
    const why = lock ? lockedSummary(lock, now) : `${busy!.key} is active there (${stateLabel(busy!.state)}).`;
    return text(
      `Queued: ${target.service} ${command.version} → ${target.environment} starts when ${lock ? 'the lock frees' : `${busy!.key} ends`}${ahead > 0 ? `, after ${ahead} queued before it` : ''}. ${why}`,
    );
  }
  if (!lock) return null;
  const refusal = `${lockedSummary(lock, now)} Reply \`/deploy ${withoutQueue(request.text)} --queue\` to run it when the lock frees.`;
  await recordLockEvent(ctx.db, { target, action: 'start_refused', by: request.actor, detail: refusal }, now);
  return text(refusal);
}

/** The start command as typed, less its --queue (chat apps turn "--" into a dash). */
function withoutQueue(typed: string): string {
  return typed
    .replace(/(^|\s)(--|[—–]-?)queue(?=\s|$)/gi, '')
    .replace(/\s+/g, ' ')
    .trim();
}
