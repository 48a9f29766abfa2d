import { fileURLToPath } from 'node:url';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { outboxRowsFor } from '../../src/app/apply-effects.ts';
import type { AppContext } from '../../src/app/shared/context.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { loadPlanFile } from '../../src/plans/catalog.ts';
import { QUEUES, stepJobId, type QueueName } from '../../src/queue/jobs.ts';
import { OutboxRelay } from '../../src/queue/relay.ts';
import { insertOutbox } from '../../src/store/outbox.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { testContext } from '../support/context.ts';

const DEMO_PLAN = fileURLToPath(new URL('../../plans/demo.yaml', import.meta.url));
const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const STATES = ['wait', 'delayed', 'active', 'completed', 'failed'] as const;

/** Outbox → BullMQ on real Postgres and Redis: a row's job id is fixed (its own id, or its step's), so relaying a row twice adds one job. */
describe('outbox relay', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let redis: Redis;
  let relay: OutboxRelay;
  let ctx: AppContext;
  let queues: Record<QueueName, Queue>;
  const prefix = freshQueuePrefix();

  beforeAll(async () => {
    pg = await freshPostgres();
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    relay = new OutboxRelay(pg.database.db, redis, pino({ level: 'silent' }), 1_000, prefix);
    const plan = await loadPlanFile(DEMO_PLAN);
    ctx = testContext(pg.database.db, [plan]);
    queues = Object.fromEntries(Object.values(QUEUES).map((name) => [name, new Queue(name, { connection: redis, prefix })])) as Record<QueueName, Queue>;
  });
  afterAll(async () => {
    await relay?.stop();
    await Promise.all(Object.values(queues ?? {}).map((queue) => queue.close()));
    await redis?.quit();
    await pg?.drop();
  });

  const outbox = async () =>
    (
      (await pg.database.db.execute(sql`select id, queue, job_id, relayed_at is not null as relayed from outbox order by id`)) as unknown as {
        rows: { id: string; queue: string; job_id: string | null; relayed: boolean }[];
      }
    ).rows;
  const jobsIn = async (name: QueueName) =>
    (await queues[name].getJobs([...STATES])).map((job) => ({ id: job.id, data: job.data })).sort((a, b) => a.id!.localeCompare(b.id!));
  const counts = async () => Promise.all(Object.values(queues).map((queue) => queue.getJobCounts(...STATES)));

  it("moves each outbox row to its queue, with the row id as job id (a step's: the step's one job), and marks it relayed", async () => {
    await onCommand(ctx, { actor: alice, text: 'start demo 1.1.0', requestKey: null });
    const run = (await findRunByKey(pg.database.db, 'demo-1'))!;
    const rows = await outbox();
    const idOf = (queue: string) => rows.find((row) => row.queue === queue)!.id;
    expect(rows.map((row) => row.relayed)).toEqual([false, false]);
    expect(rows.find((row) => row.queue === QUEUES.steps)!.job_id).toBe(stepJobId(run.id, 'pre_checks.0'));
    expect(rows.find((row) => row.queue === QUEUES.chat)!.job_id).toBeNull();

    expect(await relay.relayOnce()).toBe(2);
    expect(await jobsIn(QUEUES.steps)).toEqual([{ id: stepJobId(run.id, 'pre_checks.0'), data: { runId: run.id, stepId: 'pre_checks.0' } }]);
    expect(await jobsIn(QUEUES.chat)).toEqual([{ id: idOf(QUEUES.chat), data: { runId: run.id, effect: { kind: 'refreshStatus' } } }]);
    expect(await jobsIn(QUEUES.checks)).toEqual([]);
    expect((await outbox()).map((row) => row.relayed)).toEqual([true, true]);

    const before = await counts();
    expect(await relay.relayOnce()).toBe(0);
    expect(await counts()).toEqual(before);
  });

  it('relaying again after a crash between add and mark adds no duplicate job', async () => {
    const before = await counts();
    const ids = [...(await jobsIn(QUEUES.steps)), ...(await jobsIn(QUEUES.chat))].map((job) => job.id).sort();
    await pg.database.db.execute(sql`update outbox set relayed_at = null`);
    expect(await relay.relayOnce()).toBe(2);
    expect(await counts()).toEqual(before);
    expect([...(await jobsIn(QUEUES.steps)), ...(await jobsIn(QUEUES.chat))].map((job) => job.id).sort()).toEqual(ids);
  });

  it("every row of one step names the step's one job: the sweeper's row for a waiting step adds nothing", async () => {
    const run = (await findRunByKey(pg.database.db, 'demo-1'))!;
    const before = await jobsIn(QUEUES.steps);
    const now = new Date();
    await insertOutbox(
      pg.database.db,
      [...outboxRowsFor(run, [{ kind: 'runStep', stepId: 'pre_checks.0' }], now), ...outboxRowsFor(run, [{ kind: 'runStep', stepId: 'pre_checks.0' }], now)],
      now,
    );
    expect(await relay.relayOnce()).toBe(2);
    expect(await jobsIn(QUEUES.steps)).toEqual(before);
    expect(await queues[QUEUES.steps].getJobState(stepJobId(run.id, 'pre_checks.0'))).toBe('waiting');
  });

  it("a step's job that failed all its attempts is retried when a row asks for the step again", async () => {
    const run = (await findRunByKey(pg.database.db, 'demo-1'))!;
    const id = stepJobId(run.id, 'pre_checks.0');
    // A worker that cannot do the job (as when the database is down): the job fails for good.
    const failing = new Worker(QUEUES.steps, async () => Promise.reject(new UnrecoverableError('database unreachable')), { connection: redis, prefix });
    await expect.poll(() => queues[QUEUES.steps].getJobState(id)).toBe('failed');
    await failing.close();

    const now = new Date();
    await insertOutbox(pg.database.db, outboxRowsFor(run, [{ kind: 'runStep', stepId: 'pre_checks.0' }], now), now);
    expect(await relay.relayOnce()).toBe(1);
    expect(await queues[QUEUES.steps].getJobState(id)).toBe('waiting');
    // Its retries are back; its start count goes on, so the next start is a take-over, not a duplicate.
    expect(await queues[QUEUES.steps].getJob(id)).toMatchObject({ attemptsMade: 0, attemptsStarted: 1 });
  });

  it('a transition that asks for the status refresh twice (a start straight into Go/No-Go) gets one chat job: the first, before its log line', async () => {
    const run = (await findRunByKey(pg.database.db, 'demo-1'))!;
    const at = new Date().toISOString();
    const rows = outboxRowsFor(
      run,
      [{ kind: 'refreshStatus' }, { kind: 'postLog', text: 'GO' }, { kind: 'refreshStatus' }, { kind: 'scheduleTimer', timer: 'decision_timeout', n: 1, at }],
      new Date(),
    );
    expect(
      rows.map((row) => [row.queue, (row.payload as { effect?: { kind: string }; timer?: string }).effect?.kind ?? (row.payload as { timer?: string }).timer]),
    ).toEqual([
      [QUEUES.chat, 'refreshStatus'],
      [QUEUES.chat, 'postLog'],
      [QUEUES.timers, 'decision_timeout'],
    ]);
  });

  it('a check scheduled in the future becomes a delayed job due at its time', async () => {
    const run = (await findRunByKey(pg.database.db, 'demo-1'))!;
    const now = new Date();
    const [row] = outboxRowsFor(run, [{ kind: 'scheduleCheck', seq: 1, at: new Date(now.getTime() + 60_000).toISOString() }], now);
    await insertOutbox(pg.database.db, [row!], now);
    expect(await relay.relayOnce()).toBe(1);
    const delayed = await queues[QUEUES.checks].getJobs(['delayed']);
    expect(delayed.map((job) => ({ id: job.id, data: job.data }))).toEqual([{ id: row!.id, data: { runId: run.id, seq: 1 } }]);
    expect(delayed[0]!.timestamp + delayed[0]!.delay).toBeGreaterThan(now.getTime() + 55_000);
    expect(await queues[QUEUES.checks].getJobCounts('wait')).toEqual({ wait: 0 });
  });
});
