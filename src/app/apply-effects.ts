import { directMessageId } from '../domain/identity.ts';
import type { Logger } from 'pino';
import type { Effect } from '../domain/effects.ts';
import type { Platform } from '../domain/identity.ts';
import { pageCard, reminderCard, rollbackCard, statusCard, stoppedCard, successCard, upcomingCard } from '../domain/messages.ts';
import { undecidedApprovers } from '../domain/run-approval.ts';
import { deploymentReport } from '../domain/report.ts';
import type { Run } from '../domain/run.ts';
import type { ChatPlatform, MessageRef } from '../ports.ts';
import { QUEUES, stepJobId, type ChatEffect } from '../queue/jobs.ts';
import type { Db } from '../store/db.ts';
import { insertOutbox, outboxRow, type OutboxRow } from '../store/outbox.ts';
import { findRun, lockRunMessages, saveStatusMessage, statusMessageOf } from '../store/runs.ts';
import { acknowledgeButton } from '../domain/page.ts';
import { findPage } from '../store/pages.ts';
import { openPageFor, pageIdFor } from './page-open.ts';
import { keepPageMessage } from './page-jobs.ts';

/**
 * The one place where effects become the world's business.
 * In the transaction: each effect becomes an outbox row (durable, relayed to BullMQ).
 * On the worker: chat effects become ChatPlatform calls.
 */

export function outboxRowsFor(run: Run, effects: Effect[], now: Date): OutboxRow[] {
  return effects.map((effect) => {
    switch (effect.kind) {
      case 'runStep':
        return outboxRow(run.id, QUEUES.steps, { runId: run.id, stepId: effect.stepId }, now, stepJobId(run.id, effect.stepId));
      case 'scheduleCheck':
        return outboxRow(run.id, QUEUES.checks, { runId: run.id, seq: effect.seq }, new Date(effect.at));
      case 'scheduleTimer':
        return outboxRow(run.id, QUEUES.timers, { runId: run.id, timer: effect.timer, n: effect.n }, new Date(effect.at));
      case 'page':
        return outboxRow(run.id, QUEUES.chat, { runId: run.id, effect: { ...effect, pageId: pageIdFor(run) } }, now);
      default:
        return outboxRow(run.id, QUEUES.chat, { runId: run.id, effect }, now);
    }
  });
}

export async function persistEffects(db: Db, run: Run, effects: Effect[], now: Date): Promise<void> {
  const rows = outboxRowsFor(run, effects, now);
  // A page opens with the transition that pages: its row and first direct messages commit with it, or not at all.
  for (const effect of effects) if (effect.kind === 'page') rows.push(...(await openPageFor(db, run, effect.reason, now)));
  await insertOutbox(db, rows, now);
}

export interface ChatDeps {
  db: Db;
  chats: Partial<Record<Platform, ChatPlatform>>;
  log: Logger;
}

export async function performChatEffect(deps: ChatDeps, runId: string, effect: ChatEffect): Promise<void> {
  const run = await findRun(deps.db, runId);
  if (!run) return deps.log.warn({ runId }, 'chat effect for an unknown run dropped');
  const chat = deps.chats[run.platform];
  const channel = run.spec.channel[run.platform];
  if (!chat || !channel) {
    return deps.log.warn({ run: run.key, platform: run.platform }, 'no chat adapter or channel for this run; message dropped');
  }
  switch (effect.kind) {
    case 'refreshStatus':
      await refreshStatus(deps, chat, run.id, channel);
      return;
    case 'remindApprovers':
      await remindApprovers(deps, chat, run);
      return;
    case 'postLog': {
      const thread = await refreshStatus(deps, chat, run.id, channel, { onlyIfMissing: true });
      await chat.postText(channel, effect.text, thread);
      return;
    }
    case 'announce': {
      if (effect.message === 'scheduled') {
        await chat.postCard(channel, upcomingCard(run));
        return;
      }
      if (effect.message === 'stopped') {
        await chat.postCard(channel, stoppedCard(run));
        return;
      }
      await chat.postCard(channel, effect.message === 'success' ? successCard(run) : rollbackCard(run));
      const thread = await refreshStatus(deps, chat, run.id, channel, { onlyIfMissing: true });
      await chat.postText(channel, deploymentReport(run), thread);
      return;
    }
    case 'page': {
      const page = effect.pageId ? await findPage(deps.db, effect.pageId) : null;
      const ref = await chat.postCard(channel, pageCard(run, effect.reason, page ? acknowledgeButton(page) : undefined));
      if (page) await keepPageMessage(deps, chat, page.id, run, ref);
      return;
    }
  }
}

/** A direct message with the decision card to each approver who has not decided (and has an id on this platform). */
async function remindApprovers(deps: ChatDeps, chat: ChatPlatform, run: Run): Promise<void> {
  for (const approver of undecidedApprovers(run)) {
    const id = directMessageId(approver, chat.platform);
    if (!id) {
      deps.log.warn({ run: run.key, approver: approver.key, platform: chat.platform }, 'approver has no id a direct message can go to on this platform; not reminded (the status message still shows the buttons)');
      continue;
    }
    await chat.postDirect(id, reminderCard(run));
  }
}

/**
 * Posts the run's status message the first time and edits it afterwards, rendering the run as it is
 * once the run's message lock is held: two workers never post it twice, and the last edit always shows
 * the latest state. The lock is not the run's row lock, so transitions never wait for a chat call.
 */
async function refreshStatus(deps: ChatDeps, chat: ChatPlatform, runId: string, channel: string, options: { onlyIfMissing?: boolean } = {}): Promise<MessageRef> {
  return deps.db.transaction(async (tx) => {
    await lockRunMessages(tx, runId);
    const run = (await findRun(tx, runId))!;
    const saved = await statusMessageOf(tx, runId, chat.platform);
    if (saved) {
      const ref = { channel: saved.channel, id: saved.messageId };
      if (!options.onlyIfMissing) await chat.updateCard(ref, statusCard(run));
      return ref;
    }
    const ref = await chat.postCard(channel, statusCard(run));
    await saveStatusMessage(tx, runId, chat.platform, ref.channel, ref.id);
    return ref;
  });
}
