import { randomUUID } from 'node:crypto';
import { parseCommand, type Command } from '../domain/command.ts';
import { freezeGate, freezesFor, type FreezeGate } from '../domain/freeze.ts';
import { parseStartTime } from '../domain/start-time.ts';
import type { Actor } from '../domain/identity.ts';
import { helpCard, statusCard, statusSummary } from '../domain/messages.ts';
import { dryRunCard, planCard } from '../domain/plan-card.ts';
import { lockedSummary, withLockLines } from '../domain/lock.ts';
import type { Plan } from '../domain/plan.ts';
import { mayStart } from '../domain/policy.ts';
import { transition, type RunEvent } from '../domain/run.ts';
import { specFor, type RunSpec } from '../domain/spec.ts';
import { isUniqueViolation } from '../store/errors.ts';
import { activeRunFor, activeRuns, findRunByKey, findRunByRequestKey, insertRun, lastSucceededVersion, nextRunNumber, versionSucceededIn } from '../store/runs.ts';
import { activeLockFor, activeLocks } from '../store/locks.ts';
import { persistEffects } from './apply-effects.ts';
import type { AppContext } from './context.ts';
import { onLockCommand } from './on-lock.ts';
import { startGate } from './queued-starts.ts';
import { auditRefusal } from './refusals.ts';
import { recordEvent } from './record-event.ts';
import { text, type Reply } from './replies.ts';

export interface CommandRequest {
  actor: Actor;
  /** What follows the command word: "start api 1.4.2 production". */
  text: string;
  /** The platform's id for this request (Slack trigger_id, Teams activity id): a retried request finds its run. */
  requestKey: string | null;
}

/** A command typed on any platform. Refusals write nothing. */
export async function onCommand(ctx: AppContext, request: CommandRequest): Promise<Reply> {
  const command = parseCommand(request.text);
  switch (command.kind) {
    case 'parse_error':
      return text(`${command.message}\nUsage: ${command.usage}`);
    case 'help':
      return { kind: 'card', card: helpCard() };
    case 'start':
      return start(ctx, request, command);
    case 'plan': {
      const target = resolveTarget(ctx, command.service, command.environment);
      return 'reply' in target ? target.reply : { kind: 'card', card: planCard(target.plan, target.environment, target.spec) };
    }
    case 'status': {
      if (!command.run) return { kind: 'card', card: withLockLines(statusSummary(await activeRuns(ctx.db)), await activeLocks(ctx.db, ctx.clock.now()), ctx.clock.now()) };
      const run = await findRunByKey(ctx.db, command.run);
      return run ? { kind: 'card', card: statusCard(run) } : text(`There is no run ${command.run}.`);
    }
    case 'lock':
    case 'unlock':
    case 'locks':
      return onLockCommand(ctx, request.actor, command);
    case 'rollback':
    case 'cancel':
    case 'resume': {
      const run = await findRunByKey(ctx.db, command.run);
      if (!run) return text(`There is no run ${command.run}.`);
      const by = request.actor;
      const event: RunEvent =
        command.kind === 'rollback'
          ? { type: 'rollback.requested', by, reason: command.reason }
          : command.kind === 'cancel'
            ? { type: 'cancel.requested', by, reason: command.reason }
            : { type: 'resume', by, reason: command.reason };
      const result = await recordEvent(ctx, run.id, event);
      if (!result.ok) {
        await auditRefusal(ctx, by, command.kind, run.key, run.id, result.error);
        return text(result.error.message);
      }
      return text({ rollback: `Rolling back ${run.key}. On-call will hear how it went.`, cancel: `${run.key} is cancelled.`, resume: `${run.key} resumed: monitoring goes on.` }[command.kind]);
    }
  }
}

