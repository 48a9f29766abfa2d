import type { Logger } from 'pino';
import { card, type Card } from '../domain/cards.ts';
import type { Effect } from '../domain/effects.ts';
import { directMessageId, type Platform } from '../domain/identity.ts';
import { isActive, type Lock, type Target } from '../domain/lock.ts';
import { pageCard } from '../domain/messages/page-cards.ts';
import { reminderCard, statusCard } from '../domain/messages/status-card.ts';
import { rollbackCard, stoppedCard, successCard, upcomingCard } from '../domain/messages/announcements.ts';
import type { Review } from '../domain/overdue.ts';
import { type Page, type Round } from '../domain/page.ts';
import { acknowledgeButton } from '../domain/messages/page-cards.ts';
import { withReportLink } from '../domain/messages/words.ts';
import type { Plan } from '../domain/plan.ts';
import { deploymentReport } from '../domain/reports/deployment-report.ts';
import { reviewDueText } from '../domain/messages/review.ts';
import { undecidedApprovers } from '../domain/run-approval.ts';
import type { Run } from '../domain/run.ts';
import type { PlanCatalog } from '../plans/catalog.ts';
import type { ChatPlatform, MessageRef, RunLinks } from '../ports.ts';
import { commitJobId, QUEUES, reviewJobId, stepJobId, type ChatEffect, type CommitJob, type NoticeJob, type TargetJob } from '../queue/jobs.ts';
import type { Db } from '../store/db.ts';
import { insertLockIfAbsent, lockRowFor, recordLockEvent, replaceLock } from '../store/locks.ts';
import { insertOutbox, outboxRow, type OutboxRow } from '../store/outbox.ts';
import { findPage } from '../store/pages.ts';
import { insertReview, lockReview, markReviewPosted } from '../store/reviews.ts';
import { findRun, lockRunMessages, runAndStatusMessage, saveStatusMessage } from '../store/runs.ts';
import { republishHomes } from './shared/home.ts';
import { keepPageMessage, openPageFor, pageIdFor, roundRows } from './shared/page-open.ts';

/**
 * The one place where effects become the world's business.
 * In the transaction that decided them: a run's effects, and the work that belongs to no run's
 * transition (notices, page rounds), become outbox rows (durable, relayed to BullMQ); a lock a run
 * takes is written there and then. On the worker: chat effects and notices become ChatPlatform calls.
 */

export function outboxRowsFor(run: Run, effects: Effect[], now: Date): OutboxRow[] {
  return onceEach(effects).flatMap((effect): OutboxRow[] => {
    switch (effect.kind) {
      case 'runStep':
        return [outboxRow(run.id, QUEUES.steps, { runId: run.id, stepId: effect.stepId }, now, stepJobId(run.id, effect.stepId))];
      case 'scheduleCheck':
        return [outboxRow(run.id, QUEUES.checks, { runId: run.id, seq: effect.seq }, new Date(effect.at))];
      case 'scheduleTimer':
        return [outboxRow(run.id, QUEUES.timers, { runId: run.id, timer: effect.timer, n: effect.n }, new Date(effect.at))];
      case 'page':
        return [outboxRow(run.id, QUEUES.chat, { runId: run.id, effect: { ...effect, pageId: pageIdFor(run) } }, now)];
      case 'targetFreed':
        // A job, not a call after commit: a crash between the run's end and the queued starts loses nothing.
        return [outboxRow(run.id, QUEUES.targets, { service: run.service, environment: run.environment } satisfies TargetJob, now)];
      case 'lockTarget':
        return []; // written in the transaction itself (persistEffects)
      case 'scheduleReview':
        // A delayed job of the chat queue: the run has ended, so this is no transition, only a message when it is due.
        return [outboxRow(run.id, QUEUES.chat, { runId: run.id, effect: { kind: 'reviewDue' } }, new Date(effect.at), reviewJobId(run.id))];
      case 'lookUpCommitTime':
        return [outboxRow(run.id, QUEUES.commits, { runId: run.id, sha: effect.sha } satisfies CommitJob, now, commitJobId(run.id))];
      default:
        return [outboxRow(run.id, QUEUES.chat, { runId: run.id, effect }, now)];
    }
  });
}

