import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { performChatEffect, type ChatDeps } from '../app/apply-effects.ts';
import type { AppContext } from '../app/context.ts';
import { runPageJob } from '../app/page-jobs.ts';
import { runCheck } from '../app/run-check.ts';
import { runStep } from '../app/run-step.ts';
import { runTimer } from '../app/run-timer.ts';
import { postNotice } from '../app/notices.ts';
import type { Executor, MetricSource, Monitor } from '../ports.ts';
import { JOB_PAYLOADS, QUEUES, type QueueName } from './jobs.ts';
import { workerOptions } from './options.ts';

export interface WorkerDeps {
  ctx: AppContext;
  executor: Executor;
  monitor: Monitor;
  metrics: MetricSource;
  chat: ChatDeps;
  connection: Redis;
  lockMs: number;
  prefix: string;
}

/** Starts one BullMQ worker per queue. Returns a function that stops them. */
export function startWorkers(deps: WorkerDeps): { stop(): Promise<void> } {
  const handlers: Record<QueueName, (job: Job) => Promise<unknown>> = {
    // attemptsStarted: BullMQ counts each start of a job (a take-over after a stall, a retry), so the domain tells a take-over from a duplicate.
    [QUEUES.steps]: (job) => runStep(deps.ctx, deps.executor, deps.metrics, parse(QUEUES.steps, job.data), job.attemptsStarted),
    [QUEUES.checks]: (job) => runCheck(deps.ctx, deps.monitor, deps.metrics, parse(QUEUES.checks, job.data)),
    [QUEUES.chat]: (job) => {
      const chat = parse(QUEUES.chat, job.data);
      return performChatEffect(deps.chat, chat.runId, chat.effect);
    },
    [QUEUES.pages]: (job) => runPageJob(deps.ctx, deps.chat, parse(QUEUES.pages, job.data)),
    [QUEUES.timers]: (job) => runTimer(deps.ctx, parse(QUEUES.timers, job.data)),
    [QUEUES.notices]: (job) => postNotice(deps.chat, parse(QUEUES.notices, job.data)),
  };
  const workers = (Object.keys(handlers) as QueueName[]).map((queue) => {
    const worker = new Worker(queue, (job: Job) => handlers[queue](job), { connection: deps.connection, prefix: deps.prefix, ...workerOptions(queue, deps.lockMs) });
    worker.on('failed', (job, error) => deps.ctx.log.error({ queue, job: job?.id, attempts: job?.attemptsMade, err: error }, 'job failed'));
    worker.on('error', (error) => deps.ctx.log.error({ queue, err: error }, 'worker error'));
    return worker;
  });
  return { stop: async () => void (await Promise.all(workers.map((worker) => worker.close()))) };
}

function parse<Q extends QueueName>(queue: Q, data: unknown): z.infer<(typeof JOB_PAYLOADS)[Q]> {
  const result = JOB_PAYLOADS[queue].safeParse(data);
  // A payload we cannot read will never become readable: fail it now instead of retrying.
  if (!result.success) throw new UnrecoverableError(`malformed ${queue} job: ${result.error.message}`);
  return result.data as z.infer<(typeof JOB_PAYLOADS)[Q]>;
}
