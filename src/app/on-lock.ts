import type { Command } from '../domain/command.ts';
import type { Actor } from '../domain/identity.ts';
import { afterRollbackLock, isActive, isHolder, lockCard, locksCard, manualLock, when, type Lock, type Target } from '../domain/lock.ts';
import { card } from '../domain/cards.ts';
import type { Plan } from '../domain/plan.ts';
import { mayLock, mayUnlock } from '../domain/policy.ts';
import type { Run } from '../domain/run.ts';
import { specFor, type RunSpec } from '../domain/spec.ts';
import type { Db } from '../store/db.ts';
import { activeLocks, deleteLock, insertLockIfAbsent, lockRowFor, queuedStartsFor, queuedTargets, recordLockEvent, replaceLock, type LockAction } from '../store/locks.ts';
import { insertOutbox } from '../store/outbox.ts';
import { persistEffects } from './apply-effects.ts';
import type { AppContext } from './context.ts';
import { noticeRows } from './notices.ts';
import { startQueued } from './queued-starts.ts';
import { text, type Reply } from './replies.ts';

type LockCommand = Extract<Command, { kind: 'lock' | 'unlock' | 'locks' }>;

/** `/deploy lock`, `unlock` and `locks` from any platform. Refusals are answered privately and logged in lock_events. */
export async function onLockCommand(ctx: AppContext, actor: Actor, command: LockCommand): Promise<Reply> {
  if (command.kind === 'locks') return listLocks(ctx);
  const target = lockTarget(ctx, command.service, command.environment);
  if ('reply' in target) return target.reply;
  return command.kind === 'lock' ? lock(ctx, actor, target, command.reason, command.forMs) : unlock(ctx, actor, target, command.reason);
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
      const title = { locked: `🔒 ${actor.name} locked ${target.service} ${target.environment}`, renewed: `🔒 ${actor.name} renewed the lock on ${target.service} ${target.environment}`, taken_over: `🔒 ${actor.name} took over the lock on ${target.service} ${target.environment} from ${live?.by.name}` }[action as 'locked' | 'renewed' | 'taken_over'];
      await insertOutbox(tx, noticeRows(id, target.plan, target.environment, actor.platform, lockCard(wanted, now, title), now), now);
      return { ok: true as const, action, title };
    }
    throw new Error(`could not settle the lock row of ${target.service} ${target.environment}`);
  });
  if (!outcome.ok) return text(outcome.reason);
  ctx.kickRelay();
  ctx.log.info({ service: target.service, environment: target.environment, by: actor.name, action: outcome.action }, 'lock');
  return { kind: 'card', card: lockCard(wanted, now, outcome.title) };
}

async function unlock(ctx: AppContext, actor: Actor, target: LockTarget, reason: string | null): Promise<Reply> {
  const now = ctx.clock.now();
  const where: Target = { service: target.service, environment: target.environment };
  const outcome = await ctx.db.transaction(async (tx) => {
    const held = await lockRowFor(tx, where);
    const refuse = async (why: string) => {
      await recordLockEvent(tx, { target: where, action: 'unlock_refused', by: actor, reason, detail: why, lock: held }, now);
      return { ok: false as const, reason: why };
    };
    if (!held || !isActive(held, now)) return refuse(`${target.service} ${target.environment} is not locked${held?.until ? ` (its lock expired at ${when(held.until, now)})` : ''}.`);
    const permission = mayUnlock(target.spec, held, actor, reason);
    if (!permission.allowed) return refuse(permission.reason);
    await deleteLock(tx, where);
    const id = await recordLockEvent(tx, { target: where, action: 'unlocked', by: actor, reason, lock: held }, now);
    await insertOutbox(tx, noticeRows(id, target.plan, target.environment, actor.platform, unlockedCard(held, actor, reason, now), now), now);
    return { ok: true as const, held };
  });
  if (!outcome.ok) return text(outcome.reason);
  ctx.kickRelay();
  ctx.log.info({ service: target.service, environment: target.environment, by: actor.name }, 'unlock');
  const started = await startQueued(ctx, where);
  return text([`Unlocked ${target.service} ${target.environment} (${outcome.held.kind === 'after_rollback' ? `locked after ${outcome.held.runKey}` : `locked by ${outcome.held.by.name}`}: “${outcome.held.reason}”).`, ...started].join('\n'));
}

function unlockedCard(held: Lock, actor: Actor, reason: string | null, now: Date) {
  return card({
    title: `🔓 ${actor.name} unlocked ${held.service} ${held.environment}`,
    tone: 'good',
    body: [[`New runs may start on ${held.service} ${held.environment} again.`]],
    fields: [
      { label: 'Was locked', value: [`since ${when(held.since, now)}${held.kind === 'after_rollback' ? ` after ${held.runKey} ended in a rollback` : ` by ${held.by.name}`}: “${held.reason}”`] },
      ...(reason ? [{ label: 'Why it is open again', value: [reason] }] : []),
    ],
  });
}

async function listLocks(ctx: AppContext): Promise<Reply> {
  const now = ctx.clock.now();
  const list = locksCard(await activeLocks(ctx.db, now), now);
  const waiting = (await Promise.all((await queuedTargets(ctx.db)).map((target) => queuedStartsFor(ctx.db, target)))).flat();
  const lines = waiting.map((start) => [`⏭️ Waiting: ${start.service} ${start.version} → ${start.environment}, queued by ${start.requestedBy.name} at ${when(start.queuedAt, now)}`]);
  return { kind: 'card', card: { ...list, body: [...list.body, ...lines] } };
}

/**
 * In the transaction of the transition that ended `run` in a rollback (app/record-event.ts): when its
 * plan says `lockAfterRollback`, the target is locked until someone unlocks it with a reason. It
 * replaces any lock there (the audit trail keeps the one it replaced).
 */
export async function lockAfterRollback(tx: Db, run: Run, now: Date): Promise<void> {
  if (run.spec.lockAfterRollback !== true || (run.state !== 'rolled_back' && run.state !== 'rollback_failed')) return;
  const lock = afterRollbackLock(run, now);
  const where: Target = { service: run.service, environment: run.environment };
  const held = await lockRowFor(tx, where);
  if (held || !(await insertLockIfAbsent(tx, lock))) await replaceLock(tx, lock);
  const live = held && isActive(held, now) ? held : null;
  await recordLockEvent(tx, { target: where, action: live ? 'taken_over' : 'locked', by: null, reason: lock.reason, lock, detail: live ? `replaced ${live.by.name}'s lock (“${live.reason}”)` : null }, now);
  const text = `🔒 ${run.service} ${run.environment} is locked until someone unlocks it with a reason (on-call, approvers or admins): /deploy unlock ${run.service} ${run.environment} <reason>`;
  await persistEffects(tx, run, [{ kind: 'postLog', text }], now);
}