/**
 * A status refresh draws the run as it is when its job runs, after the transition committed, so a second one
 * in the same transition (a start that goes straight on to await Go/No-Go asks twice) would post and then
 * edit the same card: the first stays (it posts the message before the transition's log lines thread under it).
 */
function onceEach(effects: Effect[]): Effect[] {
  const first = effects.findIndex((effect) => effect.kind === 'refreshStatus');
  return first < 0 ? effects : effects.filter((effect, i) => effect.kind !== 'refreshStatus' || i === first);
}

/** Effects persistEffects writes more for than outbox rows (a page's row, a lock, a review): a transition with none is outbox rows only. */
const WRITES_BEYOND_OUTBOX: ReadonlySet<Effect['kind']> = new Set(['page', 'lockTarget', 'scheduleReview']);

/** True when persisting `effects` is inserting outboxRowsFor(…) and nothing else (store/append-event.ts can then write them with the transition). */
export function outboxOnly(effects: readonly Effect[]): boolean {
  return effects.every((effect) => !WRITES_BEYOND_OUTBOX.has(effect.kind));
}

/** In the transition's transaction: the outbox rows of its effects, the page it opens, the lock it takes. */
export async function persistEffects(db: Db, run: Run, effects: Effect[], now: Date): Promise<void> {
  const rows = outboxRowsFor(run, effects, now);
  for (const effect of effects) {
    // A page opens with the transition that pages: its row and first direct messages commit with it, or not at all.
    if (effect.kind === 'page') rows.push(...(await openPageFor(db, run, effect.reason, now)));
    if (effect.kind === 'lockTarget') await takeLock(db, effect.lock, now);
    // Kept until posted, so a job Redis lost is found again by the sweeper.
    if (effect.kind === 'scheduleReview') await insertReview(db, run.id, new Date(effect.at), now);
  }
  await insertOutbox(db, rows, now);
}

/** A lock Flightdeck takes (after a rollback): it replaces any lock there, and the audit trail keeps the one it replaced. */
async function takeLock(db: Db, lock: Lock, now: Date): Promise<void> {
  const where: Target = { service: lock.service, environment: lock.environment };
  const held = await lockRowFor(db, where);
  if (held || !(await insertLockIfAbsent(db, lock))) await replaceLock(db, lock);
  const live = held && isActive(held, now) ? held : null;
  await recordLockEvent(
    db,
    {
      target: where,
      action: live ? 'taken_over' : 'locked',
      by: null,
      reason: lock.reason,
      lock,
      detail: live ? `replaced ${live.by.name}'s lock (“${live.reason}”)` : null,
    },
    now,
  );
}

/**
 * Work that belongs to no run's transition, decided by a use case in its transaction:
 * - notice: a card to the environment's channel on `platform` (a lock taken or lifted, a queued start
 *   that could not start); none when the plan has no channel there. `eventId` is the lock event it
 *   tells of (the outbox's run column carries it).
 * - pageRound: a page's direct messages and its next reminder; pageReminder: decide reminder `n` now;
 *   pageAcknowledged: edit every message of a page someone took.
 */
export type Work =
  | { kind: 'notice'; eventId: string; plan: Plan | undefined; environment: string; platform: Platform; card: Card }
  | { kind: 'pageRound'; round: Round }
  | { kind: 'pageReminder'; page: Page; reminder: number }
  | { kind: 'pageAcknowledged'; page: Page }
  | { kind: 'reviewResent'; review: Review };

export async function persistWork(db: Db, work: Work[], now: Date): Promise<void> {
  await insertOutbox(
    db,
    work.flatMap((item) => workRows(item, now)),
    now,
  );
}

