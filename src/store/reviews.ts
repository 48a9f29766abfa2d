import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Review } from '../domain/overdue.ts';
import type { Db } from './db.ts';
import { reviews } from './schema.ts';

/** A run's review reminder from scheduling to posting (schema.ts reviews). Each query takes the database or a transaction first. */

type ReviewRow = typeof reviews.$inferSelect;

const reviewOf = (row: ReviewRow): Review => ({
  runId: row.runId,
  dueAt: row.dueAt.toISOString(),
  queuedAt: row.queuedAt.toISOString(),
  resent: row.resent,
  postedAt: row.postedAt?.toISOString() ?? null,
});

/** Recorded with the ending that asks for it; a second scheduling of the same run's review changes nothing. */
export async function insertReview(db: Db, runId: string, dueAt: Date, now: Date): Promise<void> {
  await db.insert(reviews).values({ runId, dueAt, queuedAt: now }).onConflictDoNothing();
}

/** Holds the review's row until the transaction ends: two jobs of one review never both post it. */
export async function lockReview(db: Db, runId: string): Promise<Review | null> {
  const [row] = await db.select().from(reviews).where(eq(reviews.runId, runId)).for('update');
  return row ? reviewOf(row) : null;
}

export async function markReviewPosted(db: Db, runId: string, now: Date): Promise<void> {
  await db.update(reviews).set({ postedAt: now }).where(eq(reviews.runId, runId));
}

export async function markReviewResent(db: Db, review: Review, now: Date): Promise<void> {
  await db
    .update(reviews)
    .set({ resent: review.resent + 1, queuedAt: now })
    .where(eq(reviews.runId, review.runId));
}

/** Unposted reviews due, and last enqueued, before `before` (through reviews_unposted): the sweeper's candidates. */
export async function reviewsUnpostedBefore(db: Db, before: Date): Promise<Review[]> {
  const rows = await db
    .select()
    .from(reviews)
    .where(and(isNull(reviews.postedAt), lt(reviews.dueAt, before), lt(reviews.queuedAt, before)));
  return rows.map(reviewOf);
}
