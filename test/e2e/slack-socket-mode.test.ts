import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Runtime } from '../../src/runtime.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { FakeSocketMode, type Acked } from '../support/fake-socket-mode.ts';
import { startFlightdeck, waitFor } from '../support/flightdeck.ts';
import { appHomeOpenedBody, blockActionBody, slackHeaders, slashCommandBody, viewSubmissionBody } from '../support/slack-requests.ts';

const APP_TOKEN = 'xapp-1-A0FLIGHTDECK-1-socket-test';
const alice = { userId: 'U0DEMOALICE', userName: 'alice' };

/**
 * Slack over Socket Mode, through Bolt's own Socket Mode client against a local server speaking Slack's
 * protocol: no signing secret and no public URL; every envelope acked by its envelope_id within 3 s (the fake
 * fails a send otherwise), unknown ones politely as over HTTP; SLACK_TEAM_ID applies; a `disconnect` → reconnect.
 */
describe('Slack over Socket Mode', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let socket: FakeSocketMode;
  let runtime: Runtime;
  beforeAll(async () => {
    db = await freshPostgres();
    slack = await new FakeSlack().start();
    socket = await new FakeSocketMode(slack).start();
    runtime = await startFlightdeck(
      { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: slack.url },
      { http: true, worker: false },
      {},
      // No signing secret at all: Socket Mode is authenticated by the app-level token.
      { SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: '', SLACK_TEAM_ID: 'T0TEST' },
    );
  });
  afterAll(async () => {
    await runtime?.stop();
    await socket?.stop();
    await slack?.stop();
    await db?.drop();
  });

  const base = () => `http://127.0.0.1:${runtime.port}`;
  const note = (annotate: (message: string) => Promise<unknown>, what: string, ack: Acked) => annotate(`${what} acked in ${ack.ms} ms`);
  const written = async () => {
    const rows = await runtime.ctx.db.execute(sql`select (select count(*) from runs)::int + (select count(*) from refusals)::int as n`);
    return (rows as unknown as { rows: { n: number }[] }).rows[0]!.n;
  };

  it('connects with the app-level token where apps.connections.open says, is ready, and serves no /slack/events', async () => {
    const opened = slack.called('apps.connections.open');
    expect(opened.map((call) => call.token)).toEqual([APP_TOKEN]);
    expect(socket.open().map((connection) => connection.number)).toEqual([1]);
    const ready = await fetch(`${base()}/health/ready`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).checks).toContainEqual({ name: 'slack', ok: true });
    // Nothing listens for signed HTTP requests: there is no secret to check them with.
    const body = slashCommandBody({ text: 'start demo 1.1.0', ...alice });
    expect((await fetch(`${base()}/slack/events`, { method: 'POST', body, headers: slackHeaders(body) })).status).toBe(404);
    expect(await written()).toBe(0);
  });

  it('a slash command is acked by its envelope_id with the answer, after the run is written', async ({ annotate }) => {
    const answer = await socket.deliver(slashCommandBody({ text: 'start demo 1.1.0', ...alice }));
    await note(annotate, 'slash command', answer.ack);
    expect(answer.ack.type).toBe('slash_commands');
    expect(answer.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Run demo-1 created') });
    expect(await findRunByKey(runtime.ctx.db, 'demo-1')).not.toBeNull();
  });

  it('a block_actions click is acked and answered to the clicker privately', async ({ annotate }) => {
    const run = (await findRunByKey(runtime.ctx.db, 'demo-1'))!;
    const before = slack.called('chat.postEphemeral').length;
    // A GO on a run that is not waiting for one (no worker here: it is still queued): refused privately, no form.
    const answer = await socket.deliver(blockActionBody({ actionId: 'run.go', runId: run.id, userId: 'U0DEMOBOB', userName: 'bob' }));
    await note(annotate, 'block_actions', answer.ack);
    expect(answer.ack.type).toBe('interactive');
    expect(slack.called('views.open')).toEqual([]);
    const told = await waitFor('the private answer', async () => slack.called('chat.postEphemeral')[before]);
    expect(told.args).toMatchObject({ channel: 'C0DEPLOYS', user: 'U0DEMOBOB' });
  });

  it('a view_submission is acked with the form answer', async ({ annotate }) => {
    const view = { callback_id: 'someone_elses_form', title: { type: 'plain_text', text: 'Other' }, blocks: [] };
    const answer = await socket.deliver(viewSubmissionBody({ view, ...alice }));
    await note(annotate, 'view_submission', answer.ack);
    expect(answer.ack.type).toBe('interactive');
    expect(answer.json).toMatchObject({ response_action: 'update' });
    expect(JSON.stringify(answer.json)).toContain('does not know this form');
  });

  it('app_home_opened arrives as an events_api envelope, is acked, and publishes the Home tab as over HTTP', async () => {
    const ack = await socket.send('events_api', JSON.parse(appHomeOpenedBody({ userId: 'U0DEMOBOB' })));
    // Acked by its envelope_id within 3 s (the fake rejects otherwise), before the listener publishes.
    expect(ack.type).toBe('events_api');
    const home = await waitFor('bob’s home published', async () => slack.called('views.publish').find((call) => call.args.user_id === 'U0DEMOBOB'));
    expect(home.args.view).toMatchObject({ type: 'home' });
    expect(JSON.stringify(home.args.view)).toContain('You are in the plans of demo (approver)');
  });

  it('an unknown command and an unknown button are acked politely, as over HTTP', async () => {
    const command = new URLSearchParams(slashCommandBody({ text: 'hello', ...alice }));
    command.set('command', '/weather');
    expect((await socket.deliver(command.toString())).json).toEqual({ response_type: 'ephemeral', text: expect.stringContaining('answers `/deploy` only') });
    const before = slack.called('chat.postEphemeral').length;
    await socket.deliver(blockActionBody({ actionId: 'other_app.click', runId: 'x', ...alice }));
    const told = await waitFor('the private answer', async () => slack.called('chat.postEphemeral')[before]);
    expect(told.args.text).toContain('does not know that button');
  });

  it('SLACK_TEAM_ID applies: an envelope from another workspace is acked politely and writes nothing', async () => {
    const before = await written();
    const command = new URLSearchParams(slashCommandBody({ text: 'start demo 1.2.0', ...alice }));
    command.set('team_id', 'T0ELSEWHERE');
    expect((await socket.deliver(command.toString())).json).toEqual({
      response_type: 'ephemeral',
      text: expect.stringContaining('serves another Slack workspace'),
    });
    expect(await written()).toBe(before);
  });

  it('a disconnect from Slack: the client reconnects on a new connection, and that one works', async () => {
    socket.disconnect('refresh_requested');
    // Between the old connection closing and the new one's hello, serve says it is not ready, naming Slack.
    const unready = await waitFor('not ready while reconnecting', async () => {
      const response = await fetch(`${base()}/health/ready`);
      return response.status === 503 && ((await response.json()) as { checks: { name: string; ok: boolean; error?: string }[] });
    });
    expect(unready.checks).toContainEqual({ name: 'slack', ok: false, error: expect.stringContaining('Socket Mode connection is not open') });
    await waitFor('the second connection', async () => socket.open().length === 1 && socket.open()[0]!.number === 2, 30_000);
    expect(slack.called('apps.connections.open')).toHaveLength(2);
    expect(socket.connections.map((connection) => ({ number: connection.number, open: connection.open }))).toEqual([
      { number: 1, open: false },
      { number: 2, open: true },
    ]);
    const answer = await socket.deliver(slashCommandBody({ text: 'help', ...alice }));
    expect(answer.ack.connection).toBe(2);
    expect(answer.json.text).toContain('/deploy start');
    await waitFor('ready again', async () => (await fetch(`${base()}/health/ready`)).status === 200);
  });

  it('a worker alone opens no connection: only serve receives from Slack', async () => {
    const before = slack.called('apps.connections.open').length;
    const worker = await startFlightdeck(
      { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: slack.url },
      { http: false, worker: true },
      {},
      { SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: '' },
    );
    await worker.stop();
    expect(slack.called('apps.connections.open')).toHaveLength(before);
    expect(socket.open()).toHaveLength(1);
  });

  it('an app token Slack refuses stops serve with one line saying which setting', async () => {
    const refusing = await new FakeSlack().start(); // no Socket Mode server behind it: apps.connections.open answers invalid_auth
    try {
      const starting = startFlightdeck(
        { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: refusing.url },
        { http: true, worker: false },
        {},
        { SLACK_APP_TOKEN: 'xapp-1-revoked', SLACK_SIGNING_SECRET: '' },
      );
      await expect(starting).rejects.toThrow(/^Slack Socket Mode could not connect \(invalid_auth\): check SLACK_APP_TOKEN/);
      expect(refusing.called('apps.connections.open').map((call) => call.token)).toEqual(['xapp-1-revoked']);
    } finally {
      await refusing.stop();
    }
  });

  it('every envelope was acked by its own id, and the app sent nothing else', () => {
    expect(socket.acks.length).toBeGreaterThanOrEqual(7);
    expect(new Set(socket.acks.map((ack) => ack.envelopeId)).size).toBe(socket.acks.length);
    expect(socket.strays).toEqual([]);
  });
});

describe('Slack over Socket Mode, stopping', () => {
  it('an envelope being handled when serve stops is still acked before the connection closes', async () => {
    const db = await freshPostgres();
    const slack = await new FakeSlack().start();
    const socket = await new FakeSocketMode(slack).start();
    try {
      const runtime = await startFlightdeck(
        { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: slack.url },
        { http: true, worker: false },
        {},
        { SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: '' },
      );
      // `--at` makes the command ask Slack for the user's zone first; a slow users.info keeps it in flight.
      slack.delays['users.info'] = 800;
      const answer = socket.deliver(slashCommandBody({ text: 'start demo 1.1.0 --at 23:59', ...alice }));
      await waitFor('the command in flight', async () => slack.called('users.info').length > 0);
      const stopping = runtime.stop();
      expect((await answer).json).toMatchObject({ response_type: 'ephemeral', text: expect.any(String) });
      await stopping;
      await waitFor('the connection closed', async () => socket.open().length === 0);
    } finally {
      await socket.stop();
      await slack.stop();
      await db.drop();
    }
  });
});
