import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Db } from '../store/db.ts';
import { relayPending, type OutboxRow } from '../store/outbox.ts';
import { JOB_OPTIONS } from './options.ts';
import { QUEUES, type QueueName } from './jobs.ts';

/** How long a busy relay waits before its next pass, gathering the rows committed meanwhile (see run). */
const GATHER_MS = 20;

/** Subscribes to "outbox rows were committed" (Postgres LISTEN/NOTIFY: store/db.ts listen); returns how to stop. */
export type OutboxListener = (onCommitted: () => void) => Promise<() => Promise<void>>;

/**
 * Moves outbox rows to BullMQ. A row's job id is fixed (the row id, or its step's one job: jobs.ts
 * stepJobId), so a relay that crashes after adding but before marking repeats nothing. It runs in the
 * worker, woken by the database's NOTIFY at each commit of outbox rows (any process's) and by a nudge
 * after a local commit; it also polls every `intervalMs`, for a notification lost with a connection.
 */
export class OutboxRelay {
  private readonly queues: Record<QueueName, Queue>;
  private running = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  /** A nudge that came while a pass was running: the rows it tells of may be after that pass's read. */
  private nudged = false;
  private unlisten: Promise<() => Promise<void>> | null = null;

  constructor(
    private readonly db: Db,
    connection: Redis,
    private readonly log: Logger,
    private readonly intervalMs: number,
    prefix: string,
    private readonly listen: OutboxListener | null = null,
  ) {
    this.queues = Object.fromEntries(
      Object.values(QUEUES).map((name) => {
        const queue = new Queue(name, { connection, prefix });
        queue.on('error', (error) => log.warn({ queue: name, err: error.message }, 'queue connection error'));
        return [name, queue];
      }),
    ) as Record<QueueName, Queue>;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    this.unlisten =
      this.listen?.(() => this.kick()).catch((error: Error) => {
        this.log.warn({ err: error.message }, 'outbox relay cannot listen for commits; polling only');
        return async () => {};
      }) ?? null;
  }

  kick(): void {
    this.nudged = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await (
      await this.unlisten
    )?.();
    await this.loop;
    await Promise.all(Object.values(this.queues).map((queue) => queue.close()));
  }

  /** One pass; returns how many rows moved. Exposed for tests. */
  relayOnce(): Promise<number> {
    return relayPending(
      this.db,
      100,
      (rows) => this.deliver(rows),
      () => new Date(),
    );
  }

  /**
   * Rows of their own job go to Redis in one round trip per queue (addBulk); rows sharing a job (a step's)
   * one at a time, each checked for a failed job to retry.
   */
  private async deliver(rows: OutboxRow[]): Promise<void> {
    const now = Date.now();
    const options = (row: OutboxRow) => ({
      ...JOB_OPTIONS[row.queue as QueueName],
      jobId: row.jobId ?? row.id,
      delay: Math.max(0, row.runAt.getTime() - now),
    });
    const queueOf = (row: OutboxRow) => {
      const queue = this.queues[row.queue as QueueName];
      if (!queue) throw new Error(`outbox row ${row.id} names unknown queue ${row.queue}`);
      return queue;
    };
    const own = new Map<Queue, OutboxRow[]>();
    const shared: OutboxRow[] = [];
    for (const row of rows) {
      if (row.jobId) shared.push(row);
      else {
        const queue = queueOf(row);
        const batch = own.get(queue);
        if (batch) batch.push(row);
        else own.set(queue, [row]);
      }
    }
    await Promise.all([...own].map(([queue, batch]) => queue.addBulk(batch.map((row) => ({ name: row.queue, data: row.payload, opts: options(row) })))));
    for (const row of shared) {
      const queue = queueOf(row);
      await queue.add(row.queue, row.payload, options(row));
      await this.retryIfFailed(queue, row.jobId!);
    }
  }

  /**
   * Adding a job whose id exists is a no-op, so a shared job (a step's) that failed all its attempts
   * (the database was down longer than its backoff) would stay failed however often the sweeper asks
   * for it again. A new row for it says the work is still wanted: the failed job gets its attempts
   * back and goes round once more. Its start count goes on, so the worker's start is a take-over
   * (domain/run.ts onStepStarted). Another relay may have retried it first: then it is not failed.
   */
  private async retryIfFailed(queue: Queue, jobId: string): Promise<void> {
    if ((await queue.getJobState(jobId)) !== 'failed') return;
    const job = await Job.fromId(queue, jobId);
    try {
      await job?.retry('failed', { resetAttemptsMade: true });
      this.log.warn({ queue: queue.name, job: jobId }, 'failed job retried: its work is asked for again');
    } catch (error) {
      if ((await queue.getJobState(jobId)) === 'failed') throw error;
    }
  }

  private async run(): Promise<void> {
    let moved = 0;
    let movedAt = 0;
    while (this.running) {
      // Busy (a pass moved rows, fewer than a full batch, moments ago): let the commits of the next few milliseconds
      // gather, so many starts at once are relayed in one pass (its four statements and one addBulk per queue)
      // instead of one pass each. The first commit after a quiet spell is relayed at once.
      const gather = moved > 0 && moved < 100 ? movedAt + GATHER_MS - Date.now() : 0;
      if (gather > 0) await new Promise((resolve) => setTimeout(resolve, gather));
      this.nudged = false;
      moved = 0;
      try {
        moved = await this.relayOnce();
        movedAt = Date.now();
      } catch (error) {
        this.log.error({ err: error }, 'outbox relay pass failed; retrying');
      }
      if (moved === 100 || this.nudged || !this.running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.intervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }
}
