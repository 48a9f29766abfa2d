import { join } from 'node:path';
import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCommand } from '../../src/app/on-command.ts';
import { TERMINAL_STATES } from '../../src/domain/run-types.ts';
import { QUEUES, reviewJobId } from '../../src/queue/jobs.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { runReaching, waitFor } from '../support/flightdeck.ts';
import { startWithWorkerProcesses } from '../support/worker-processes.ts';

const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };

/**
 * The post-deployment review reminder waits days in Redis as a delayed job. Here (due 6s after the end)
 * the worker is killed while it waits, and once Redis loses the job too: a real worker process started
 * afterwards posts it, exactly once either way. The sweeper runs every 200 ms (with a 1 s grace where Redis lost the job).
 */
describe('a review reminder survives a killed worker and a Redis that lost its job', () => {
  let flightdeck: Awaited<ReturnType<typeof startWithWorkerProcesses>>;
  let redis: Redis;
  let chatQueue: Queue;
  beforeAll(async () => {
    flightdeck = await startWithWorkerProcesses({ SWEEP_INTERVAL_MS: '200' }, { plansDir: join(PROJECT_ROOT, 'test/fixtures/review-restart') });
    redis = new Redis(flightdeck.services.redisUrl, { maxRetriesPerRequest: null });
    chatQueue = new Queue(QUEUES.chat, { connection: redis, prefix: flightdeck.services.queuePrefix });
  }, 60_000);
  afterAll(async () => {
    await chatQueue?.close();
    await redis?.quit();
    await flightdeck?.stop();
  });

  const db = () => flightdeck.server.ctx.db;
  const remindersOf = (key: string) =>
    flightdeck.slack
      .called('chat.postMessage')
      .filter((call) => flightdeck.slack.textOf(call).includes(`Post-deployment review due: demo`) && flightdeck.slack.textOf(call).includes(`(${key})`));
  const reviewRow = async (runId: string) => {
    const { rows } = (await db().execute(sql`select resent, posted_at from reviews where run_id = ${runId}`)) as unknown as {
      rows: { resent: number; posted_at: string | null }[];
    };
    return rows[0] && { resent: rows[0].resent, posted_at: rows[0].posted_at ? new Date(rows[0].posted_at) : null };
  };

  /** alice starts `demo <version>` (no decision in this plan); the run ends with its review scheduled and the worker is killed before it is due. */
  async function endRunThenKillWorker(version: string, key: string) {
    const worker = flightdeck.startWorker();
    await onCommand(flightdeck.server.ctx, { actor: alice, text: `start demo ${version}`, requestKey: null });
    const run = await runReaching(db(), key, TERMINAL_STATES, 60_000);
    expect(run.state).toBe('succeeded');
    await flightdeck.kill(worker);
    const job = await waitFor('the delayed review job in Redis', async () => chatQueue.getJob(reviewJobId(run.id)));
    expect(await job.getState()).toBe('delayed');
    expect(await reviewRow(run.id)).toEqual({ resent: 0, posted_at: null });
    expect(Date.now()).toBeLessThan(Date.parse(run.finishedAt!) + 6_000); // killed before it was due
    return run;
  }

  it('the worker dies while the reminder waits: the next worker posts it once, when due', async () => {
    const run = await endRunThenKillWorker('1.1.0', 'demo-1');
    flightdeck.startWorker(); // the sweeper's grace is production's five minutes: only Redis's job can post it
    const posted = await waitFor('the review reminder', async () => (await reviewRow(run.id))?.posted_at, 30_000);
    expect(posted.getTime()).toBeGreaterThanOrEqual(Date.parse(run.finishedAt!) + 6_000);
    expect(remindersOf('demo-1')).toHaveLength(1);
    expect((await reviewRow(run.id))!.resent).toBe(0); // the job Redis kept, not the sweeper's
  }, 90_000);

  it('Redis lost the job while no worker ran: the sweeper finds the review unposted and it is posted once', async () => {
    const run = await endRunThenKillWorker('1.2.0', 'demo-2');
    await chatQueue.remove(reviewJobId(run.id)); // what a Redis restart without AOF does to a delayed job
    expect(await chatQueue.getJob(reviewJobId(run.id))).toBeUndefined();
    flightdeck.startWorker({ SWEEP_GRACE_MS: '1000' });
    await waitFor('the review reminder', async () => (await reviewRow(run.id))?.posted_at, 30_000);
    expect((await reviewRow(run.id))!.resent).toBe(1);
    expect(await (await chatQueue.getJob(reviewJobId(run.id, 1)))?.getState()).toBe('completed');
    // Sweeps go on every 200 ms: a posted review is never enqueued again, and demo-1's stays posted once.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(remindersOf('demo-2')).toHaveLength(1);
    expect(remindersOf('demo-1')).toHaveLength(1);
    expect((await reviewRow(run.id))!.resent).toBe(1);
  }, 90_000);
});
