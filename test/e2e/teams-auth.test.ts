import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { flightdeckEnv, startFlightdeck } from '../support/flightdeck.ts';

const activity = () => ({
  id: randomUUID(),
  type: 'message',
  channelId: 'msteams',
  serviceUrl: 'http://127.0.0.1:9/',
  from: { id: '29:mallory', name: 'mallory', aadObjectId: '0ba00000-0000-4000-8000-0000000000ff' },
  recipient: { id: '28:flightdeck-bot', name: 'Flightdeck' },
  conversation: { id: '19:demo-deploys@thread.tacv2', conversationType: 'channel' },
  text: 'deploy start demo 1.1.0',
});

describe('Teams authentication', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  beforeAll(async () => {
    db = await freshPostgres();
  });
  afterAll(async () => db?.drop());

  const serve = (extra: Record<string, string>) =>
    startFlightdeck(
      { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: 'http://127.0.0.1:9/api/' },
      { http: true, worker: false },
      {},
      extra,
    );

  it('with an app id, an activity without a Bot Framework token is refused with 401 and nothing is written', async () => {
    const runtime: Runtime = await serve({ TEAMS_APP_ID: '11111111-2222-4333-8444-555555555555', TEAMS_APP_PASSWORD: 'secret', TEAMS_APP_TYPE: 'MultiTenant' });
    try {
      const unsigned = await fetch(`http://127.0.0.1:${runtime.port}/api/messages`, {
        method: 'POST',
        body: JSON.stringify(activity()),
        headers: { 'content-type': 'application/json' },
      });
      expect(unsigned.status).toBe(401);
      const forged = await fetch(`http://127.0.0.1:${runtime.port}/api/messages`, {
        method: 'POST',
        body: JSON.stringify(activity()),
        headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.jwt' },
      });
      expect(forged.status).toBe(401);
      const rows = await runtime.ctx.db.execute(sql`select (select count(*) from runs)::int + (select count(*) from teams_conversations)::int as n`);
      expect((rows as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
      const ready = await (await fetch(`http://127.0.0.1:${runtime.port}/health/ready`)).json();
      expect(ready.warnings).toEqual([]);
    } finally {
      await runtime.stop();
    }
  });

  const countWritten = async (runtime: Runtime) => {
    const rows = await runtime.ctx.db.execute(sql`select (select count(*) from runs)::int + (select count(*) from teams_conversations)::int as n`);
    return (rows as unknown as { rows: { n: number }[] }).rows[0]!.n;
  };
  const postActivity = (runtime: Runtime) =>
    fetch(`http://127.0.0.1:${runtime.port}/api/messages`, {
      method: 'POST',
      body: JSON.stringify(activity()),
      headers: { 'content-type': 'application/json' },
    });

  // The finding: with NODE_ENV unset and no TEAMS_APP_ID, one unsigned POST created a run "requested by mallory".
  it('without an app id and without TEAMS_ALLOW_UNAUTHENTICATED, an unsigned activity is refused with 401 and nothing is written', async () => {
    for (const NODE_ENV of ['development', 'test']) {
      const runtime = await serve({ NODE_ENV });
      try {
        expect((await postActivity(runtime)).status).toBe(401);
        expect(await countWritten(runtime)).toBe(0);
        const ready = await (await fetch(`http://127.0.0.1:${runtime.port}/health/ready`)).json();
        expect(ready.warnings).toEqual([]);
      } finally {
        await runtime.stop();
      }
    }
  });

  it('without an app id, TEAMS_ALLOW_UNAUTHENTICATED=true serves Teams, and /health/ready says loudly that it is not authenticated', async () => {
    const runtime = await serve({ TEAMS_ALLOW_UNAUTHENTICATED: 'true' });
    try {
      const ready = await (await fetch(`http://127.0.0.1:${runtime.port}/health/ready`)).json();
      expect(ready.warnings).toEqual([expect.stringContaining('Teams requests are NOT authenticated')]);
      // A conversationUpdate needs no reply (there is no connector at :9): the bot only remembers the conversation.
      const before = await countWritten(runtime);
      const update = await fetch(`http://127.0.0.1:${runtime.port}/api/messages`, {
        method: 'POST',
        body: JSON.stringify({ ...activity(), type: 'conversationUpdate', text: undefined }),
        headers: { 'content-type': 'application/json' },
      });
      expect(update.status).toBe(200);
      expect(await countWritten(runtime)).toBe(before + 1);
    } finally {
      await runtime.stop();
    }
  });

  // Was 404 (the route was not mounted); now every unserved Teams request gets the same 401.
  it('in production, Teams without an app id is not served at all', async () => {
    const runtime = await serve({ NODE_ENV: 'production' });
    try {
      const before = await countWritten(runtime);
      expect((await postActivity(runtime)).status).toBe(401);
      expect(await countWritten(runtime)).toBe(before);
    } finally {
      await runtime.stop();
    }
  });

  it('in production, TEAMS_ALLOW_UNAUTHENTICATED=true is refused before anything starts', async () => {
    await expect(serve({ NODE_ENV: 'production', TEAMS_ALLOW_UNAUTHENTICATED: 'true' })).rejects.toThrow(
      /TEAMS_ALLOW_UNAUTHENTICATED=true is refused in production/,
    );
  });

  it('logs a refused request as one JSON line, with no stack', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const config = loadConfig(
      flightdeckEnv(
        { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: 'http://127.0.0.1:9/api/' },
        { TEAMS_APP_ID: '11111111-2222-4333-8444-555555555555', TEAMS_APP_PASSWORD: 'secret', TEAMS_APP_TYPE: 'MultiTenant', LOG_LEVEL: 'info' },
      ),
    );
    const runtime = await startRuntime({ config, log, http: true, worker: false });
    const errors = vi.spyOn(console, 'error');
    try {
      expect((await postActivity(runtime)).status).toBe(401);
      const tooLarge = await fetch(`http://127.0.0.1:${runtime.port}/api/messages`, {
        method: 'POST',
        body: JSON.stringify({ ...activity(), text: 'x'.repeat(1_100_000) }),
        headers: { 'content-type': 'application/json' },
      });
      expect(tooLarge.status).toBe(413);
      const refusals = lines.filter((line) => line.includes('refused a Teams request'));
      expect(refusals).toHaveLength(2);
      for (const line of refusals) {
        expect(line.trimEnd().split('\n')).toHaveLength(1);
        expect(JSON.parse(line)).not.toHaveProperty('err');
        expect(line).not.toMatch(/\bat .+\.js:\d+/);
      }
      expect(JSON.parse(refusals[0]!)).toMatchObject({ status: 401, activity: 'message' });
      expect(JSON.parse(refusals[1]!)).toMatchObject({ status: 413 });
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
      await runtime.stop();
    }
  });
});
