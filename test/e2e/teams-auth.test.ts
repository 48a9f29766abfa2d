import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Runtime } from '../../src/runtime.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { startFlightdeck } from '../support/flightdeck.ts';

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

  const serve = (extra: Record<string, string>) => startFlightdeck({ databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: 'http://127.0.0.1:9/api/' }, { http: true, worker: false }, {}, extra);

  it('with an app id, an activity without a Bot Framework token is refused with 401 and nothing is written', async () => {
    const runtime: Runtime = await serve({ TEAMS_APP_ID: '11111111-2222-4333-8444-555555555555', TEAMS_APP_PASSWORD: 'secret', TEAMS_APP_TYPE: 'MultiTenant' });
    try {
      const unsigned = await fetch(`http://127.0.0.1:${runtime.port}/api/messages`, { method: 'POST', body: JSON.stringify(activity()), headers: { 'content-type': 'application/json' } });
      expect(unsigned.status).toBe(401);
      const forged = await fetch(`http://127.0.0.1:${runtime.port}/api/messages`, { method: 'POST', body: JSON.stringify(activity()), headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.jwt' } });
      expect(forged.status).toBe(401);
      const rows = await runtime.ctx.db.execute(sql`select (select count(*) from runs)::int + (select count(*) from teams_conversations)::int as n`);
      expect((rows as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
      const ready = await (await fetch(`http://127.0.0.1:${runtime.port}/health/ready`)).json();
      expect(ready.warnings).toEqual([]);
    } finally {
      await runtime.stop();
    }
  });

  it('without an app id, /health/ready says loudly that Teams is not authenticated', async () => {
    const runtime = await serve({});
    try {
      const ready = await (await fetch(`http://127.0.0.1:${runtime.port}/health/ready`)).json();
      expect(ready.warnings).toEqual([expect.stringContaining('Teams requests are NOT authenticated')]);
    } finally {
      await runtime.stop();
    }
  });

  it('in production, Teams without an app id is not served at all', async () => {
    const runtime = await serve({ NODE_ENV: 'production' });
    try {
      const response = await fetch(`http://127.0.0.1:${runtime.port}/api/messages`, { method: 'POST', body: JSON.stringify(activity()), headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(404);
    } finally {
      await runtime.stop();
    }
  });
});
