import { createHash } from 'node:crypto';
import { openPage, type Round } from '../../domain/page.ts';
import { acknowledgedCard } from '../../domain/messages/page-cards.ts';
import type { Run } from '../../domain/run.ts';
import { QUEUES, type PageJob } from '../../queue/jobs.ts';
import type { Db } from '../../store/db.ts';
import { outboxRow, type OutboxRow } from '../../store/outbox.ts';
import { findPage, insertPage, savePageMessage } from '../../store/pages.ts';
import type { ChatPlatform, MessageRef } from '../../ports.ts';
import type { ChatDeps } from '../apply-effects.ts';

/**
 * A page's id comes from the transition that opened it (the run and its event number), so the
 * channel mention's outbox row and the page row agree on it without passing it around.
 */
export function pageIdFor(run: Run): string {
  const hex = createHash('sha256').update(`page:${run.id}:${run.seq}`).digest('hex');
  // Shaped as an RFC 4122 name-based id (version 5, variant 10xx) so it passes as a uuid everywhere.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** In the transition's transaction: the page row, and the outbox rows of its first direct messages and first reminder. */
export async function openPageFor(db: Db, run: Run, reason: string, now: Date): Promise<OutboxRow[]> {
  const round = openPage({ id: pageIdFor(run), runId: run.id, reason }, run.spec, now);
  await insertPage(db, round.page);
  return roundRows(round, now);
}

/** One direct message job per person of the round, and the next reminder as a delayed job at its slot. */
export function roundRows(round: Round, now: Date): OutboxRow[] {
  const { page } = round;
  const job = (payload: PageJob, at: Date) => outboxRow(page.runId, QUEUES.pages, payload, at);
  const rows = round.deliveries.map((delivery) =>
    job({ kind: 'direct', pageId: page.id, reminder: delivery.reminder, person: delivery.person.key, escalation: delivery.escalation }, now),
  );
  if (page.nextReminderAt) rows.push(job({ kind: 'reminder', pageId: page.id, reminder: page.remindersSent + 1 }, new Date(page.nextReminderAt)));
  return rows;
}

/**
 * Remembers a message carrying a page's button, so it is edited once someone acknowledges. If that
 * happened while the message was on its way, the edit job may have missed it: edit it here instead.
 */
export async function keepPageMessage(deps: ChatDeps, chat: ChatPlatform, pageId: string, run: Run, ref: MessageRef): Promise<void> {
  await savePageMessage(deps.db, pageId, chat.platform, ref.channel, ref.id);
  const page = await findPage(deps.db, pageId);
  if (page?.acknowledged) await chat.updateCard(ref, acknowledgedCard(page, run));
}
