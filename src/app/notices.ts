import { card, type Card } from '../domain/cards.ts';
import type { Platform } from '../domain/identity.ts';
import type { Plan } from '../domain/plan.ts';
import { QUEUES, type NoticeJob } from '../queue/jobs.ts';
import { outboxRow, type OutboxRow } from '../store/outbox.ts';
import type { ChatDeps } from './apply-effects.ts';

/**
 * Notices: messages to a target's channel that belong to no run (a lock taken or lifted, a queued
 * start that could not start). Durable like run messages: an outbox row in the transaction that
 * decided, then a job on the notices queue.
 */

/**
 * The outbox row of a notice to the environment's channel on `platform`, or none when the plan has no
 * channel there. `eventId` is the lock event the notice tells of; the outbox's run column carries it.
 */
export function noticeRows(eventId: string, plan: Plan | undefined, environment: string, platform: Platform, notice: Card, now: Date): OutboxRow[] {
  const channel = plan?.environments[environment]?.channel[platform];
  if (!channel) return [];
  const { buttons: _none, ...content } = notice;
  const job: NoticeJob = { platform, channel, card: content };
  return [outboxRow(eventId, QUEUES.notices, job, now)];
}

/** Worker: posts a notice. */
export async function postNotice(deps: ChatDeps, job: NoticeJob): Promise<string> {
  const chat = deps.chats[job.platform];
  if (!chat) {
    deps.log.warn({ platform: job.platform, channel: job.channel }, 'no chat adapter for this platform; notice dropped');
    return 'dropped';
  }
  await chat.postCard(job.channel, card({ ...job.card, buttons: [] }));
  return 'posted';
}
