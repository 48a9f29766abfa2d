import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Db } from '../store/db.ts';
import { relayPending, type OutboxRow } from '../store/outbox.ts';
import { JOB_OPTIONS } from './options.ts';
import { QUEUES, type QueueName } from './jobs.ts';

/**
 * Moves outbox rows to BullMQ. The row id is the job id, so a relay that crashes after adding
 * but before marking repeats nothing. Polls, and wakes at once when nudged after a local commit.
 */
export class OutboxRelay {
  private readonly queues: Record<QueueName, Queue>;
  private running = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    connection: Redis,
    private readonly log: Logger,
    private readonly intervalMs: number,
    prefix: string,
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
  }

  kick(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
    await Promise.all(Object.values(this.queues).map((queue) => queue.close()));
  }

  /** One pass; returns how many rows moved. Exposed for tests. */
  relayOnce(): Promise<number> {
    return relayPending(this.db, 100, (rows) => this.deliver(rows), () => new Date());
  }

  private async deliver(rows: OutboxRow[]): Promise<void> {
    const now = Date.now();
    for (const row of rows) {
      const queue = this.queues[row.queue as QueueName];
      if (!queue) throw new Error(`outbox row ${row.id} names unknown queue ${row.queue}`);
      await queue.add(row.queue, row.payload, { ...JOB_OPTIONS[row.queue as QueueName], jobId: row.id, delay: Math.max(0, row.runAt.getTime() - now) });
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      let moved = 0;
      try {
        moved = await this.relayOnce();
      } catch (error) {
        this.log.error({ err: error }, 'outbox relay pass failed; retrying');
      }
      if (moved === 100 || !this.running) continue;
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
