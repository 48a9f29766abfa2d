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

/** Starts one BullMQ worker per queue; each parses its payload, then hands it to its handler. Returns a function that stops them. */
export function startWorkers(deps: WorkerDeps): { stop(): Promise<void> } {
  const workers = (Object.keys(deps.handlers) as QueueName[]).map((queue) => {
    const handle = deps.handlers[queue] as (payload: unknown, job: Job) => Promise<unknown>;
    const worker = new Worker(queue, (job: Job) => handle(parse(queue, job.data), job), {
      connection: deps.connection,
      prefix: deps.prefix,
      ...workerOptions(queue, deps.lockMs),
    });
    worker.on('failed', (job, error) => deps.log.error({ queue, job: job?.id, attempts: job?.attemptsMade, err: error }, 'job failed'));
    worker.on('error', (error) => deps.log.error({ queue, err: error }, 'worker error'));
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
