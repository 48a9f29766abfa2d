import { card, plain } from '../domain/cards.ts';
import type { Command } from '../domain/command.ts';
import type { StartFacts } from '../domain/start-decision.ts';
import { mentionOf } from '../domain/identity.ts';
import { lockedSummary, when, type Target } from '../domain/lock.ts';
import { activeRunFor, findRunByRequestKey } from '../store/runs.ts';
import { activeLockFor, deleteExpiredLocks, dequeueStart, queuedStartsFor, queuedTargets, queueStart, recordLockEvent, type QueuedStart } from '../store/locks.ts';
import { insertOutbox } from '../store/outbox.ts';
import type { AppContext } from './context.ts';
import { noticeRows } from './notices.ts';
import { onCommand, type CommandRequest } from './on-command.ts';
import { text, type Reply } from './replies.ts';

/**
 * Starts that wait for their target (`/deploy start … --queue`): stored, then replayed through the
 * start command itself when the target frees, so every check applies again at that time. They are
 * tried on unlock, when a run on the target ends, and by the sweeper (which also sees locks expire).
 */

/**
 * Before a start creates a run, given the target's lock and active run (app/start-run.ts read them): a
 * lock refuses it, naming the holder, unless it asks to queue; a start with --queue waits for a lock or an
 * active run. Null: go ahead (an active run is answered as before).
 */
export async function startGate(ctx: AppContext, request: CommandRequest, command: Extract<Command, { kind: 'start' }>, target: Target, held: Pick<StartFacts, 'lock' | 'active'>): Promise<Reply | null> {
  const now = ctx.clock.now();
  const { lock } = held;
  const busy = lock ? null : held.active;
  if (!lock && !busy) return null;
  if (command.queue) {
    const queued = await ctx.db.transaction(async (tx) => {
      const { start, created } = await queueStart(tx, { ...target, version: command.version, command: withoutQueue(request.text), requestedBy: request.actor }, request.requestKey, now);
      if (created) await recordLockEvent(tx, { target, action: 'queued', by: request.actor, detail: `${start.command} (queued start ${start.id})` }, now);
      return start;
    });
    const ahead = (await queuedStartsFor(ctx.db, target)).findIndex((start) => start.id === queued.id);
    const why = lock ? lockedSummary(lock, now) : `${busy!.key} is active there (${busy!.state.replace(/_/g, ' ')}).`;
    return text(`Queued: ${target.service} ${command.version} → ${target.environment} starts when ${lock ? 'the lock frees' : `${busy!.key} ends`}${ahead > 0 ? `, after ${ahead} queued before it` : ''}. ${why}`);
  }
  if (!lock) return null;
  const refusal = `${lockedSummary(lock, now)} Reply \`/deploy ${withoutQueue(request.text)} --queue\` to run it when the lock frees.`;
  await recordLockEvent(ctx.db, { target, action: 'start_refused', by: request.actor, detail: refusal }, now);
  return text(refusal);
}

/** The start command as typed, less its --queue (chat apps turn "--" into a dash). */
function withoutQueue(typed: string): string {
  return typed.replace(/(^|\s)(--|[—–]-?)queue(?=\s|$)/gi, '').replace(/\s+/g, ' ').trim();
}

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
    const reply = await onCommand(ctx, { actor: next.requestedBy, text: next.command, requestKey });
    const run = await findRunByRequestKey(ctx.db, requestKey);
    if (run) {
      await settle(ctx, next, 'queued_started', `${run.key} created`);
      said.push(`${next.requestedBy.name}'s queued start of ${next.service} ${next.version}: ${run.key} created.`);
      break;
    }
    // A lock or a run got there first: the start waits for the next turn.
    if (await busy(ctx, target)) break;
    const why = replyText(reply);
    if (await settle(ctx, next, 'queued_dropped', why)) said.push(`${next.requestedBy.name}'s queued start of ${next.service} ${next.version} could not start: ${why}`);
  }
  return said;
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
        body: [[{ mention: mentionOf(start.requestedBy) }, `, your start queued at ${when(start.queuedAt, now)} could not start when ${start.service} ${start.environment} freed: ${detail}`]],
      });
      await insertOutbox(tx, noticeRows(id, ctx.plans.get(start.service), start.environment, start.requestedBy.platform, notice, now), now);
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
      const notice = card({ title: `🔓 The lock on ${lock.service} ${lock.environment} expired`, tone: 'good', body: [[`Locked by ${lock.by.name} since ${when(lock.since, now)}: “${lock.reason}”. New runs may start again.`]] });
      await insertOutbox(tx, noticeRows(id, ctx.plans.get(lock.service), lock.environment, lock.by.platform, notice, now), now);
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
