import { spawn, type ChildProcess } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCommand } from '../../src/app/on-command.ts';
import { sweepOverdue } from '../../src/app/sweep.ts';
import { QUEUES } from '../../src/queue/jobs.ts';
import type { Runtime } from '../../src/runtime.ts';
import { freePortRun } from '../../src/services/ports.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { runEnded, startFlightdeck, waitFor } from '../support/flightdeck.ts';
import { freshLedger, LEDGER_PLANS } from '../support/ledger.ts';

/** A redis-server of this file's own, on a port below the ephemeral range (so nothing else takes it while it is down), that it can stop and start again empty. */
async function ownRedis() {
  const port = await freePortRun(1);
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const redis = {
    url,
    async start() {
      if (child) return;
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await waitFor(
        'redis-server to answer',
        async () => {
          const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
          client.on('error', () => {});
          try {
            await client.connect();
            return (await client.ping()) === 'PONG';
          } catch {
            return false;
          } finally {
            client.disconnect();
          }
        },
        10_000,
      );
    },
    /** Gone at once, and everything in it with it (no persistence), as when Redis is restarted without AOF. */
    async kill() {
      const dying = child;
      child = null;
      if (!dying || dying.exitCode !== null) return;
      await new Promise((resolve) => {
        dying.once('exit', resolve);
        dying.kill('SIGKILL');
      });
    },
  };
  await redis.start();
  return redis;
}

/**
 * Redis is down when a run starts: its first step cannot be queued, and every sweep meanwhile writes
 * another outbox row for it. When Redis is back the rows become one job, the step runs once, and the run finishes.
 */
describe('a step queued while Redis is down', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let redis: Awaited<ReturnType<typeof ownRedis>>;
  let runtime: Runtime;
  const ledger = freshLedger();

  beforeAll(async () => {
    db = await freshPostgres();
    slack = await new FakeSlack().start();
    redis = await ownRedis();
    runtime = await startFlightdeck(
      { databaseUrl: db.url, redisUrl: redis.url, queuePrefix: freshQueuePrefix(), slackApiUrl: slack.url, plansDir: LEDGER_PLANS },
      { http: false, worker: true },
      ledger.env,
    );
  });
  afterAll(async () => {
    await redis?.start(); // up, so the runtime's connections close instead of waiting for it
    await runtime?.stop();
    await redis?.kill();
    await slack?.stop();
    await db?.drop();
  });

  const pendingStepRows = async () =>
    (
      (await db.database.db.execute(sql`select count(*)::int as n from outbox where relayed_at is null and queue = ${QUEUES.steps}`)) as unknown as {
        rows: { n: number }[];
      }
    ).rows[0]!.n;

  it('is executed once when Redis is back, however many sweeps piled up meanwhile', async () => {
    await redis.kill();
    await onCommand(runtime.ctx, { actor: { platform: 'slack', id: 'U0DEMOALICE', name: 'alice' }, text: 'start ledger 1.0.0 e1', requestKey: null });
    const run = (await findRunByKey(runtime.ctx.db, 'ledger-1'))!;
    expect(run.cursor).toMatchObject({ phase: 'deploy', index: 0, startedAt: null });

    // The sweeper sees the step overdue, again and again; its rows wait for Redis with the first one.
    for (let sweep = 0; sweep < 5; sweep++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await sweepOverdue(runtime.ctx, 200)).toBe(1);
    }
    expect(await pendingStepRows()).toBe(6);

    await redis.start();
    expect((await runEnded(runtime.ctx.db, 'ledger-1', 60_000)).state).toBe('succeeded');
    expect(await pendingStepRows()).toBe(0);
    expect(ledger.overlaps()).toEqual([]);
    expect(ledger.starts()).toEqual({ 'ledger-1 deploy': 1, 'ledger-1 flag-on': 1 });
  }, 90_000);
});
