import type { Server } from 'node:http';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackApp } from '../../../src/chat/slack/bolt.ts';
import type { PlanCatalog } from '../../../src/plans/catalog.ts';
import type { Db } from '../../../src/store/db.ts';
import { testContext } from '../../support/context.ts';
import { FakeSlack } from '../../support/fake-slack.ts';
import { BOT_TOKEN, SIGNING_SECRET, blockActionBody, slackHeaders, slashCommandBody, viewSubmissionBody } from '../../support/slack-requests.ts';

/**
 * The receiver on its own, without a database: what happens before a use case touches the store.
 * (Whole runs through it, with Postgres and a worker, are in test/e2e/slack-*.test.ts.)
 */
describe('Slack receiver', () => {
  const slack = new FakeSlack();
  let server: Server;
  let base = '';
  // Help needs nothing from the context; anything that reaches the store fails, as if the database were down.
  const unavailable = new Proxy(
    {},
    {
      get: () => {
        throw new Error('database unavailable');
      },
    },
  );
  const ctx = testContext(unavailable as Db, unavailable as PlanCatalog);

  beforeAll(async () => {
    await slack.start();
    const { express: app } = createSlackApp({ ctx, signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, apiUrl: slack.url, log: pino({ level: 'silent' }) });
    app.post('/api/messages', express.json(), (request, response) => void response.json({ echoed: request.body }));
    await new Promise<void>((resolve) => (server = app.listen(0, '127.0.0.1', () => resolve())));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await slack.stop();
  });

  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const response = await fetch(`${base}${path}`, { method: 'POST', body, headers });
    return { status: response.status, text: await response.text() };
  };
  const help = slashCommandBody({ text: 'help', userId: 'U0DEMOALICE', userName: 'alice' });
  const now = Math.floor(Date.now() / 1000);

  it.each([
    ['no headers', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['a timestamp six minutes ahead', slackHeaders(help, { timestamp: now + 6 * 60 })],
    ['a timestamp six minutes old', slackHeaders(help, { timestamp: now - 6 * 60 })],
    ['a timestamp that is not a number of seconds', { ...slackHeaders(help), 'x-slack-request-timestamp': `${now}.5` }],
    ['a bad signature', { ...slackHeaders(help), 'x-slack-signature': `v0=${'0'.repeat(64)}` }],
  ])('refuses %s with 401', async (_name, headers) => {
    expect((await post('/slack/events', help, headers)).status).toBe(401);
  });

  it('answers a signed command in the ack, privately, without asking Slack who it is', async () => {
    const response = await post('/slack/events', help, slackHeaders(help));
    expect(response.status).toBe(200);
    const body = JSON.parse(response.text);
    expect(body.response_type).toBe('ephemeral');
    expect(body.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Flightdeck commands' } });
    expect(slack.called('auth.test')).toEqual([]);
  });

  it('a click that fails inside is acked and answered politely to the clicker alone', async () => {
    const click = blockActionBody({ actionId: 'run.go', runId: '00000000-0000-4000-8000-000000000000', userId: 'U0DEMOBOB', userName: 'bob' });
    expect((await post('/slack/events', click, slackHeaders(click))).status).toBe(200);
    await expect.poll(() => slack.called('chat.postEphemeral').length).toBe(1);
    const [ephemeral] = slack.called('chat.postEphemeral');
    expect(ephemeral?.args).toMatchObject({ channel: 'C0DEPLOYS', user: 'U0DEMOBOB', text: expect.stringContaining('Nothing was changed') });
    expect(slack.called('auth.test')).toEqual([]);
  });

  it('a decision form whose submission fails inside is replaced by a polite "not recorded", and nothing is said to be done', async () => {
    const view = {
      callback_id: 'run.decision',
      private_metadata: JSON.stringify({ runId: '00000000-0000-4000-8000-000000000000', action: 'run.no_go', channel: 'C0DEPLOYS' }),
      blocks: [],
    };
    const submission = viewSubmissionBody({ view, userId: 'U0DEMOBOB', userName: 'bob' });
    const response = await post('/slack/events', submission, slackHeaders(submission));
    expect(response.status).toBe(200);
    const ack = JSON.parse(response.text);
    expect(ack).toMatchObject({ response_action: 'update', view: { title: { text: 'Not recorded' } } });
    expect(JSON.stringify(ack.view.blocks)).toContain('Flightdeck could not handle that just now');
  });

  it('a decision form that does not name a run is refused in the form before anything runs', async () => {
    const view = { callback_id: 'run.decision', private_metadata: '{"runId":"demo-1; drop table runs"}', blocks: [] };
    const submission = viewSubmissionBody({ view, userId: 'U0DEMOBOB', userName: 'bob' });
    const ack = JSON.parse((await post('/slack/events', submission, slackHeaders(submission))).text);
    expect(ack).toMatchObject({ response_action: 'update', view: { title: { text: 'Not recorded' } } });
    expect(JSON.stringify(ack.view.blocks)).toContain('does not name a run and a decision');
  });

  // Bolt's default: a request no listener acks gets a 404 after 3 s, and Slack shows the user an error.
  describe('answers what no listener handles at once, with 200 and a short polite answer', () => {
    it('an unknown slash command', async () => {
      const body = help.replace('command=%2Fdeploy', 'command=%2Fdeploy-old');
      const response = await post('/slack/events', body, slackHeaders(body));
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({ response_type: 'ephemeral', text: expect.stringContaining('Flightdeck answers `/deploy` only') });
    });

    it('an unknown action id, answered to the clicker alone', async () => {
      const before = slack.called('chat.postEphemeral').length;
      const click = blockActionBody({ actionId: 'legacy.launch_rockets', runId: '00000000-0000-4000-8000-000000000000', userId: 'U0DEMOBOB', userName: 'bob' });
      expect((await post('/slack/events', click, slackHeaders(click))).status).toBe(200);
      await expect.poll(() => slack.called('chat.postEphemeral').length).toBe(before + 1);
      expect(slack.called('chat.postEphemeral').at(-1)?.args).toMatchObject({
        channel: 'C0DEPLOYS',
        user: 'U0DEMOBOB',
        text: expect.stringContaining('does not know that button'),
      });
    });

    it('a form Flightdeck did not open', async () => {
      const submission = viewSubmissionBody({
        view: { callback_id: 'someone.elses.form', private_metadata: '', blocks: [] },
        userId: 'U0DEMOBOB',
        userName: 'bob',
      });
      const response = await post('/slack/events', submission, slackHeaders(submission));
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toMatchObject({ response_action: 'update', view: { title: { text: 'Not recorded' } } });
    });

    it.each([
      ['a payload type Bolt does not know', { type: 'something_new', team: { id: 'T0TEST' } }],
      ['a shortcut', { type: 'shortcut', callback_id: 'deploy.shortcut', trigger_id: '1.2.3', team: { id: 'T0TEST' }, user: { id: 'U0DEMOBOB' } }],
      ['a closed modal', { type: 'view_closed', team: { id: 'T0TEST' }, user: { id: 'U0DEMOBOB' }, view: { id: 'V1', callback_id: 'run.decision' } }],
    ])('%s', async (_name, payload) => {
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const response = await post('/slack/events', body, slackHeaders(body));
      expect(response.status).toBe(200);
    });
  });

  it('refuses a body over 1 MB with 413, like /api/messages', async () => {
    const body = slashCommandBody({ text: `help ${'x'.repeat(1_100_000)}`, userId: 'U0DEMOALICE', userName: 'alice' });
    expect((await post('/slack/events', body, slackHeaders(body))).status).toBe(413);
  });

  it('leaves room for other routes, with their own body parsers, on the same app', async () => {
    const response = await post('/api/messages', '{"type":"message"}', { 'content-type': 'application/json' });
    expect(JSON.parse(response.text)).toEqual({ echoed: { type: 'message' } });
    expect((await post('/slack/events', help, slackHeaders(help))).status).toBe(200);
  });
});
