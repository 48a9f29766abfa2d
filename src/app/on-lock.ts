import type { Command } from '../domain/command.ts';
import type { Actor } from '../domain/identity.ts';
import { isActive, isHolder, manualLock, when, type Lock, type Target } from '../domain/lock.ts';
import { lockCard, locksCard } from '../domain/messages/lock-cards.ts';
import { card } from '../domain/cards.ts';
import type { Plan } from '../domain/plan.ts';
import { mayLock, mayUnlock } from '../domain/policy.ts';
import { specFor, type RunSpec } from '../domain/spec.ts';
import {
  activeLocks,
  deleteLock,
  insertLockIfAbsent,
  lockRowFor,
  queuedStartsFor,
  queuedTargets,
  recordLockEvent,
  replaceLock,
  type LockAction,
} from '../store/locks.ts';
import { persistWork } from './apply-effects.ts';
import type { AppContext } from './shared/context.ts';
import { text, type Reply } from './shared/replies.ts';

type LockCommand = Extract<Command, { kind: 'lock' | 'unlock' | 'locks' }>;

/** `/deploy lock`, `unlock` and `locks` from any platform. Refusals are answered privately and logged in lock_events. */
export async function onLockCommand(ctx: AppContext, actor: Actor, command: LockCommand): Promise<LockOutcome> {
  if (command.kind === 'locks') return { reply: await listLocks(ctx), freed: null };
  const target = lockTarget(ctx, command.service, command.environment);
  if ('reply' in target) return { reply: target.reply, freed: null };
  return command.kind === 'lock'
    ? { reply: await lock(ctx, actor, target, command.reason, command.forMs), freed: null }
    : unlock(ctx, actor, target, command.reason);
}

/** `freed`: the target an unlock freed, whose queued starts get their turn now (app/on-command.ts). */
export interface LockOutcome {
  reply: Reply;
  freed: Target | null;
}

interface LockTarget extends Target {
  plan: Plan;
  spec: RunSpec;
}

function lockTarget(ctx: AppContext, service: string, environment: string): LockTarget | { reply: Reply } {
  const plan = ctx.plans.get(service);
  if (!plan) return { reply: text(`There is no deployment plan for "${service}". Services with plans: ${ctx.plans.services().join(', ') || 'none yet'}.`) };
  const spec = specFor(plan, environment);
  if (!spec) return { reply: text(`${plan.service} has no environment "${environment}" (it has ${Object.keys(plan.environments).join(', ')}).`) };
  return { service: plan.service, environment, plan, spec };
}

/**
 * Takes the lock under the target's row lock. With no row, the insert decides: of two lockers at
 * once, one inserts and the other (its insert a no-op) looks again and finds the winner's lock.
 */
async function lock(ctx: AppContext, actor: Actor, target: LockTarget, reason: string, forMs: number | null): Promise<Reply> {
  const now = ctx.clock.now();
  const wanted = manualLock(target, actor, reason, forMs, now);
  const where: Target = { service: target.service, environment: target.environment };
  const outcome = await ctx.db.transaction(async (tx) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const held = await lockRowFor(tx, where);
      const permission = mayLock(target.spec, actor, held, now);
      if (!permission.allowed) {
        await recordLockEvent(tx, { target: where, action: 'lock_refused', by: actor, reason, detail: permission.reason }, now);
        return { ok: false as const, reason: permission.reason };
      }
      if (held) await replaceLock(tx, wanted);
      else if (!(await insertLockIfAbsent(tx, wanted))) continue;
      const live = held && isActive(held, now) ? held : null;
      if (held && !live) await recordLockEvent(tx, { target: where, action: 'expired', by: null, lock: held }, now);
      const action: LockAction = !live ? 'locked' : isHolder(live, actor) ? 'renewed' : 'taken_over';
      const detail = action === 'taken_over' ? `took over ${live!.by.name}'s lock (“${live!.reason}”)` : null;
      const id = await recordLockEvent(tx, { target: where, action, by: actor, reason, detail, lock: wanted }, now);
      const title = {
        locked: `🔒 ${actor.name} locked ${target.service} ${target.environment}`,
        renewed: `🔒 ${actor.name} renewed the lock on ${target.service} ${target.environment}`,
        taken_over: `🔒 ${actor.name} took over the lock on ${target.service} ${target.environment} from ${live?.by.name}`,
      }[action as 'locked' | 'renewed' | 'taken_over'];
      await persistWork(
        tx,
        [{ kind: 'notice', eventId: id, plan: target.plan, environment: target.environment, platform: actor.platform, card: lockCard(wanted, now, title) }],
        now,
      );
      return { ok: true as const, action, title };
    }
    throw new Error(`could not settle the lock row of ${target.service} ${target.environment}`);
  });
  if (!outcome.ok) return text(outcome.reason);
  ctx.kickRelay();
  ctx.log.info({ service: target.service, environment: target.environment, by: actor.name, action: outcome.action }, 'lock');
  return { kind: 'card', card: lockCard(wanted, now, outcome.title) };
}

