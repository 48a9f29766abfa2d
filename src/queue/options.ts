import type { JobsOptions, WorkerOptions } from 'bullmq';
import { QUEUES, type QueueName } from './jobs.ts';

/** Completed jobs are kept a day so a re-relayed outbox row (same jobId) stays a no-op instead of running again. */
const KEEP: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: { age: 86_400, count: 50_000 },
  removeOnFail: { age: 7 * 86_400 },
};

/** Per-queue job options. Retries here are for our infrastructure's faults (database, Redis, Slack); a failing deploy is a domain event, not a retry. */
export const JOB_OPTIONS: Record<QueueName, JobsOptions> = {
  // Steps: a few retries with backoff ride out a database blip; the step itself is guarded by the run's cursor.
  [QUEUES.steps]: { ...KEEP, attempts: 5, backoff: { type: 'exponential', delay: 1_000 } },
  // Checks: same; a check that cannot run is retried, never silently skipped. Not kept once done: a check job
  // completes only after its check moved the run's nextCheck, so one added again runs as stale (run-check.ts), and
  // keeping a day of them held ~3.3 KB of Redis per monitored run (bench -- monitoring: 5.2 → 1.9 KB per run).
  [QUEUES.checks]: { removeOnComplete: true, removeOnFail: KEEP.removeOnFail, attempts: 5, backoff: { type: 'exponential', delay: 1_000 } },
  // Chat: Slack/Teams rate limits and outages last longer; keep trying for several minutes.
  [QUEUES.chat]: { ...KEEP, attempts: 12, backoff: { type: 'exponential', delay: 500 } },
  // Pages: mostly chat calls (direct messages), so chat's patience; a reminder decided twice is refused by its number.
  [QUEUES.pages]: { ...KEEP, attempts: 12, backoff: { type: 'exponential', delay: 500 } },
  // Timers: one database transaction each, like checks.
  [QUEUES.timers]: { ...KEEP, attempts: 5, backoff: { type: 'exponential', delay: 1_000 } },
  // Notices: one chat call each, so chat's patience.
  [QUEUES.notices]: { ...KEEP, attempts: 12, backoff: { type: 'exponential', delay: 500 } },
  // Freed targets: database work (and a run's creation), like timers; trying the queued starts again is harmless.
  [QUEUES.targets]: { ...KEEP, attempts: 5, backoff: { type: 'exponential', delay: 1_000 } },
  // Commit time lookups: the HTTP call's own failures are logged and leave lead time unknown (no retry); these retries are for the database.
  [QUEUES.commits]: { ...KEEP, attempts: 3, backoff: { type: 'exponential', delay: 1_000 } },
};

/**
 * Per-queue worker options. A worker that dies holds its job until `lockDuration` passes;
 * then another worker takes it over. Steps may be taken over many times (each take-over is a
 * crash, and plan steps are required to be idempotent), so maxStalledCount is high: giving up
 * on a step would strand a run mid-deploy.
 */
export function workerOptions(queue: QueueName, lockMs: number): Omit<WorkerOptions, 'connection'> {
  const stall = { lockDuration: lockMs, stalledInterval: Math.max(1_000, Math.floor(lockMs / 2)) };
  switch (queue) {
    case QUEUES.steps:
      return { ...stall, concurrency: 4, maxStalledCount: 20 };
    case QUEUES.checks:
      // A check mostly waits (its probe, its round trips to Postgres), so a worker's checks per second are about
      // concurrency / a check's wall time: 8 capped one worker at 8/s when a busy machine made a check take 1 s,
      // far below the 167/s of 10,000 runs on a 1-minute pace (bench -- monitoring). The database parts queue for the pool.
      return { ...stall, concurrency: 64, maxStalledCount: 20 };
    case QUEUES.chat:
      // One at a time per worker keeps a run's log lines in order on the common single-worker setup.
      return { ...stall, concurrency: 1, maxStalledCount: 5 };
    case QUEUES.timers:
      return { ...stall, concurrency: 4, maxStalledCount: 20 };
    case QUEUES.notices:
      return { ...stall, concurrency: 1, maxStalledCount: 5 };
    case QUEUES.targets:
      return { ...stall, concurrency: 2, maxStalledCount: 5 };
    case QUEUES.commits:
      // One HTTP call each, to a service that rate-limits (GitHub): a couple at a time is plenty.
      return { ...stall, concurrency: 2, maxStalledCount: 5 };
    case QUEUES.pages:
      // Apart from the chat queue, so a page is never stuck behind a long run's log lines.
      return { ...stall, concurrency: 4, maxStalledCount: 5 };
  }
}
