import type { Effect } from './effects.ts';
import { decisionTimeoutAt, reminderAt } from './schedule.ts';
import { CHECKED_STATES, checkSlot, currentStep, type Run } from './run.ts';
import { isWatchedStep } from './steps.ts';

/**
 * Work a run is waiting for that should have happened by `now`: a queued step nobody started, a
 * check whose slot has passed, a decision timer that should have gone off. Jobs live in Redis; if Redis lost them (a restart without AOF), the
 * sweeper enqueues them again from this. A job that was merely slow is harmless: a step is one job
 * whatever enqueues it (queue/jobs.ts stepJobId), and the check seq and timer number make a second one stale.
 */
export function overdueWork(run: Run, now: Date, graceMs: number): Effect[] {
  const late = (iso: string) => now.getTime() - Date.parse(iso) > graceMs;
  if (run.cursor && !run.cursor.startedAt && late(run.cursor.queuedAt)) {
    const step = currentStep(run);
    return step && !isWatchedStep(step) ? [{ kind: 'runStep', stepId: step.id }] : [];
  }
  if (run.state === 'scheduled' && run.scheduled && late(run.scheduled.at))
    return [{ kind: 'scheduleTimer', timer: 'scheduled_start', n: 1, at: now.toISOString() }];
  if (run.state === 'awaiting_decision' && run.awaiting) {
    if (late(decisionTimeoutAt(run.spec.approval, run.awaiting.since)))
      return [{ kind: 'scheduleTimer', timer: 'decision_timeout', n: 1, at: now.toISOString() }];
    const next = run.awaiting.reminders + 1;
    const reminder = reminderAt(run.spec.approval, run.awaiting.since, next);
    if (reminder && late(reminder)) return [{ kind: 'scheduleTimer', timer: 'decision_reminder', n: next, at: now.toISOString() }];
  }
  if (CHECKED_STATES.includes(run.state) && run.watch && (run.spec.monitoring || run.state === 'validating_rollback')) {
    const slot = checkSlot(run, run.nextCheck);
    if (late(slot.at)) return [{ ...slot, at: now.toISOString() }];
  }
  return [];
}

/** A run's post-deployment review reminder as the store keeps it (store/reviews.ts). */
export interface Review {
  runId: string;
  dueAt: string;
  queuedAt: string;
  resent: number;
  postedAt: string | null;
}

/** How many times a review reminder is enqueued again before the sweeper gives up on it (a channel that refuses every post). */
export const REVIEW_RESENDS = 3;

/**
 * A review reminder not posted `graceMs` after it was due, nor after its job was last enqueued: its job
 * was lost (Redis without AOF) or keeps failing, so it is enqueued again, at most once per grace period
 * and REVIEW_RESENDS times.
 */
export function overdueReview(review: Review, now: Date, graceMs: number): boolean {
  const since = Math.max(Date.parse(review.dueAt), Date.parse(review.queuedAt));
  return review.postedAt === null && review.resent < REVIEW_RESENDS && now.getTime() - since > graceMs;
}
