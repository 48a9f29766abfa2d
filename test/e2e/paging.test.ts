import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Page } from '../../src/domain/page.ts';
import { PROJECT_ROOT, type Runtime } from '../../src/runtime.ts';
import { pagesOfRun } from '../../src/store/pages.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeConnector } from '../support/fake-connector.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { flightdeckEnv, startFlightdeck, waitFor, type TestServices } from '../support/flightdeck.ts';
import { blockActionBody, slackHeaders, slashCommandBody } from '../support/slack-requests.ts';

/** test/fixtures/paging/pager.yaml: every run rolls back and pages carol; pages repeat every 1s and escalate to erin after 3s. */
const PLANS_DIR = join(PROJECT_ROOT, 'test/fixtures/paging');
const SLACK = { alice: 'U0DEMOALICE', carol: 'U0DEMOCAROL', erin: 'U0DEMOERIN', mallory: 'U0MALLORY' } as const;
const TEAMS = {
  alice: '0a11ce00-0000-4000-8000-000000000001',
  carol: '0ca201a0-0000-4000-8000-000000000003',
  mallory: '0ba00000-0000-4000-8000-0000000000ff',
} as const;

async function pageOf(runtime: Runtime, key: string): Promise<Page> {
  return waitFor(`${key} to page`, async () => {
    const run = await findRunByKey(runtime.ctx.db, key);
    return run && (await pagesOfRun(runtime.ctx.db, run.id))[0];
  });
}

function buttonsOf(call: { args: Record<string, unknown> }): { action_id: string; value: string }[] {
  return ((call.args.blocks as any[]) ?? []).flatMap((block) => block.elements ?? []).filter((element: any) => element.type === 'button');
}

/**
 * Slack, with the worker as a child process that is killed while a page is open: the page's reminders
 * and escalation are delayed jobs and database rows, so a new worker carries on where the dead one stopped.
 */
