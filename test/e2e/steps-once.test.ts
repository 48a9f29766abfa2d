import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppContext } from '../../src/app/shared/context.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { sweepOverdue } from '../../src/app/sweep.ts';
import { QUEUES, stepJobId } from '../../src/queue/jobs.ts';
import type { Runtime } from '../../src/runtime.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { runEnded, startFlightdeck, type TestServices } from '../support/flightdeck.ts';
import { freshLedger, LEDGER_ENVIRONMENTS, LEDGER_PLANS, startLedgerRuns } from '../support/ledger.ts';

/** The sweeper as the worker runs it, but with a short grace and every 250 ms; `stop()` says how many jobs it re-enqueued. */
function keepSweeping(ctx: AppContext, graceMs: number) {
  let sweeping = true;
  let enqueued = 0;
  const loop = (async () => {
    while (sweeping) {
      enqueued += await sweepOverdue(ctx, graceMs);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    async stop() {
      sweeping = false;
      await loop;
      return enqueued;
    },
  };
}

const KEYS = LEDGER_ENVIRONMENTS.map((_, index) => `ledger-${index + 1}`);

/**
 * Five runs whose deploys take 3 s on a worker with four step slots: the fifth deploy waits, not started,
 * far longer than the sweeper's grace, so every sweep re-enqueues it. It still runs once, in one worker.
 */
describe('a step that waits behind busy worker slots', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let runtime: Runtime;
  const ledger = freshLedger();

  beforeAll(async () => {
    db = await freshPostgres();
    slack = await new FakeSlack().start();
    runtime = await startFlightdeck(
      { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: slack.url, plansDir: LEDGER_PLANS },
      { http: false, worker: true },
      ledger.env,
    );
  });
  afterAll(async () => {
    await runtime?.stop();
    await slack?.stop();
    await db?.drop();
  });

  it('is executed by one worker at a time, however often the sweeper re-enqueues it', async () => {
    const sweeper = keepSweeping(runtime.ctx, 200);
    await startLedgerRuns(runtime.ctx);
    for (const key of KEYS) expect((await runEnded(runtime.ctx.db, key, 60_000)).state).toBe('succeeded');
    const reenqueued = await sweeper.stop();

    expect(reenqueued).toBeGreaterThan(2); // the waiting deploy was swept again and again
    expect(ledger.overlaps()).toEqual([]);
    // Nothing crashed, so each step ran exactly once.
    expect(ledger.starts()).toEqual(
      Object.fromEntries(
        KEYS.flatMap((key) => [
          [`${key} deploy`, 1],
          [`${key} flag-on`, 1],
        ]),
      ),
    );
  }, 90_000);
});

/**
 * The database is unusable for longer than a step job's retries last: the job fails all its attempts before
 * the step starts. Its id is the step's, so the sweeper's row for it would be a no-op; the relay retries it.
 */
describe('a step whose job failed all its attempts', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let redis: Redis;
  let services: TestServices;
  let server: Runtime;
  let worker: Runtime | undefined;
  const ledger = freshLedger();

  beforeAll(async () => {
    db = await freshPostgres();
    slack = await new FakeSlack().start();
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    services = { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: slack.url, plansDir: LEDGER_PLANS };
    server = await startFlightdeck(services, { http: false, worker: false });
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.stop();
    await redis?.quit();
    await slack?.stop();
    await db?.drop();
  });

  it('runs once the sweeper asks for it again, and the run finishes', async () => {
    const steps = new Queue(QUEUES.steps, { connection: redis, prefix: services.queuePrefix });
    try {
      // No worker yet: the deploy's job waits in Redis.
      await onCommand(server.ctx, { actor: { platform: 'slack', id: 'U0DEMOALICE', name: 'alice' }, text: 'start ledger 1.0.0 e1', requestKey: null });
      const run = (await findRunByKey(server.ctx.db, 'ledger-1'))!;
      const job = stepJobId(run.id, 'deploy.0');
      await expect.poll(() => steps.getJobState(job), { message: 'the deploy job to wait', timeout: 30_000 }).toBe('waiting');

      // A worker comes while the runs table is gone: every attempt fails reading the run.
      await db.database.db.execute(sql`alter table runs rename to runs_away`);
      worker = await startFlightdeck(services, { http: false, worker: true }, ledger.env);
      await expect.poll(() => steps.getJobState(job), { message: 'the job to fail all its attempts', timeout: 45_000 }).toBe('failed');
      await db.database.db.execute(sql`alter table runs_away rename to runs`);
      expect((await findRunByKey(server.ctx.db, 'ledger-1'))!.cursor).toMatchObject({ phase: 'deploy', index: 0, startedAt: null });

      expect(await sweepOverdue(server.ctx, 200)).toBe(1);
      expect((await runEnded(server.ctx.db, 'ledger-1', 60_000)).state).toBe('succeeded');
      expect(ledger.starts()).toEqual({ 'ledger-1 deploy': 1, 'ledger-1 flag-on': 1 });
    } finally {
      await steps.close();
    }
  }, 120_000);
});
