import { card, plain } from '../../domain/cards.ts';
import { parseCommand } from '../../domain/command.ts';
import { mentionOf } from '../../domain/identity.ts';
import { when, type Target } from '../../domain/lock.ts';
import { activeRunFor, findRunByRequestKey } from '../../store/runs.ts';
import { activeLockFor, deleteExpiredLocks, dequeueStart, queuedStartsFor, queuedTargets, recordLockEvent, type QueuedStart } from '../../store/locks.ts';
import { persistWork } from '../apply-effects.ts';
import type { AppContext } from '../shared/context.ts';
import { text, type Reply } from '../shared/replies.ts';
import { onStart } from './start-run.ts';

/**
 * Starts that wait for their target (`/deploy start … --queue`, stored by start-run.ts): replayed
 * through the start itself when the target frees, so every check applies again at that time. They are
 * tried when a run on the target ends (its `targetFreed` effect becomes a job), on unlock, and by the
 * sweeper (which also sees locks expire).
 */

/**
 * Tries the target's queued starts, oldest first, while the target is free: the first that starts a run
 * ends the turn (the run now holds the target); one refused for another reason is dropped and its
 * requester told in the channel. Replayed with the request key `queued:<id>`, so a start repeated after
 * a crash finds its run. Returns what happened, one line each.
 */
export async function startQueued(ctx: AppContext, target: Target): Promise<string[]> {
  const said: string[] = [];
  for (const next of await queuedStartsFor(ctx.db, target)) {
    if (await busy(ctx, target)) break;
    const requestKey = `queued:${next.id}`;
    const reply = await replay(ctx, next, requestKey);
    const run = await findRunByRequestKey(ctx.db, requestKey);
    if (run) {
      await settle(ctx, next, 'queued_started', `${run.key} created`);
      said.push(`${next.requestedBy.name}'s queued start of ${next.service} ${next.version}: ${run.key} created.`);
      break;
    }
    // A lock or a run got there first: the start waits for the next turn.
    if (await busy(ctx, target)) break;
    const why = replyText(reply);
    if (await settle(ctx, next, 'queued_dropped', why))
      said.push(`${next.requestedBy.name}'s queued start of ${next.service} ${next.version} could not start: ${why}`);
  }
  return said;
}

/** The stored start, parsed as it was typed (less its --queue), through the start use case. */
async function replay(ctx: AppContext, start: QueuedStart, requestKey: string): Promise<Reply> {
  const command = parseCommand(start.command);
  if (command.kind !== 'start')
    return text(`"${start.command}" no longer reads as a start (${command.kind === 'parse_error' ? command.message : command.kind}).`);
  return onStart(ctx, { actor: start.requestedBy, text: start.command, requestKey }, command);
}

async function busy(ctx: AppContext, target: Target): Promise<boolean> {
  return Boolean((await activeLockFor(ctx.db, target, ctx.clock.now())) ?? (await activeRunFor(ctx.db, target.service, target.environment)));
}

/** Removes a queued start and logs why; a dropped one is announced to its requester. False when another worker settled it first. */
async function settle(ctx: AppContext, start: QueuedStart, action: 'queued_started' | 'queued_dropped', detail: string): Promise<boolean> {
  const now = ctx.clock.now();
  const settled = await ctx.db.transaction(async (tx) => {
    if (!(await dequeueStart(tx, start.id))) return false;
    const id = await recordLockEvent(tx, { target: start, action, by: start.requestedBy, detail: `${start.command}: ${detail}` }, now);
    if (action === 'queued_dropped') {
      const notice = card({
        title: `⏭️ Queued start not started: ${start.service} ${start.version} → ${start.environment}`,
        tone: 'warning',
        body: [
          [
            { mention: mentionOf(start.requestedBy) },
            `, your start queued at ${when(start.queuedAt, now)} could not start when ${start.service} ${start.environment} freed: ${detail}`,
          ],
        ],
      });
      await persistWork(
        tx,
        [
          {
            kind: 'notice',
            eventId: id,
            plan: ctx.plans.get(start.service),
            environment: start.environment,
            platform: start.requestedBy.platform,
            card: notice,
          },
        ],
        now,
      );
    }
    return true;
  });
  if (settled) {
    ctx.kickRelay();
    ctx.log.info({ service: start.service, environment: start.environment, queued: start.id, action, detail }, 'queued start settled');
  }
  return settled;
}

function replyText(reply: Reply): string {
  return reply.kind === 'text' ? reply.text : [reply.card.title, ...reply.card.body.map(plain)].join(' — ');
}

/**
 * Sweeper: deletes expired locks (logging each expiry and telling the channel), then gives every
 * target some start waits for its turn. Returns how many queued starts it settled.
 */
export async function sweepLocks(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const expired = await ctx.db.transaction(async (tx) => {
    const gone = await deleteExpiredLocks(tx, now);
    for (const lock of gone) {
      const id = await recordLockEvent(tx, { target: lock, action: 'expired', by: null, lock }, now);
      const notice = card({
        title: `🔓 The lock on ${lock.service} ${lock.environment} expired`,
        tone: 'good',
        body: [[`Locked by ${lock.by.name} since ${when(lock.since, now)}: “${lock.reason}”. New runs may start again.`]],
      });
      await persistWork(
        tx,
        [{ kind: 'notice', eventId: id, plan: ctx.plans.get(lock.service), environment: lock.environment, platform: lock.by.platform, card: notice }],
        now,
      );
    }
    return gone;
  });
  if (expired.length) {
    ctx.kickRelay();
    ctx.log.info({ locks: expired.map((lock) => `${lock.service} ${lock.environment}`) }, 'expired locks removed');
  }
  let settled = 0;
  for (const target of await queuedTargets(ctx.db)) settled += (await startQueued(ctx, target)).length;
  return settled;
}
