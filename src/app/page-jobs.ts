import { directMessageId } from '../domain/identity.ts';
import { pagingOf, sendReminder, type Page } from '../domain/page.ts';
import { acknowledgedCard, pageDirectCard } from '../domain/messages/page-cards.ts';
import type { Run } from '../domain/run.ts';
import type { PageJob } from '../queue/jobs.ts';
import { findPage, lockPage, pageMessagesOf, updatePage } from '../store/pages.ts';
import { findRun } from '../store/runs.ts';
import { persistWork, type ChatDeps } from './apply-effects.ts';
import type { AppContext } from './shared/context.ts';
import { republishHomes } from './shared/home.ts';
import { keepPageMessage } from './shared/page-open.ts';

/** Worker: the page queue's jobs. Each loads the page and does nothing when the page no longer needs it. */
export async function runPageJob(ctx: AppContext, chat: ChatDeps, job: PageJob): Promise<string> {
  switch (job.kind) {
    case 'reminder':
      return decideReminder(ctx, job.pageId, job.reminder);
    case 'direct':
      return sendDirect(chat, job);
    case 'acknowledged':
      return markAcknowledged(chat, job.pageId);
  }
}

/**
 * Reminder `reminder` of a page: under the page's row lock, decide who to message and schedule the next
 * one, in one transaction. The number makes a duplicate (a slow job the sweeper also re-enqueued) a no-op.
 */
export async function decideReminder(ctx: AppContext, pageId: string, reminder: number): Promise<string> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(async (tx) => {
    const page = await lockPage(tx, pageId);
    const run = page && (await findRun(tx, page.runId));
    if (!page || !run) return 'unknown page';
    const decided = sendReminder(page, run.spec, reminder, now);
    if (!decided.ok) return decided.refusal;
    await updatePage(tx, decided.round.page);
    await persistWork(tx, [{ kind: 'pageRound', round: decided.round }], now);
    return 'sent';
  });
  if (outcome === 'sent') ctx.kickRelay();
  ctx.log.info({ page: pageId, reminder, outcome }, 'page reminder');
  return outcome;
}

async function sendDirect(deps: ChatDeps, job: Extract<PageJob, { kind: 'direct' }>): Promise<string> {
  const page = await findPage(deps.db, job.pageId);
  const run = page && (await findRun(deps.db, page.runId));
  if (!page || !run) return 'unknown page';
  if (page.acknowledged) return 'acknowledged';
  const person = [...run.spec.onCall, ...pagingOf(run.spec).escalation].find((candidate) => candidate.key === job.person);
  const id = person ? directMessageId(person, run.platform) : null;
  const chat = deps.chats[run.platform];
  if (!id || !chat) {
    deps.log.warn(
      { run: run.key, page: page.id, person: job.person, platform: run.platform },
      'no id for this person on the run’s platform (or no chat adapter): direct message skipped; the channel mention still names them',
    );
    return 'skipped';
  }
  const ref = await chat.postDirect(id, pageDirectCard(page, run, job));
  await keepPageMessage(deps, chat, page.id, run, ref);
  return 'sent';
}

/** Every message of a taken page says so and loses its button. Repeating it only edits again. */
async function markAcknowledged(deps: ChatDeps, pageId: string): Promise<string> {
  const page: Page | null = await findPage(deps.db, pageId);
  const run = page && (await findRun(deps.db, page.runId));
  if (!page?.acknowledged || !run) return 'not acknowledged';
  for (const message of await pageMessagesOf(deps.db, page.id)) {
    const chat = deps.chats[message.platform as Run['platform']];
    if (chat) await chat.updateCard({ channel: message.channel, id: message.messageId }, acknowledgedCard(page, run));
  }
  // The page leaves the Slack homes of those it called.
  await republishHomes({ ...deps, chat: deps.chats.slack }, run, new Date());
  return 'edited';
}
