import { lockedSummary } from '../domain/lock.ts';
import type { TimerJob } from '../queue/jobs.ts';
import { activeLockFor } from '../store/locks.ts';
import { findRun } from '../store/runs.ts';
import type { AppContext } from './shared/context.ts';
import { recordEvent } from './shared/record-event.ts';

/** Worker: a timer the run set went off (a reminder to approvers, the decision timeout, a scheduled start); the domain decides whether it still matters. */
export async function runTimer(ctx: AppContext, job: TimerJob): Promise<'done' | 'stale'> {
  const blockedBy = job.timer === 'scheduled_start' ? await lockOnTarget(ctx, job.runId) : null;
  const result = await recordEvent(ctx, job.runId, { type: 'timer', timer: job.timer, n: job.n, ...(blockedBy ? { blockedBy } : {}) });
  return result.ok ? 'done' : 'stale';
}

/** A lock on the run's target taken after the run was scheduled (locks stop starts, and this is the start). */
async function lockOnTarget(ctx: AppContext, runId: string): Promise<string | null> {
  const run = await findRun(ctx.db, runId);
  if (!run || run.state !== 'scheduled') return null;
  const now = ctx.clock.now();
  const lock = await activeLockFor(ctx.db, { service: run.service, environment: run.environment }, now);
  return lock ? lockedSummary(lock, now) : null;
}
