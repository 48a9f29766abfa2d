import { join } from 'node:path';
import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatDuration } from '../../src/domain/duration.ts';
import { TERMINAL_STATES } from '../../src/domain/run-types.ts';
import { commitJobId, QUEUES, reviewJobId } from '../../src/queue/jobs.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { outboxRowsFor } from '../../src/app/apply-effects.ts';
import { insertOutbox } from '../../src/store/outbox.ts';
import { FakeGitHub } from '../support/fake-github.ts';
import { runReaching, waitFor } from '../support/flightdeck.ts';
import { startSlackFlightdeck } from '../support/slack-app.ts';

const TOKEN = 'ghp_fakeTokenForTheStandIn0123456789';
// Three hours before the test, to the second (as GitHub writes it).
const COMMITTED = new Date(Math.floor(Date.now() / 1_000) * 1_000 - 3 * 3_600_000).toISOString().replace('.000Z', 'Z');
const PUBLIC_URL = 'https://flightdeck.example.test';

/**
 * The post-deployment review and the commit time lookup on real Postgres, Redis, Bolt and a worker:
 * runs of the demo service end within seconds, the plan asks for a review 2s after, and commit times
 * come from a local stand-in for GitHub's commits API that records each call.
 */
describe('post-deployment review reminder and commit time lookup', () => {
  let app: Awaited<ReturnType<typeof startSlackFlightdeck>>;
  let github: FakeGitHub;
  let redis: Redis;
  let commitQueue: Queue;
  beforeAll(async () => {
    github = await new FakeGitHub(TOKEN, { abcdef1: COMMITTED }).start();
    app = await startSlackFlightdeck({
      worker: true,
      plansDir: join(PROJECT_ROOT, 'test/fixtures/review'),
      env: () => ({ GITHUB_API_URL: github.url, GITHUB_TOKEN: TOKEN }),
      config: { PUBLIC_URL, LINK_SECRET: 'a-test-link-secret-of-at-least-32-characters' },
    });
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    commitQueue = new Queue(QUEUES.commits, { connection: redis, prefix: app.queuePrefix });
  }, 60_000);
  afterAll(async () => {
    await commitQueue?.close();
    await redis?.quit();
    await app?.stop();
    await github?.stop();
  });

  const db = () => app.runtime.ctx.db;
  const rowsOf = async <T>(query: ReturnType<typeof sql>) => ((await db().execute(query)) as unknown as { rows: T[] }).rows;
  const reviewsOf = (key: string) =>
    app.slack
      .called('chat.postMessage')
      .filter((call) => app.slack.textOf(call).includes(`Post-deployment review due: demo`) && app.slack.textOf(call).includes(`(${key})`));
  const commitRow = async (sha: string) =>
    (await rowsOf<{ at: string }>(sql`select to_char(committed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at from commits where sha = ${sha}`))[0];

  it('a --commit without a time: the worker asks GitHub, and the time lands in commits', async () => {
    const ack = await app.command('alice', 'start demo 1.1.0 --commit abcdef1');
    expect(JSON.stringify(ack.json)).toContain('Run demo-1 created');
    expect(await waitFor('the commit time', () => commitRow('abcdef1'))).toEqual({ at: COMMITTED });
    expect(github.calls).toEqual([{ method: 'GET', path: '/repos/acme/demo/commits/abcdef1', authorization: `Bearer ${TOKEN}` }]);
  });

  it('the run ends, and its review reminder is posted once in the channel when due, with the page link and the lessons learned', async () => {
    const done = await runReaching(db(), 'demo-1', TERMINAL_STATES, 60_000);
    expect(done.state).toBe('succeeded');
    const reminder = await waitFor('the review reminder', async () => reviewsOf('demo-1')[0]);
    const text = app.slack.textOf(reminder);
    expect(reminder.args.channel).toBe('C0DEPLOYS');
    expect(reminder.args.thread_ts).toBeUndefined();
    expect(text).toContain('📝 Post-deployment review due: demo 1.1.0 → production (demo-1) (the plan asks for it 2s after the end)');
    expect(text).toContain(`Outcome: SUCCESS, ended ${done.finishedAt!.slice(0, 16).replace('T', ' ')} UTC`);
    expect(text).toMatch(new RegExp(`The report's page: ${PUBLIC_URL}/runs/demo-1\\?\\S+`));
    // The report's section to fill in, its markdown headings drawn in Slack's bold.
    expect(text).toContain(
      [
        '*Lessons Learned*',
        '*What Went Well*',
        '- _to fill in_',
        '*What Could Be Improved*',
        '- _to fill in_',
        '*Recommendations for Future Deployments*',
      ].join('\n'),
    );
    // It was a delayed job, due 2s after the run ended.
    const reviewRows = sql`from outbox where run_id = ${done.id} and payload->'effect'->>'kind' = 'reviewDue'`;
    const row = await rowsOf<{ run_at: Date; job_id: string }>(sql`select run_at, job_id ${reviewRows}`);
    expect(row).toEqual([{ run_at: expect.anything(), job_id: reviewJobId(done.id) }]);
    expect(new Date(row[0]!.run_at).getTime()).toBe(Date.parse(done.finishedAt!) + 2_000);

    // A second outbox row for the same reminder (as a second scheduling would write it, with a row id of its own) adds nothing: the job id is the run's.
    await insertOutbox(db(), outboxRowsFor(done, [{ kind: 'scheduleReview', at: new Date().toISOString() }], new Date()), new Date());
    app.runtime.ctx.kickRelay();
    await waitFor('the second row relayed', async () => {
      const rows = await rowsOf<{ relayed_at: Date | null }>(sql`select relayed_at ${reviewRows}`);
      return rows.length === 2 && rows.every((one) => one.relayed_at);
    });
    // A later run's messages go through the same one-at-a-time chat queue: once they are posted, a duplicate would have been too.
    const ack = await app.command('alice', 'start demo 1.2.0 --commit deadbee');
    expect(JSON.stringify(ack.json)).toContain('Run demo-2 created');
    await waitFor('demo-2’s status message', async () => app.slack.called('chat.postMessage').find((call) => app.slack.textOf(call).includes('demo 1.2.0')));
    expect(reviewsOf('demo-1')).toHaveLength(1);
  }, 90_000);

  it('a commit GitHub does not know: the failure is logged and lead time stays unknown for that run; /deploy stats shows the known one', async () => {
    const run = await runReaching(db(), 'demo-2', TERMINAL_STATES, 60_000);
    expect(run.state).toBe('succeeded');
    await expect.poll(() => commitQueue.getJobState(commitJobId(run.id)), { timeout: 30_000 }).toBe('completed');
    expect((await commitQueue.getJob(commitJobId(run.id)))!.returnvalue).toBe('unknown');
    expect(github.calls.map((call) => call.path)).toEqual(['/repos/acme/demo/commits/abcdef1', '/repos/acme/demo/commits/deadbee']);
    expect(await commitRow('deadbee')).toBeUndefined();

    const first = await runReaching(db(), 'demo-1', TERMINAL_STATES);
    const lead = Date.parse(first.finishedAt!) - Date.parse(COMMITTED);
    const stats = JSON.stringify((await app.command('carol', 'stats demo')).json);
    expect(stats).toContain(`median ${formatDuration(lead)} over 1 run (1 without a commit time)`);

    // demo-2 changed production too: its own reminder, once.
    await waitFor('demo-2’s review reminder', async () => reviewsOf('demo-2')[0]);
    expect(reviewsOf('demo-2')).toHaveLength(1);
    expect(reviewsOf('demo-1')).toHaveLength(1);
  }, 90_000);
});
