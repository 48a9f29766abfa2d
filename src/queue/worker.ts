import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { JOB_PAYLOADS, type QueueName } from './jobs.ts';
import { workerOptions } from './options.ts';

/** What each queue's jobs do, given the parsed payload and the job (app/job-handlers.ts builds them). */
export type JobHandlers = { [Q in QueueName]: (payload: z.infer<(typeof JOB_PAYLOADS)[Q]>, job: Job) => Promise<unknown> };

export interface WorkerDeps {
  handlers: JobHandlers;
  log: Logger;
  connection: Redis;
  lockMs: number;
  prefix: string;
}

export interface Workers {
  /**
   * Graceful stop (SIGTERM): take no new job, let the running ones finish within `graceMs`; any still running then is
   * handed back to its queue (its lock released), so another worker takes it at once instead of after the lock
   * expires. `abandon` is called first, so their handlers report nothing (see Executor.abandonAll); they are not awaited.
   * Returns how many were handed back.
   */
  stop(graceMs?: number, abandon?: () => void): Promise<number>;
}

/** Starts one BullMQ worker per queue; each parses its payload, then hands it to its handler. */
export function startWorkers(deps: WorkerDeps): Workers {
  const active = new Map<string, { job: Job; token: string }>();
  const workers = (Object.keys(deps.handlers) as QueueName[]).map((queue) => {
    const handle = deps.handlers[queue] as (payload: unknown, job: Job) => Promise<unknown>;
    const worker = new Worker(
      queue,
      async (job: Job, token?: string) => {
        const key = `${queue}/${job.id}`;
        if (token) active.set(key, { job, token });
        try {
          return await handle(parse(queue, job.data), job);
        } finally {
          active.delete(key);
        }
      },
      { connection: deps.connection, prefix: deps.prefix, ...workerOptions(queue, deps.lockMs) },
    );
    worker.on('failed', (job, error) => deps.log.error({ queue, job: job?.id, attempts: job?.attemptsMade, err: error }, 'job failed'));
    worker.on('error', (error) => deps.log.error({ queue, err: error }, 'worker error'));
    return worker;
  });
  return {
    async stop(graceMs = 0, abandon = () => {}) {
      // pause(): no new job is fetched, and it resolves when the running ones have finished.
      const finished = Promise.all(workers.map((worker) => worker.pause())).then(() => true);
      const inTime = await Promise.race([finished, new Promise<false>((resolve) => setTimeout(() => resolve(false), graceMs).unref())]);
      const handedBack = inTime ? [] : [...active.values()];
      if (handedBack.length) abandon();
      for (const { job, token } of handedBack) {
        await job.moveToWait(token).catch((error: Error) => deps.log.warn({ job: job.id, err: error.message }, 'could not hand a job back'));
        deps.log.warn({ queue: job.queueName, job: job.id }, 'shutdown grace period over: job handed back to the queue for another worker');
      }
      await Promise.all(workers.map((worker) => worker.close(!inTime)));
      return handedBack.length;
    },
  };
}

function parse<Q extends QueueName>(queue: Q, data: unknown): z.infer<(typeof JOB_PAYLOADS)[Q]> {
  const result = JOB_PAYLOADS[queue].safeParse(data);
  // A payload we cannot read will never become readable: fail it now instead of retrying.
  if (!result.success) throw new UnrecoverableError(`malformed ${queue} job: ${result.error.message}`);
  return result.data as z.infer<(typeof JOB_PAYLOADS)[Q]>;
}
