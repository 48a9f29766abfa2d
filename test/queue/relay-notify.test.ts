import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QUEUES } from '../../src/queue/jobs.ts';
import { OutboxRelay } from '../../src/queue/relay.ts';
import { OUTBOX_CHANNEL, type Database } from '../../src/store/db.ts';
import { insertOutbox, outboxRow } from '../../src/store/outbox.ts';
import { ENGINES, freshQueuePrefix } from '../support/databases.ts';

/**
 * The worker's relay is woken by the commit of outbox rows (the trigger's NOTIFY), from any process:
 * serve does no relay work. Its poll here is an hour, so only the notification can move a row.
 */
describe.each(ENGINES)('outbox relay woken by NOTIFY on %s', (_engine, open) => {
  let database: Database;
  let close: () => Promise<void>;
  let redis: Redis;
  let relay: OutboxRelay;
  let notices: Queue;
  const prefix = freshQueuePrefix();
  const HOUR = 3_600_000;

  beforeAll(async () => {
    ({ database, close } = await open());
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    relay = new OutboxRelay(database.db, redis, pino({ level: 'silent' }), HOUR, prefix, (onCommitted) => database.listen(OUTBOX_CHANNEL, onCommitted));
    notices = new Queue(QUEUES.chat, { connection: redis, prefix });
  }, 180_000); // PGlite's cold start and migrations take long on a busy machine
  afterAll(async () => {
    await relay?.stop();
    await notices?.close();
    await redis?.quit();
    await close?.();
  });

  const committed = async (runId: string) => {
    const row = outboxRow(runId, QUEUES.chat, { kind: 'bench' }, new Date());
    await database.db.transaction((tx) => insertOutbox(tx, [row], new Date()));
    return row.id;
  };
  const jobIds = async () => (await notices.getJobs(['wait', 'delayed', 'active', 'completed', 'failed'])).map((job) => job.id);

  it('moves a row committed after it went to sleep, without waiting for its poll', async () => {
    const first = await committed(crypto.randomUUID());
    relay.start();
    await expect.poll(jobIds, { timeout: 10_000 }).toContain(first);
    // The relay has made its first pass and sleeps for an hour; a commit wakes it.
    const second = await committed(crypto.randomUUID());
    await expect.poll(jobIds, { timeout: 10_000 }).toContain(second);
    const third = await committed(crypto.randomUUID());
    await expect.poll(jobIds, { timeout: 10_000 }).toContain(third);
  });
});
