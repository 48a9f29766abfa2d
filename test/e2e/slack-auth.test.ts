import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUES } from '../../src/queue/jobs.ts';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { slackHeaders, slashCommandBody, blockActionBody } from '../support/slack-requests.ts';
import { startSlackFlightdeck, USERS } from '../support/slack-app.ts';

/** Unsigned, badly signed, stale or future-dated requests are refused before anything runs: no row, no job. */
describe('Slack request verification', () => {
  let app: Awaited<ReturnType<typeof startSlackFlightdeck>>;
  let redis: Redis;
  beforeAll(async () => {
    app = await startSlackFlightdeck({ worker: false });
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    await redis?.quit();
    await app?.stop();
  });

  const start = slashCommandBody({ text: 'start demo 1.1.0', ...USERS.alice });
  const click = blockActionBody({ actionId: 'run.go', runId: '00000000-0000-4000-8000-000000000000', ...USERS.bob });
  const now = Math.floor(Date.now() / 1000);

  const cases: [string, string, Record<string, string>][] = [
    ['a wrong signature', start, { ...slackHeaders(start), 'x-slack-signature': `v0=${'0'.repeat(64)}` }],
    ['a signature made with another secret', start, slackHeaders(start, { secret: 'not-our-secret' })],
    ['a body changed after signing', start, slackHeaders(start.replace('1.1.0', '6.6.6'))],
    ['a stale timestamp (6 minutes old)', start, slackHeaders(start, { timestamp: now - 6 * 60 })],
    ['a future timestamp (6 minutes ahead)', start, slackHeaders(start, { timestamp: now + 6 * 60 })],
    ['no signature header', start, { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(now) }],
    ['no timestamp header', start, { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-signature': slackHeaders(start)['x-slack-signature']! }],
    ['no headers at all', start, { 'content-type': 'application/x-www-form-urlencoded' }],
    ['a badly signed button click', click, { ...slackHeaders(click), 'x-slack-signature': `v0=${'f'.repeat(64)}` }],
  ];

  it.each(cases)('refuses %s with 401', async (_name, body, headers) => {
    const response = await app.post(body, headers);
    expect(response.status).toBe(401);
  });

  it('left nothing behind: no rows in any table, no job in Redis', async () => {
    const result = await app.runtime.ctx.db.execute(
      sql`select (select count(*) from runs)::int + (select count(*) from run_events)::int + (select count(*) from outbox)::int + (select count(*) from decisions)::int + (select count(*) from run_counters)::int as n`,
    );
    expect((result as any).rows[0].n).toBe(0);
    // Queues keep a :meta key from the moment they exist; anything else would be a job.
    const keys = await redis.keys(`${app.queuePrefix}:*`);
    expect(keys.filter((key) => !key.endsWith(':meta'))).toEqual([]);
    for (const name of Object.values(QUEUES)) {
      const queue = new Queue(name, { connection: redis, prefix: app.queuePrefix });
      const counts = await queue.getJobCounts();
      await queue.close();
      expect(Object.values(counts).reduce((sum, n) => sum + n, 0)).toBe(0);
    }
  });

  it('accepts the same request when it is signed properly (the refusals above were about the signature)', async () => {
    const response = await app.post(start, slackHeaders(start));
    expect(response.status).toBe(200);
    expect(response.text).toContain('Run demo-1 created');
  });
});