function workRows(work: Work, now: Date): OutboxRow[] {
  switch (work.kind) {
    case 'notice': {
      const channel = work.plan?.environments[work.environment]?.channel[work.platform];
      if (!channel) return [];
      const { buttons: _none, ...content } = work.card;
      return [outboxRow(work.eventId, QUEUES.notices, { platform: work.platform, channel, card: content } satisfies NoticeJob, now)];
    }
    case 'pageRound':
      return roundRows(work.round, now);
    case 'pageReminder':
      return [outboxRow(work.page.runId, QUEUES.pages, { kind: 'reminder', pageId: work.page.id, reminder: work.reminder }, now)];
    case 'pageAcknowledged':
      return [outboxRow(work.page.runId, QUEUES.pages, { kind: 'acknowledged', pageId: work.page.id }, now)];
    case 'reviewResent': {
      const { runId, resent } = work.review;
      return [outboxRow(runId, QUEUES.chat, { runId, effect: { kind: 'reviewDue' } }, now, reviewJobId(runId, resent + 1))];
    }
  }
}

export interface ChatDeps {
  db: Db;
  chats: Partial<Record<Platform, ChatPlatform>>;
  log: Logger;
  /** Links to the run's page, added to its messages (a fresh one each time a message is drawn). */
  links?: RunLinks | null;
  /** The plans, for the Slack homes republished when a run moves (their "last deployments"). */
  plans?: PlanCatalog;
}

function linked(deps: ChatDeps, run: Run, message: Card): Card {
  return withReportLink(message, deps.links ? deps.links.runUrl(run.key, new Date()) : null);
}

export async function performChatEffect(deps: ChatDeps, runId: string, effect: ChatEffect): Promise<void> {
  // The most common job: its run is read once, under the run's message lock (refreshStatus), not once more before it.
  if (effect.kind === 'refreshStatus') return refreshStatusJob(deps, runId);
  const run = await findRun(deps.db, runId);
  if (!run) return deps.log.warn({ runId }, 'chat effect for an unknown run dropped');
  const chat = deps.chats[run.platform];
  const channel = run.spec.channel[run.platform];
  if (!chat || !channel) {
    return deps.log.warn({ run: run.key, platform: run.platform }, 'no chat adapter or channel for this run; message dropped');
  }
  switch (effect.kind) {
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
        await chat.postCard(channel, linked(deps, run, upcomingCard(run)));
        return;
      }
      if (effect.message === 'stopped') {
        await chat.postCard(channel, linked(deps, run, stoppedCard(run)));
        return;
      }
      await chat.postCard(channel, linked(deps, run, effect.message === 'success' ? successCard(run) : rollbackCard(run)));
      const thread = await refreshStatus(deps, chat, run.id, channel, { onlyIfMissing: true });
      const page = deps.links ? `\n\nThe report's page (charts, downloads): ${deps.links.runUrl(run.key, new Date())}` : '';
      await chat.postText(channel, `${deploymentReport(run)}${page}`, thread);
      return;
    }
    case 'reviewDue':
      await postReview(deps, chat, run, channel);
      return;
    case 'page': {
      const page = effect.pageId ? await findPage(deps.db, effect.pageId) : null;
      const ref = await chat.postCard(channel, linked(deps, run, pageCard(run, effect.reason, page ? acknowledgeButton(page) : undefined)));
      if (page) await keepPageMessage(deps, chat, page.id, run, ref);
      await republishHomes({ ...deps, chat: deps.chats.slack }, run, new Date());
      return;
    }
  }
}

/**
 * The review reminder, once: its row is held while it is posted, so a sweeper's second job waits and then
 * finds it posted. A run whose review was scheduled before the reviews table has no row: posted as before.
 * One chat call, so a retried job cannot post half of it twice; a crash between the post and the commit is
 * the one way it is posted twice (a reminder lost would be worse).
 */
