import { join } from 'node:path';
import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppContext } from '../../src/app/context.ts';
import { persistEffects } from '../../src/app/apply-effects.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { catalogOf, loadPlanFile } from '../../src/plans/catalog.ts';
import { QUEUES } from '../../src/queue/jobs.ts';
import { OutboxRelay } from '../../src/queue/relay.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';

const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };

/** Outbox → BullMQ: the row id is the job id, so relaying again (after a crash between add and mark) adds nothing. */
describe('outbox relay', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let redis: Redis;
  let relay: OutboxRelay;
  let ctx: AppContext;
  let queues: Record<string, Queue>;
  const prefix = freshQueuePrefix();

  beforeAll(async () => {
    pg = await freshPostgres();
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    relay = new OutboxRelay(pg.database.db, redis, pino({ level: 'silent' }), 1_000, prefix);
    const plan = await loadPlanFile(join(PROJECT_ROOT, 'plans/demo.yaml'));
    ctx = { db: pg.database.db, plans: catalogOf([plan]), clock: { now: () => new Date() }, log: pino({ level: 'silent' }), kickRelay() {} };
    queues = Object.fromEntries(Object.values(QUEUES).map((name) => [name, new Queue(name, { connection: redis, prefix })]));
  });
  afterAll(async () => {
    await relay?.stop();
    await Promise.all(Object.values(queues ?? {}).map((queue) => queue.close()));
    await redis?.quit();
    await pg?.drop();
  });

  const jobIds = async () => (await Promise.all(Object.values(queues).map((queue) => queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])))).flat().map((job) => job.id).sort();
  const outboxIds = async () => ((await pg.database.db.execute(sql`select id from outbox order by id`)) as unknown as { rows: { id: string }[] }).rows.map((row) => row.id).sort();

  it('moves each outbox row to its queue once, with the row id as job id', async () => {
    await onCommand(ctx, { actor: alice, text: 'start demo 1.1.0', requestKey: null });
    expect(await relay.relayOnce()).toBe(2);
    expect(await jobIds()).toEqual(await outboxIds());
    expect(await relay.relayOnce()).toBe(0);
  });

  it('re-relaying rows whose mark was lost adds no duplicate job', async () => {
    const before = await jobIds();
    await pg.database.db.execute(sql`update outbox set relayed_at = null`);
    expect(await relay.relayOnce()).toBe(2);
    expect(await jobIds()).toEqual(before);
  });

  it('a check scheduled in the future becomes a delayed job', async () => {
    const run = (await findRunByKey(pg.database.db, 'demo-1'))!;
    const at = new Date(Date.now() + 60_000);
    await persistEffects(pg.database.db, run, [{ kind: 'scheduleCheck', seq: 1, at: at.toISOString() }], new Date());
    await relay.relayOnce();
    const delayed = await queues[QUEUES.checks]!.getJobs(['delayed']);
    expect(delayed).toHaveLength(1);
    expect(delayed[0]!.data).toEqual({ runId: run.id, seq: 1 });
    expect(delayed[0]!.timestamp + delayed[0]!.delay).toBeGreaterThan(Date.now() + 50_000);
  });
});

describe('concurrent starts on Postgres', () => {
  it('five starts of the same service at once create exactly one run', async () => {
    const pg = await freshPostgres();
    try {
      const plan = await loadPlanFile(join(PROJECT_ROOT, 'plans/demo.yaml'));
      const ctx: AppContext = { db: pg.database.db, plans: catalogOf([plan]), clock: { now: () => new Date() }, log: pino({ level: 'silent' }), kickRelay() {} };
      const replies = await Promise.all([1, 2, 3, 4, 5].map((n) => onCommand(ctx, { actor: alice, text: `start demo 1.${n}.0`, requestKey: `race-${n}` })));
      const texts = replies.map((reply) => (reply.kind === 'text' ? reply.text : ''));
      expect(texts.filter((text) => text.includes('created'))).toHaveLength(1);
      expect(texts.filter((text) => text.includes('already active'))).toHaveLength(4);
      const rows = await pg.database.db.execute(sql`select count(*)::int as n from runs`);
      expect((rows as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(1);
    } finally {
      await pg.drop();
    }
  });
});
