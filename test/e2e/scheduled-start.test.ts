import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { freePort } from '../../src/services/ports.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { demoServiceEnv, flightdeckEnv, stopDemoService, waitFor } from '../support/flightdeck.ts';
import { slackHeaders, slashCommandBody } from '../support/slack-requests.ts';

/**
 * `/deploy start … --at` with the bot and the worker as real processes: both are SIGKILLed while the
 * run waits for its time, and the run starts when they come back (the delayed job is kept in Redis;
 * in the second case Redis loses it and the sweeper enqueues it again from the run's record).
 */
describe('a scheduled start survives a restart of the bot and the worker', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let demo: Awaited<ReturnType<typeof demoServiceEnv>>;
  let database: Database;
  let env: Record<string, string>;
  let port: number;
  const children: ChildProcess[] = [];
  const prefix = freshQueuePrefix();

  beforeAll(async () => {
    pg = await freshPostgres();
    slack = await new FakeSlack().start();
    demo = await demoServiceEnv();
    port = await freePort();
    env = {
      ...process.env,
      ...flightdeckEnv(
        { databaseUrl: pg.url, redisUrl: inject('redisUrl'), queuePrefix: prefix, slackApiUrl: slack.url },
        { PORT: String(port), WORKER_LOCK_MS: '2000', SWEEP_INTERVAL_MS: '500', SWEEP_GRACE_MS: '1000' },
      ),
      ...demo,
    };
    database = await openDatabase({ url: pg.url });
  }, 60_000);
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    await database?.close();
    stopDemoService(demo);
    await slack?.stop();
    await pg?.drop();
  });

  function spawnRole(role: 'serve' | 'worker'): ChildProcess {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/flightdeck.js'), role], { env, cwd: PROJECT_ROOT, detached: true, stdio: 'ignore' });
    children.push(child);
    return child;
  }
  async function kill(child: ChildProcess) {
    process.kill(-child.pid!, 'SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
  }
  async function command(text: string) {
    const body = slashCommandBody({ text, userId: 'U0DEMOALICE', userName: 'alice' });
    return waitFor(
      'the bot to answer',
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body, headers: slackHeaders(body) }).catch(() => null);
        return response?.status === 200 && (await response.text());
      },
      30_000,
    );
  }
  const runState = async (key: string) => (await findRunByKey(database.db, key))?.state;

  async function scheduleThenKill(key: string, inMs: number) {
    const bot = spawnRole('serve');
    const worker = spawnRole('worker');
    await command('help'); // the bot is up: the time below is counted from now
    const at = new Date(Date.now() + inMs).toISOString().replace(/\.\d+Z$/, 'Z');
    const answer = await command(`start demo 1.1.0 --at ${at}`);
    expect(answer).toContain(`Run ${key} scheduled`);
    expect(await runState(key)).toBe('scheduled');
    await waitFor('the pre-deployment announcement', async () =>
      slack.called('chat.postMessage').find((call) => slack.textOf(call).includes(`Upcoming Deployment: demo 1.1.0`) && slack.textOf(call).includes(key)),
    );
    await Promise.all([kill(bot), kill(worker)]);
    return at;
  }

  it('with the delayed job kept in Redis', async () => {
    const at = await scheduleThenKill('demo-1', 12_000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(at) - Date.now()) + 1_000));
    expect(await runState('demo-1')).toBe('scheduled'); // nothing ran it while everything was down
    spawnRole('serve');
    spawnRole('worker');
    expect(await waitFor('demo-1 to start', async () => (await runState('demo-1')) === 'awaiting_decision' && 'started', 30_000)).toBe('started');
    await waitFor('the log line', async () =>
      slack.called('chat.postMessage').find((call) => slack.textOf(call).includes('Scheduled start: demo-1 begins now')),
    );
    for (const child of children) if (child.exitCode === null && child.signalCode === null) await kill(child);
    // Free the target for the next case.
    await database.db.execute(sql`update runs set state = 'cancelled' where key = 'demo-1'`);
  }, 120_000);

  it('with the delayed job lost with Redis: the sweeper enqueues it again', async () => {
    const at = await scheduleThenKill('demo-2', 12_000);
    // Redis loses every job of this Flightdeck (a restart without persistence).
    const redis = new Redis(inject('redisUrl'));
    const keys = await redis.keys(`${prefix}:flightdeck-timers:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    await redis.quit();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(at) - Date.now()) + 500));
    spawnRole('serve');
    spawnRole('worker');
    expect(await waitFor('demo-2 to start', async () => (await runState('demo-2')) === 'awaiting_decision' && 'started', 30_000)).toBe('started');
  }, 120_000);
});
