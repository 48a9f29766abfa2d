import type { Effect } from './effects.ts';
import { decisionTimeoutAt, reminderAt } from './schedule.ts';
import { CHECKED_STATES, checkSlot, currentStep, type Run } from './run.ts';
import { isWatchedStep } from './steps.ts';

/** Work a run waits for, in the order the sweeper prefers it when several are late: when it is due, and the effect that enqueues it again. */
interface PendingWork {
  dueAt: string;
  enqueue(now: Date): Effect;
}

/**
 * What a run is waiting for that a queue job will do: a queued step nobody started, a scheduled start, a
 * decision timer, the next check. Jobs live in Redis; if Redis lost them (a restart without AOF), the
 * sweeper enqueues them again from this. A job that was merely slow is harmless: a step is one job
 * whatever enqueues it (queue/jobs.ts stepJobId), and the check seq and timer number make a second one stale.
 */
function pendingWork(run: Run): PendingWork[] {
  if (run.cursor && !run.cursor.startedAt) {
    const step = currentStep(run);
    return step && !isWatchedStep(step) ? [{ dueAt: run.cursor.queuedAt, enqueue: () => ({ kind: 'runStep', stepId: step.id }) }] : [];
  }
  if (run.state === 'scheduled' && run.scheduled)
    return [{ dueAt: run.scheduled.at, enqueue: (now) => ({ kind: 'scheduleTimer', timer: 'scheduled_start', n: 1, at: now.toISOString() }) }];
  if (run.state === 'awaiting_decision' && run.awaiting) {
    const timeout: PendingWork = {
      dueAt: decisionTimeoutAt(run.spec.approval, run.awaiting.since),
      enqueue: (now) => ({ kind: 'scheduleTimer', timer: 'decision_timeout', n: 1, at: now.toISOString() }),
    };
    const next = run.awaiting.reminders + 1;
    const reminder = reminderAt(run.spec.approval, run.awaiting.since, next);
    return reminder
      ? [timeout, { dueAt: reminder, enqueue: (now) => ({ kind: 'scheduleTimer', timer: 'decision_reminder', n: next, at: now.toISOString() }) }]
      : [timeout];
  }
  if (CHECKED_STATES.includes(run.state) && run.watch && (run.spec.monitoring || run.state === 'validating_rollback')) {
    const slot = checkSlot(run, run.nextCheck);
    return [{ dueAt: slot.at, enqueue: (now) => ({ ...slot, at: now.toISOString() }) }];
  }
  return [];
}

/** Work that should have happened more than `graceMs` before `now` (pendingWork), as the effect that enqueues it again. */
export function overdueWork(run: Run, now: Date, graceMs: number): Effect[] {
  const late = pendingWork(run).find((work) => now.getTime() - Date.parse(work.dueAt) > graceMs);
  return late ? [late.enqueue(now)] : [];
}

/**
 * When the run's earliest pending work is due, or null when it waits for none: stored with every snapshot
 * (runs.work_due_at), so the sweeper asks the database only for runs whose work is overdue instead of
 * reading every active run. overdueWork(run, now, grace) is empty whenever now − this ≤ grace.
 */
export function workDueAt(run: Run): string | null {
  const due = pendingWork(run).map((work) => Date.parse(work.dueAt));
  return due.length ? new Date(Math.min(...due)).toISOString() : null;
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
