import { QUEUES } from '../queue/jobs.ts';
import type { JobHandlers } from '../queue/worker.ts';
import type { CommitTimes, Executor, MetricSource, Monitor } from '../ports.ts';
import { lookUpCommitTime } from './commit-lookup.ts';
import { runPageJob } from './page-jobs.ts';
import { runCheck } from './run-check.ts';
import { runStep } from './run-step.ts';
import { runTimer } from './run-timer.ts';
import { performChatEffect, postNotice, type ChatDeps } from './apply-effects.ts';
import type { AppContext } from './shared/context.ts';
import { startQueued, sweepLocks } from './start/queued-starts.ts';
import { sweepOverdue } from './sweep.ts';
import { OUTBOX_RETENTION_MS, purgeRelayedOutbox } from '../store/outbox.ts';

export interface WorkerPorts {
  executor: Executor;
  monitor: Monitor;
  metrics: MetricSource;
  chat: ChatDeps;
  commits: CommitTimes;
}

/** The job router: which use case each queue's (parsed) jobs go to. It decides nothing. */
export function jobHandlers(ctx: AppContext, ports: WorkerPorts): JobHandlers {
  return {
    // attemptsStarted: BullMQ counts each start of a job (a take-over after a stall, a retry), so the domain tells a take-over from a duplicate.
    [QUEUES.steps]: (job, raw) => runStep(ctx, ports.executor, ports.metrics, job, raw.attemptsStarted),
    [QUEUES.checks]: (job) => runCheck(ctx, ports.monitor, ports.metrics, job),
    [QUEUES.chat]: (job) => performChatEffect(ports.chat, job.runId, job.effect),
    [QUEUES.pages]: (job) => runPageJob(ctx, ports.chat, job),
    [QUEUES.timers]: (job) => runTimer(ctx, job),
    [QUEUES.notices]: (job) => postNotice(ports.chat, job),
    [QUEUES.targets]: (target) => startQueued(ctx, target),
    [QUEUES.commits]: (job) => lookUpCommitTime(ctx, ports.commits, job),
  };
}

/**
 * The worker's periodic sweep: overdue work of active runs and pages, then expired locks and the starts queued
 * behind them, then outbox rows relayed over an hour ago. Returns how many jobs it re-enqueued.
 */
export async function sweep(ctx: AppContext, graceMs: number): Promise<number> {
  const enqueued = await sweepOverdue(ctx, graceMs);
  await sweepLocks(ctx);
  const purged = await purgeRelayedOutbox(ctx.db, new Date(ctx.clock.now().getTime() - OUTBOX_RETENTION_MS));
  if (purged) ctx.log.debug({ purged }, 'relayed outbox rows deleted');
  return enqueued;
}