describe('paging on Slack: DM with Acknowledge, reminders, escalation, and a worker killed in between', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let services: TestServices;
  let server: Runtime;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    db = await freshPostgres();
    slack = await new FakeSlack().start();
    services = { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: slack.url, plansDir: PLANS_DIR };
    server = await startFlightdeck(services, { http: true, worker: false });
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) process.kill(-worker.pid!, 'SIGKILL');
    await server?.stop();
    await slack?.stop();
    await db?.drop();
  });

  const startWorker = () => {
    const env = { ...process.env, ...flightdeckEnv(services, { WORKER_LOCK_MS: '2000' }) };
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/flightdeck.js'), 'worker'], { env, cwd: PROJECT_ROOT, detached: true, stdio: 'ignore' });
    workers.push(child);
    return child;
  };
  const kill = async (worker: ChildProcess) => {
    process.kill(-worker.pid!, 'SIGKILL');
    if (worker.exitCode === null && worker.signalCode === null) await new Promise((resolve) => worker.once('exit', resolve));
  };
  const post = (body: string) => fetch(`http://127.0.0.1:${server.port}/slack/events`, { method: 'POST', body, headers: slackHeaders(body) });
  const directsTo = (user: string) => slack.called('chat.postMessage').filter((call) => call.args.channel === user);
  const reminderOf = (call: SlackCall) => Number(/Reminder (\d+)/.exec(slack.textOf(call))?.[1] ?? 0);
  const answerTo = async (user: string, before: number) =>
    slack.textOf(
      await waitFor(`the private answer to ${user}`, async () =>
        slack
          .called('chat.postEphemeral')
          .slice(before)
          .find((call) => call.args.user === user),
      ),
    );

  it('pages carol by DM and in the channel, repeats, escalates to erin, and stops once carol acknowledges', async () => {
    const first = startWorker();
    await post(slashCommandBody({ text: 'start pager 1.0.0', userId: SLACK.alice, userName: 'alice', channelId: 'C0PAGER' }));
    const page = await pageOf(server, 'pager-1');
    expect((await findRunByKey(server.ctx.db, 'pager-1'))!.state).toBe('rollback_failed');

    // The channel mention carries the button too; the DM goes to carol's user id (Slack's DM with the app).
    const mention = await waitFor('the channel mention', async () =>
      slack.called('chat.postMessage').find((call) => slack.textOf(call).includes('On-call: pager production')),
    );
    expect(mention.args.channel).toBe('C0PAGER');
    expect(slack.textOf(mention)).toContain(`<@${SLACK.carol}>`);
    expect(buttonsOf(mention)).toEqual([expect.objectContaining({ action_id: 'page.ack', value: page.id })]);
    const dm = await waitFor('the DM to carol', async () => directsTo(SLACK.carol)[0]);
    expect(slack.textOf(dm)).toContain('You are paged: pager production');
    expect(slack.textOf(dm)).toContain('Rollback of pager-1');
    expect(slack.textOf(dm)).toContain('did not restore production');
    expect(buttonsOf(dm)).toEqual([expect.objectContaining({ action_id: 'page.ack', value: page.id, text: expect.objectContaining({ text: 'Acknowledge' }) })]);
    expect(directsTo(SLACK.erin)).toEqual([]);

    // The worker dies with the page open; the next one sends the reminders the dead one would have.
    await kill(first);
    startWorker();
    await waitFor('a reminder to carol', async () => directsTo(SLACK.carol).find((call) => reminderOf(call) >= 1), 30_000);
    const escalation = await waitFor('the escalation to erin', async () => directsTo(SLACK.erin)[0], 30_000);
    expect(slack.textOf(escalation)).toContain('Escalated to you: on-call (carol) has not acknowledged within 3s.');
    expect(buttonsOf(escalation)[0]!.value).toBe(page.id);

    // Someone the plan does not know is refused privately, and the page stays open.
    let before = slack.called('chat.postEphemeral').length;
    await post(blockActionBody({ actionId: 'page.ack', runId: page.id, userId: SLACK.mallory, userName: 'mallory', channelId: 'C0PAGER' }));
    expect(await answerTo(SLACK.mallory, before)).toContain(
      'Only on-call, the escalation contacts and approvers may acknowledge this page (carol, erin, bob).',
    );
    expect((await pagesOfRun(server.ctx.db, page.runId))[0]!.acknowledged).toBeNull();

    // Carol takes it from her DM.
    before = slack.called('chat.postEphemeral').length;
    await post(
      blockActionBody({
        actionId: 'page.ack',
        runId: page.id,
        userId: SLACK.carol,
        userName: 'carol',
        channelId: SLACK.carol,
        messageTs: String(dm.args.ts ?? ''),
      }),
    );
    expect(await answerTo(SLACK.carol, before)).toContain('Acknowledged: you have the page for pager-1.');
    const taken = (await pagesOfRun(server.ctx.db, page.runId))[0]!;
    expect(taken).toMatchObject({ acknowledged: { by: { id: SLACK.carol, name: 'carol' } }, nextReminderAt: null });
    // /metrics counts the page taken, and the click's ack.
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    expect(metrics).toMatch(/^flightdeck_pages_acknowledged_total\{role="serve"\} 1$/m);
    expect(metrics).toMatch(/^flightdeck_ack_seconds_count\{(?=[^}]*platform="slack")(?=[^}]*kind="action")[^}]*\} [1-9]\d*$/m);

    // Every message of the page says who took it; the run's thread logs it.
    await waitFor('the DMs and the mention edited', async () => {
      const edited = new Set(
        slack
          .called('chat.update')
          .filter((call) => slack.textOf(call).includes('Page acknowledged: pager production'))
          .map((call) => call.args.channel),
      );
      return [SLACK.carol, SLACK.erin, 'C0PAGER'].every((channel) => edited.has(channel));
    });
    const log = await waitFor('the log line', async () =>
      slack.called('chat.postMessage').find((call) => slack.textOf(call).includes('Page acknowledged by carol after')),
    );
    expect(log.args.channel).toBe('C0PAGER');
    expect(log.args.thread_ts).toBeTruthy();

    // Clicking again answers who took it and when.
    before = slack.called('chat.postEphemeral').length;
    await post(blockActionBody({ actionId: 'page.ack', runId: page.id, userId: SLACK.carol, userName: 'carol', channelId: 'C0PAGER' }));
    expect(await answerTo(SLACK.carol, before)).toMatch(/Already acknowledged by carol at \d\d:\d\d UTC\./);

    // No reminder after the one decided before the click, though more than two intervals pass.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const after = (await pagesOfRun(server.ctx.db, page.runId))[0]!;
    expect(after.remindersSent).toBe(taken.remindersSent);
    expect(Math.max(...[...directsTo(SLACK.carol), ...directsTo(SLACK.erin)].map(reminderOf))).toBeLessThanOrEqual(taken.remindersSent);
  }, 90_000);
});