async function unlock(ctx: AppContext, actor: Actor, target: LockTarget, reason: string | null): Promise<LockOutcome> {
  const now = ctx.clock.now();
  const where: Target = { service: target.service, environment: target.environment };
  const outcome = await ctx.db.transaction(async (tx) => {
    const held = await lockRowFor(tx, where);
    const refuse = async (why: string) => {
      await recordLockEvent(tx, { target: where, action: 'unlock_refused', by: actor, reason, detail: why, lock: held }, now);
      return { ok: false as const, reason: why };
    };
    if (!held || !isActive(held, now))
      return refuse(`${target.service} ${target.environment} is not locked${held?.until ? ` (its lock expired at ${when(held.until, now)})` : ''}.`);
    const permission = mayUnlock(target.spec, held, actor, reason);
    if (!permission.allowed) return refuse(permission.reason);
    await deleteLock(tx, where);
    const id = await recordLockEvent(tx, { target: where, action: 'unlocked', by: actor, reason, lock: held }, now);
    await persistWork(
      tx,
      [
        {
          kind: 'notice',
          eventId: id,
          plan: target.plan,
          environment: target.environment,
          platform: actor.platform,
          card: unlockedCard(held, actor, reason, now),
        },
      ],
      now,
    );
    return { ok: true as const, held };
  });
  if (!outcome.ok) return { reply: text(outcome.reason), freed: null };
  ctx.kickRelay();
  ctx.log.info({ service: target.service, environment: target.environment, by: actor.name }, 'unlock');
  return {
    reply: text(
      `Unlocked ${target.service} ${target.environment} (${outcome.held.kind === 'after_rollback' ? `locked after ${outcome.held.runKey}` : `locked by ${outcome.held.by.name}`}: “${outcome.held.reason}”).`,
    ),
    freed: where,
  };
}

function unlockedCard(held: Lock, actor: Actor, reason: string | null, now: Date) {
  return card({
    title: `🔓 ${actor.name} unlocked ${held.service} ${held.environment}`,
    tone: 'good',
    body: [[`New runs may start on ${held.service} ${held.environment} again.`]],
    fields: [
      {
        label: 'Was locked',
        value: [
          `since ${when(held.since, now)}${held.kind === 'after_rollback' ? ` after ${held.runKey} ended in a rollback` : ` by ${held.by.name}`}: “${held.reason}”`,
        ],
      },
      ...(reason ? [{ label: 'Why it is open again', value: [reason] }] : []),
    ],
  });
}

async function listLocks(ctx: AppContext): Promise<Reply> {
  const now = ctx.clock.now();
  const list = locksCard(await activeLocks(ctx.db, now), now);
  const waiting = (await Promise.all((await queuedTargets(ctx.db)).map((target) => queuedStartsFor(ctx.db, target)))).flat();
  const lines = waiting.map((start) => [
    `⏭️ Waiting: ${start.service} ${start.version} → ${start.environment}, queued by ${start.requestedBy.name} at ${when(start.queuedAt, now)}`,
  ]);
  return { kind: 'card', card: { ...list, body: [...list.body, ...lines] } };
}
