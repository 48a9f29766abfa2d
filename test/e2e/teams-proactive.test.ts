import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT, type Runtime } from '../../src/runtime.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeConnector } from '../support/fake-connector.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { demoServiceEnv, flightdeckEnv, startFlightdeck, stopDemoService, waitFor, type TestServices } from '../support/flightdeck.ts';

const CHANNEL = '19:demo-deploys@thread.tacv2';
/** The fake connector's Teams has no app id: unauthenticated by name (the flag), in the server and the worker alike. */
const UNAUTHENTICATED_TEAMS = { TEAMS_ALLOW_UNAUTHENTICATED: 'true' };

/** The bot hears the install in the server process; a separate worker process posts there later, from the stored reference. */
describe('Teams proactive messages from another process', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let connector: FakeConnector;
  let demo: Awaited<ReturnType<typeof demoServiceEnv>>;
  let services: TestServices;
  let server: Runtime;
  let worker: ChildProcess | null = null;

  beforeAll(async () => {
    db = await freshPostgres();
    slack = await new FakeSlack().start();
    connector = await new FakeConnector().start();
    demo = await demoServiceEnv();
    services = { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: slack.url };
    server = await startFlightdeck(services, { http: true, worker: false }, {}, UNAUTHENTICATED_TEAMS);
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await server?.stop();
    stopDemoService(demo);
    await connector?.stop();
    await slack?.stop();
    await db?.drop();
  });

  const activity = (fields: Record<string, unknown>) => ({
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl: connector.url,
    from: { id: '29:alice', name: 'alice', aadObjectId: '0a11ce00-0000-4000-8000-000000000001' },
    recipient: { id: '28:flightdeck-bot', name: 'Flightdeck' },
    conversation: { id: CHANNEL, conversationType: 'channel', isGroup: true, tenantId: 'tenant-1' },
    channelData: { tenant: { id: 'tenant-1' }, channel: { id: CHANNEL } },
    ...fields,
  });
  const post = (body: unknown) =>
    fetch(`http://127.0.0.1:${server.port}/api/messages`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it('posts the status card to the installed channel from the worker process', async () => {
    expect((await post(activity({ type: 'installationUpdate', action: 'add' }))).status).toBeLessThan(300);
    const start = activity({ type: 'message', text: 'deploy start demo 1.1.0' });
    expect((await post(start)).status).toBeLessThan(300);
    const reply = await waitFor('the reply in the server process', async () => connector.calls.find((call) => call.activityId === start.id));
    expect(connector.shown(reply)).toContain('Run demo-1 created');
    const newPosts = () => connector.calls.filter((call) => call.method === 'POST' && call.activityId === null);
    expect(newPosts()).toEqual([]); // the server process answers, but posts nothing on its own

    worker = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/flightdeck.js'), 'worker'], {
      env: { ...process.env, ...flightdeckEnv(services, UNAUTHENTICATED_TEAMS), ...demo },
      cwd: PROJECT_ROOT,
      stdio: 'ignore',
    });
    const status = await waitFor(
      'the status card from the worker',
      async () =>
        connector.calls.find((call) => call.method === 'POST' && call.activityId === null && connector.shown(call).includes('demo 1.1.0 → production')),
      30_000,
    );
    expect(status.conversationId).toBe(CHANNEL);
    expect(status.body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(status.body.replyToId).toBeUndefined(); // a new channel message, not a reply to alice's
    // Stage logs go into the status message's thread.
    await waitFor('a stage log in the thread', async () =>
      connector.calls.find((call) => call.conversationId === `${CHANNEL};messageid=${status.answeredId}` && call.activityId === null),
    );
    // Later changes edit that same message in place: cancelling the run is one.
    const cancel = activity({ type: 'message', text: 'deploy cancel demo-1' });
    await post(cancel);
    const edit = await waitFor(
      'an edit of the status card',
      async () => connector.calls.find((call) => call.method === 'PUT' && connector.shown(call).includes('Cancelled: demo 1.1.0')),
      30_000,
    );
    expect(edit.activityId).toBe(status.answeredId);
  }, 90_000);
});
