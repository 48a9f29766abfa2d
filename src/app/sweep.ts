import { overdueReview, overdueWork } from '../domain/overdue.ts';
import { overdueReminder } from '../domain/page.ts';
import { lockPage, pagesDueBefore } from '../store/pages.ts';
import { lockReview, markReviewResent, reviewsUnpostedBefore } from '../store/reviews.ts';
import { lockRun, runsWithWorkDueBefore } from '../store/runs.ts';
import { persistEffects, persistWork } from './apply-effects.ts';
import type { AppContext } from './shared/context.ts';

/**
 * Worker, every so often: re-enqueue the work of active runs, open pages and unposted review reminders
 * that is overdue by more than `graceMs` (see domain/overdue.ts). Returns how many jobs it re-enqueued.
 */
export async function sweepOverdue(ctx: AppContext, graceMs: number): Promise<number> {
  let enqueued = 0;
  for (const candidate of await runsWithWorkDueBefore(ctx.db, new Date(ctx.clock.now().getTime() - graceMs))) {
    if (overdueWork(candidate, ctx.clock.now(), graceMs).length === 0) continue;
    enqueued += await ctx.db.transaction(async (tx) => {
      const run = await lockRun(tx, candidate.id);
      if (!run) return 0;
      const now = ctx.clock.now();
      const effects = overdueWork(run, now, graceMs);
      await persistEffects(tx, run, effects, now);
      if (effects.length) ctx.log.warn({ run: run.key, effects }, 'overdue work re-enqueued (were queue jobs lost, or are all worker slots busy?)');
      return effects.length;
    });
  }
  enqueued += await sweepOverduePages(ctx, graceMs);
  enqueued += await sweepOverdueReviews(ctx, graceMs);
  if (enqueued) ctx.kickRelay();
  return enqueued;
}

/** The next reminder of each unacknowledged page overdue by more than `graceMs`; if the old job turns up too, its number makes it a no-op. */
async function sweepOverduePages(ctx: AppContext, graceMs: number): Promise<number> {
  let enqueued = 0;
  for (const candidate of await pagesDueBefore(ctx.db, new Date(ctx.clock.now().getTime() - graceMs))) {
    enqueued += await ctx.db.transaction(async (tx) => {
      const page = await lockPage(tx, candidate.id);
      const now = ctx.clock.now();
      const reminder = page && overdueReminder(page, now, graceMs);
      if (!page || !reminder) return 0;
      await persistWork(tx, [{ kind: 'pageReminder', page, reminder }], now);
      ctx.log.warn({ page: page.id, reminder }, 'overdue page reminder re-enqueued (was its job lost?)');
      return 1;
    });
  }
  return enqueued;
}

/** Review reminders of ended runs still unposted a grace period after they were due (their delayed job was lost): enqueued again, once per grace period. */
async function sweepOverdueReviews(ctx: AppContext, graceMs: number): Promise<number> {
  let enqueued = 0;
  for (const candidate of await reviewsUnpostedBefore(ctx.db, new Date(ctx.clock.now().getTime() - graceMs))) {
    enqueued += await ctx.db.transaction(async (tx) => {
      const review = await lockReview(tx, candidate.runId);
      const now = ctx.clock.now();
      if (!review || !overdueReview(review, now, graceMs)) return 0;
      await persistWork(tx, [{ kind: 'reviewResent', review }], now);
      await markReviewResent(tx, review, now);
      ctx.log.warn({ runId: review.runId, resent: review.resent + 1 }, 'overdue review reminder re-enqueued (was its job lost?)');
      return 1;
    });
  }
  return enqueued;
}
