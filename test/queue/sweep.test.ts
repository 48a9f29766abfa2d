import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { onAction } from '../../src/app/on-action.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { sweepOverdue } from '../../src/app/sweep.ts';
import { ACTIONS } from '../../src/domain/cards.ts';
import { QUEUES } from '../../src/queue/jobs.ts';
import type { Runtime } from '../../src/runtime.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { demoServiceEnv, startFlightdeck, stopDemoService, waitFor } from '../support/flightdeck.ts';

const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };

/** Redis loses the delayed check jobs (a restart without AOF): the sweeper finds the overdue slot and the run goes on. */
describe('sweeping overdue work', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let demo: Awaited<ReturnType<typeof demoServiceEnv>>;
  let runtime: Runtime;
  let redis: Redis;
  const queuePrefix = freshQueuePrefix();

  beforeAll(async () => {
    db = await freshPostgres();
    slack = await new FakeSlack().start();
    demo = await demoServiceEnv();
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    runtime = await startFlightdeck(
      { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix, slackApiUrl: slack.url },
      { http: false, worker: true },
      demo,
    );
  });
  afterAll(async () => {
    await runtime?.stop();
    await redis?.quit();
    stopDemoService(demo);
    await slack?.stop();
    await db?.drop();
  });

  it('a run whose check job vanished from Redis is picked up again', async () => {
    await onCommand(runtime.ctx, { actor: alice, text: 'start demo 1.1.0', requestKey: null });
    const waiting = await waitFor('Go/No-Go', async () => {
      const run = await findRunByKey(runtime.ctx.db, 'demo-1');
      return run?.state === 'awaiting_decision' && run;
    });
    await onAction(runtime.ctx, { actor: bob, action: ACTIONS.go, runId: waiting.id, rationale: null });
    await waitFor('monitoring', async () => (await findRunByKey(runtime.ctx.db, 'demo-1'))?.state === 'monitoring');

    // Redis forgets every check job, as after a restart without AOF. (A check that was running at that
    // moment schedules the next one; then forget again, until the run is really stuck.)
    const checks = new Queue(QUEUES.checks, { connection: redis, prefix: queuePrefix });
    let stuck = false;
    for (let attempt = 0; attempt < 3 && !stuck; attempt++) {
      await checks.obliterate({ force: true });
      const before = (await findRunByKey(runtime.ctx.db, 'demo-1'))!.nextCheck;
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      stuck = (await findRunByKey(runtime.ctx.db, 'demo-1'))!.nextCheck === before;
    }
    await checks.close();
    expect(stuck).toBe(true); // nothing happens by itself

    expect(await sweepOverdue(runtime.ctx, 1_000)).toBe(1);

    // A check job done is not kept in Redis; one relayed again (its outbox row's id) runs as stale and records nothing.
    await waitFor('two checks recorded', async () => ((await findRunByKey(runtime.ctx.db, 'demo-1'))?.samples.length ?? 0) >= 2);
    const relayedAgain = new Queue(QUEUES.checks, { connection: redis, prefix: queuePrefix });
    const rows = await db.database.db.execute(
      sql`select id, payload from outbox where run_id = ${waiting.id} and queue = ${QUEUES.checks} and (payload->>'seq')::int <= 2`,
    );
    const done = (rows as unknown as { rows: { id: string; payload: { runId: string; seq: number } }[] }).rows;
    // (seq 1 twice: its first job was lost with Redis and the sweeper enqueued it again.)
    expect([...new Set(done.map((row) => row.payload.seq))].sort()).toEqual([1, 2]);
    for (const row of done) {
      expect(await relayedAgain.getJob(row.id), `check ${row.payload.seq} kept`).toBeUndefined();
      await relayedAgain.add('check', row.payload, { jobId: row.id });
    }
    await relayedAgain.close();
    const finished = await waitFor(
      'the run to finish',
      async () => {
        const run = await findRunByKey(runtime.ctx.db, 'demo-1');
        return run && ['succeeded', 'rolled_back'].includes(run.state) && run;
      },
      30_000,
    );
    expect(finished.state).toBe('succeeded');
    expect(finished.samples.map((sample) => sample.seq)).toEqual([1, 2, 3, 4, 5]);
  }, 60_000);
});
