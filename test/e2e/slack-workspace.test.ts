import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Runtime } from '../../src/runtime.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { startFlightdeck } from '../support/flightdeck.ts';
import { blockActionBody, slackHeaders, slashCommandBody } from '../support/slack-requests.ts';

/** SLACK_TEAM_ID: a Flightdeck serves one workspace; a signed request from another (team T0TEST here) is answered politely and does nothing. */
describe('SLACK_TEAM_ID restricts requests to one workspace', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  beforeAll(async () => {
    db = await freshPostgres();
    slack = await new FakeSlack().start();
  });
  afterAll(async () => {
    await slack?.stop();
    await db?.drop();
  });

  const serve = (teamId: string) =>
    startFlightdeck(
      { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: slack.url },
      { http: true, worker: false },
      {},
      { SLACK_TEAM_ID: teamId },
    );
  const post = async (runtime: Runtime, body: string) => {
    const response = await fetch(`http://127.0.0.1:${runtime.port}/slack/events`, { method: 'POST', body, headers: slackHeaders(body) });
    return { status: response.status, text: await response.text() };
  };
  const written = async (runtime: Runtime) => {
    const rows = await runtime.ctx.db.execute(
      sql`select (select count(*) from runs)::int + (select count(*) from outbox)::int + (select count(*) from refusals)::int as n`,
    );
    return (rows as unknown as { rows: { n: number }[] }).rows[0]!.n;
  };
  const start = slashCommandBody({ text: 'start demo 1.1.0', userId: 'U0DEMOALICE', userName: 'alice' });

  it('a start and a click from another workspace are refused politely, with 200, and write nothing', async () => {
    const runtime = await serve('T0ELSEWHERE');
    try {
      const answer = await post(runtime, start);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ response_type: 'ephemeral', text: expect.stringContaining('serves another Slack workspace') });
      const click = blockActionBody({ actionId: 'run.rollback', runId: '00000000-0000-4000-8000-000000000000', userId: 'U0DEMOBOB', userName: 'bob' });
      expect((await post(runtime, click)).status).toBe(200);
      expect(await written(runtime)).toBe(0);
      expect(slack.called('chat.postEphemeral')).toEqual([]); // our token cannot post in their workspace
    } finally {
      await runtime.stop();
    }
  });

  it('the workspace it names is served as usual', async () => {
    const runtime = await serve('T0TEST');
    try {
      const answer = await post(runtime, start);
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('demo-1');
      expect(await written(runtime)).toBeGreaterThan(0);
    } finally {
      await runtime.stop();
    }
  });
});