async function start(ctx: AppContext, request: CommandRequest, command: Extract<Command, { kind: 'start' }>): Promise<Reply> {
  const { actor, requestKey } = request;
  const target = resolveTarget(ctx, command.service, command.environment, command.strategy);
  if ('reply' in target) return target.reply;
  const { plan, environment, spec } = target;
  const refusal = startRefusal(target, actor, command.version) ?? (await orderRefusal(ctx, target, command.version));
  const scheduled = command.at === undefined ? null : parseStartTime(command.at, actor.zone ?? null, ctx.clock.now());
  if (scheduled && !scheduled.ok) return text(scheduled.message);
  // A scheduled start is judged against the freezes of the time it will start.
  const startsAt = scheduled ? new Date(scheduled.at) : ctx.clock.now();
  const freeze = freezeGate({ freezes: freezesFor(plan, environment), spec, requester: actor, target: `${plan.service} ${environment}`, now: startsAt, emergency: command.emergency ?? null });
  if (command.dryRun) return dryRun(ctx, target, command.version, refusal, freeze, scheduled?.ok ? scheduled.shown : null);
  if (refusal || !freeze.allowed) {
    const message = refusal ?? (freeze.allowed ? '' : freeze.reason);
    await auditRefusal(ctx, actor, 'start', `${plan.service} ${environment}`, null, { code: 'forbidden', message });
    return text(message);
  }

  if (requestKey) {
    const earlier = await findRunByRequestKey(ctx.db, requestKey);
    if (earlier) return created(earlier.key, earlier.service, earlier.version, earlier.environment);
  }
  // A lock refuses the start (or --queue waits for the lock or the active run): app/queued-starts.ts.
  const gated = await startGate(ctx, request, command, { service: plan.service, environment });
  if (gated) return gated;
  const busy = await activeRunFor(ctx.db, plan.service, environment);
  if (busy) return text(alreadyActive(busy.key, busy.state, busy.requestedBy.name));

  const now = ctx.clock.now();
  try {
    const run = await ctx.db.transaction(async (tx) => {
      const number = await nextRunNumber(tx, plan.service);
      const event: RunEvent = {
        type: 'requested',
        run: {
          id: randomUUID(),
          key: `${plan.service}-${number}`,
          service: plan.service,
          version: command.version,
          previousVersion: await lastSucceededVersion(tx, plan.service, environment),
          environment,
          platform: actor.platform,
          requestedBy: actor,
          // An emergency start may ask for a decision the environment does not usually ask for (domain/freeze.ts).
          spec: freeze.spec,
          emergency: freeze.emergency,
          scheduled: scheduled ? { at: scheduled.at, shown: scheduled.shown } : null,
        },
      };
      const result = transition(null, event, now);
      if (!result.ok) throw new Error(result.error.message);
      await insertRun(tx, result.run, event, now, requestKey);
      await persistEffects(tx, result.run, result.effects, now);
      return result.run;
    });
    ctx.kickRelay();
    ctx.log.info({ run: run.key, by: actor.name }, 'run created');
    if (run.scheduled) return text(`Run ${run.key} scheduled: ${run.service} ${run.version} → ${run.environment} at ${run.scheduled.shown}. /deploy cancel ${run.key} removes it.`);
    return created(run.key, run.service, run.version, run.environment);
  } catch (error) {
    // Lost a race: the database's unique keys decide, and nothing of ours was written.
    if (requestKey && isUniqueViolation(error, 'runs_request_key_unique')) {
      const earlier = await findRunByRequestKey(ctx.db, requestKey);
      if (earlier) return created(earlier.key, earlier.service, earlier.version, earlier.environment);
    }
    if (isUniqueViolation(error, 'one_active_run_per_target')) {
      const winner = await activeRunFor(ctx.db, plan.service, environment);
      return text(alreadyActive(winner?.key ?? 'another run', winner?.state ?? 'active', winner?.requestedBy.name ?? 'someone'));
    }
    throw error;
  }
}

interface Target {
  plan: Plan;
  environment: string;
  spec: RunSpec;
}