/** Teams: the DM is a 1:1 chat the bot opens through the connector, and the Acknowledge button is an Action.Execute. */
describe('paging on Teams: a 1:1 chat opened by the bot, acknowledged by Action.Execute', () => {
  const CHANNEL = '19:pager-deploys@thread.tacv2';
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let connector: FakeConnector;
  let runtime: Runtime;

  beforeAll(async () => {
    db = await freshPostgres();
    slack = await new FakeSlack().start();
    connector = await new FakeConnector().start();
    // The fake connector's Teams has no app id: unauthenticated by name (the flag), never by default.
    runtime = await startFlightdeck(
      { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: slack.url, plansDir: PLANS_DIR },
      { http: true, worker: true },
      {},
      { TEAMS_ALLOW_UNAUTHENTICATED: 'true' },
    );
  });
  afterAll(async () => {
    await runtime?.stop();
    await connector?.stop();
    await slack?.stop();
    await db?.drop();
  });

  const activity = (person: keyof typeof TEAMS, conversation: Record<string, unknown>, fields: Record<string, unknown>) => ({
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl: connector.url,
    timestamp: new Date().toISOString(),
    from: { id: `29:${person}`, name: person, aadObjectId: TEAMS[person] },
    recipient: { id: '28:flightdeck-bot', name: 'Flightdeck' },
    conversation,
    channelData: { tenant: { id: 'tenant-1' } },
    ...fields,
  });
  const inChannel = { id: CHANNEL, conversationType: 'channel', isGroup: true, tenantId: 'tenant-1' };
  const post = (body: unknown) =>
    fetch(`http://127.0.0.1:${runtime.port}/api/messages`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const click = async (person: keyof typeof TEAMS, conversation: Record<string, unknown>, pageId: string) => {
    const response = await post(
      activity(person, conversation, {
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb: 'page.ack', data: { pageId } } },
      }),
    );
    return (await response.json()) as { type: string; value: unknown };
  };

  it('opens a chat with carol by AAD object id, posts the page there, and swaps the card when she acknowledges', async () => {
    expect((await post(activity('alice', inChannel, { type: 'conversationUpdate', membersAdded: [{ id: '28:flightdeck-bot' }] }))).status).toBeLessThan(300);
    expect((await post(activity('alice', inChannel, { type: 'message', text: 'deploy start pager 1.0.0' }))).status).toBeLessThan(300);
    const page = await pageOf(runtime, 'pager-1');

    const opened = await waitFor('the 1:1 chat with carol', async () => connector.created.find((created) => created.body.members?.[0]?.id === TEAMS.carol));
    expect(opened.body).toMatchObject({ isGroup: false, tenantId: 'tenant-1', bot: { id: '28:flightdeck-bot' } });
    const dm = await waitFor('the page in that chat', async () =>
      connector.calls.find((call) => call.method === 'POST' && call.conversationId === opened.answeredId),
    );
    const card = dm.body.attachments[0].content;
    expect(JSON.stringify(card)).toContain('You are paged: pager production');
    expect(card.actions).toEqual([expect.objectContaining({ type: 'Action.Execute', verb: 'page.ack', data: { pageId: page.id }, title: 'Acknowledge' })]);
    // The channel is mentioned as before.
    await waitFor('the channel mention', async () =>
      connector.calls.find((call) => call.conversationId === CHANNEL && connector.shown(call).includes('On-call: pager production')),
    );

    const personal = { id: opened.answeredId, conversationType: 'personal', tenantId: 'tenant-1' };
    const refused = await click('mallory', inChannel, page.id);
    expect(refused).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: expect.stringContaining('Only on-call') });
    const taken = await click('carol', personal, page.id);
    expect(taken.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(taken.value)).toContain('Page acknowledged: pager production');
    expect(JSON.stringify(taken.value)).not.toContain('page.ack');
    // Both card actions were acked on Teams and timed, the refused one too.
    const metrics = await (await fetch(`http://127.0.0.1:${runtime.port}/metrics`)).text();
    expect(Number(/^flightdeck_ack_seconds_count\{(?=[^}]*platform="teams")(?=[^}]*kind="action")[^}]*\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(
      2,
    );
    expect((await pagesOfRun(runtime.ctx.db, page.runId))[0]).toMatchObject({
      acknowledged: { by: { platform: 'teams', id: TEAMS.carol } },
      nextReminderAt: null,
    });

    // The DM itself is edited in place for whoever looks at it later.
    const edit = await waitFor('the DM edited', async () =>
      connector.calls.find((call) => call.method === 'PUT' && call.conversationId === opened.answeredId && call.activityId === dm.answeredId),
    );
    expect(connector.shown(edit)).toContain('Page acknowledged: pager production');
  }, 60_000);
});