async function postReview(deps: ChatDeps, chat: ChatPlatform, run: Run, channel: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const review = await lockReview(tx, run.id);
    if (review?.postedAt) return deps.log.info({ run: run.key }, 'review reminder already posted; this job adds nothing');
    await chat.postText(channel, reviewDueText(run, deps.links ? deps.links.runUrl(run.key, new Date()) : null));
    if (review) await markReviewPosted(tx, run.id, new Date());
  });
}

/** A direct message with the decision card to each approver who has not decided (and has an id on this platform). */
async function remindApprovers(deps: ChatDeps, chat: ChatPlatform, run: Run): Promise<void> {
  for (const approver of undecidedApprovers(run)) {
    const id = directMessageId(approver, chat.platform);
    if (!id) {
      deps.log.warn(
        { run: run.key, approver: approver.key, platform: chat.platform },
        'approver has no id a direct message can go to on this platform; not reminded (the status message still shows the buttons)',
      );
      continue;
    }
    await chat.postDirect(id, reminderCard(run));
  }
}

/**
 * Posts the run's status message the first time and edits it afterwards, rendering the run as it is
 * once the run's message lock is held: two workers never post it twice, and the last edit always shows
 * the latest state. The lock is not the run's row lock, so transitions never wait for a chat call.
 * With `onlyIfMissing` (a log line needs the thread) a message already there is all it needs: the run is not read.
 */
async function refreshStatus(
  deps: ChatDeps,
  chat: ChatPlatform,
  runId: string,
  channel: string,
  options: { onlyIfMissing?: boolean } = {},
): Promise<MessageRef> {
  return deps.db.transaction(async (tx) => {
    await lockRunMessages(tx, runId);
    const { run, saved } = (await runAndStatusMessage(tx, runId))!;
    if (saved && options.onlyIfMissing) return { channel: saved.channel, id: saved.messageId };
    return drawStatus({ ...deps, db: tx }, chat, run, channel, saved);
  });
}

/** The status card drawn from `run` (read under the message lock): an edit of the saved message, or a new one, saved. */
async function drawStatus(
  deps: ChatDeps,
  chat: ChatPlatform,
  run: Run,
  channel: string,
  saved: { channel: string; messageId: string } | null,
): Promise<MessageRef> {
  if (saved) {
    const ref = { channel: saved.channel, id: saved.messageId };
    await chat.updateCard(ref, linked(deps, run, statusCard(run)));
    return ref;
  }
  const ref = await chat.postCard(channel, linked(deps, run, statusCard(run)));
  await saveStatusMessage(deps.db, run.id, chat.platform, ref.channel, ref.id);
  return ref;
}

/**
 * A refreshStatus job: the run read once, under its message lock (which chat and channel come from it), the
 * status drawn; then the homes of those who can act on it follow (errors are logged there, never thrown).
 */
async function refreshStatusJob(deps: ChatDeps, runId: string): Promise<void> {
  const run = await deps.db.transaction(async (tx) => {
    await lockRunMessages(tx, runId);
    const read = await runAndStatusMessage(tx, runId);
    if (!read) return deps.log.warn({ runId }, 'chat effect for an unknown run dropped');
    const found = read.run;
    const chat = deps.chats[found.platform];
    const channel = found.spec.channel[found.platform];
    if (!chat || !channel) {
      return deps.log.warn({ run: found.key, platform: found.platform }, 'no chat adapter or channel for this run; message dropped');
    }
    await drawStatus({ ...deps, db: tx }, chat, found, channel, read.saved);
    return found;
  });
  if (run) await republishHomes({ ...deps, chat: deps.chats.slack }, run, new Date());
}

/** Worker: posts a notice (a card without buttons). */
export async function postNotice(deps: ChatDeps, job: NoticeJob): Promise<string> {
  const chat = deps.chats[job.platform];
  if (!chat) {
    deps.log.warn({ platform: job.platform, channel: job.channel }, 'no chat adapter for this platform; notice dropped');
    return 'dropped';
  }
  await chat.postCard(job.channel, card({ ...job.card, buttons: [] }));
  return 'posted';
}