/** The plan and environment a command names, with the spec a run would freeze; or why there is none. */
function resolveTarget(ctx: AppContext, service: string, environment: string | null, strategy: string | null = null): Target | { reply: Reply } {
  const plan = ctx.plans.get(service);
  if (!plan) return { reply: text(`There is no deployment plan for "${service}". Services with plans: ${ctx.plans.services().join(', ') || 'none yet'}.`) };
  const chosen = environment ?? plan.defaultEnvironment;
  const offered = plan.environments[chosen];
  if (!offered) return { reply: text(`${plan.service} has no environment "${chosen}" (it has ${Object.keys(plan.environments).join(', ')}).`) };
  const spec = specFor(plan, chosen, strategy ?? undefined);
  if (!spec) {
    const kinds = [offered.strategy, ...offered.alternatives].map((candidate) => candidate.kind);
    return { reply: text(`${plan.service} ${chosen} does not offer the ${strategy} strategy (it offers ${kinds.join(', ')}).`) };
  }
  return { plan, environment: chosen, spec };
}

/** Why this person may not start this version here, or null. */
function startRefusal({ plan, environment, spec }: Target, actor: Actor, version: string): string | null {
  if (!new RegExp(plan.versionPattern).test(version)) return `"${version}" does not match ${plan.service}'s version pattern ${plan.versionPattern}.`;
  if (!spec.channel[actor.platform]) return `${plan.service} ${environment} has no ${actor.platform} channel in its plan, so I cannot report there.`;
  const permission = mayStart(spec, actor);
  return permission.allowed ? null : permission.reason;
}

/** Enforced order: the plan may require this version to have succeeded in another environment first. */
async function orderRefusal(ctx: AppContext, { plan, spec }: Target, version: string): Promise<string | null> {
  const before = spec.requiresSuccessIn;
  if (!before || (await versionSucceededIn(ctx.db, plan.service, before, version))) return null;
  return `${plan.service} ${version} has not succeeded in ${before} yet, and this plan deploys there first: /deploy start ${plan.service} ${version} ${before}`;
}

/** The steps a start would run, from the spec it would freeze. Reads only: no run, lock, outbox row or job. */
async function dryRun(ctx: AppContext, { plan, environment, spec }: Target, version: string, refusal: string | null, freeze: FreezeGate, scheduledFor: string | null): Promise<Reply> {
  const busy = await activeRunFor(ctx.db, plan.service, environment);
  const lock = await activeLockFor(ctx.db, { service: plan.service, environment }, ctx.clock.now());
  const notes = [
    ...(scheduledFor ? [`It would be scheduled for ${scheduledFor}, with the pre-deployment announcement posted now.`] : []),
    ...(refusal ? [`A real start would be refused: ${refusal}`] : []),
    ...(!freeze.allowed ? [`A real start now would be refused: ${freeze.reason}`] : []),
    ...(freeze.allowed && freeze.emergency ? [`Emergency start inside the freeze "${freeze.emergency.freeze}": it would wait for GO from ${freeze.spec.approval.quorum + 1} approvers.`] : []),
    ...(lock ? [`A real start now would be refused: ${lockedSummary(lock, ctx.clock.now())}`] : []),
    ...(busy ? [`A real start now would be refused: ${alreadyActive(busy.key, busy.state, busy.requestedBy.name)}`] : []),
  ];
  return { kind: 'card', card: dryRunCard({ service: plan.service, version, environment }, spec, notes) };
}

function created(key: string, service: string, version: string, environment: string): Reply {
  return text(`Run ${key} created: ${service} ${version} → ${environment}. I'll post its progress in the channel.`);
}

function alreadyActive(key: string, state: string, by: string): string {
  return `${key} is already active on this service and environment (${state.replace(/_/g, ' ')}, started by ${by}). Wait for it to finish, or cancel it; or add --queue to start when it ends.`;
}
