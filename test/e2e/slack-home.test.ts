import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QUEUES } from '../../src/queue/jobs.ts';
import { ACTIONS } from '../../src/domain/cards.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { pagesOfRun } from '../../src/store/pages.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { runReaching, waitFor } from '../support/flightdeck.ts';
import { startSlackFlightdeck, USERS } from '../support/slack-app.ts';
import { appHomeOpenedBody, blockActionBody, newTriggerId, slackHeaders, viewSubmissionBody } from '../support/slack-requests.ts';

/** release waits for bob's GO (alice deploys, carol is on call); every pager run rolls back and pages carol. */
const PLANS = join(PROJECT_ROOT, 'test/fixtures/home');
type User = keyof typeof USERS;

const buttonsOf = (view: Record<string, any>): { action_id: string; value: string; block: string }[] =>
  (view.blocks as any[]).flatMap((block) =>
    block.type === 'actions' ? block.elements.map((element: any) => ({ action_id: element.action_id, value: element.value, block: block.block_id })) : [],
  );
const textOf = (view: Record<string, any>) => JSON.stringify(view.blocks);

/**
 * The App Home through the real Bolt receiver and a real worker, against the fake Slack Web API:
 * app_home_opened publishes the person's home, its buttons are the status card's, and the worker
 * republishes it when a run the person can act on moves.
 */
describe('Slack: the App Home tab', () => {
  let app: Awaited<ReturnType<typeof startSlackFlightdeck>>;
  beforeAll(async () => {
    app = await startSlackFlightdeck({ worker: true, plansDir: PLANS });
  }, 60_000);
  afterAll(async () => app?.stop());

  /** Opens the Home tab and returns the view it published (the first views.publish for them after the open). */
  const openHome = async (user: User) => {
    const before = app.slack.homes(USERS[user].userId).length;
    const body = appHomeOpenedBody({ userId: USERS[user].userId });
    const response = await app.post(body, { ...slackHeaders(body, { contentType: 'application/json' }) });
    expect(response.status).toBe(200);
    return waitFor(`${user}'s home published`, async () => app.slack.homes(USERS[user].userId)[before]);
  };
  /** A click; the modal it opened (views.open with this click's trigger_id), or null. */
  const click = async (user: User, actionId: string, value: string, fromHome: boolean) => {
    const triggerId = newTriggerId();
    const body = blockActionBody({ actionId, runId: value, triggerId, fromHome, ...USERS[user] });
    const response = await app.post(body, slackHeaders(body));
    expect(response.status).toBe(200);
    return app.slack.views().find((opened) => opened.triggerId === triggerId)?.view ?? null;
  };

  it('bob’s home has the run waiting for his GO with its buttons; GO from there opens the channel’s form; the home follows the run', async () => {
    expect(JSON.stringify((await app.command('alice', 'start release 1.0.0')).json)).toContain('Run release-1 created');
    const waiting = await runReaching(app.runtime.ctx.db, 'release-1', ['awaiting_decision']);

    const home = await openHome('bob');
    expect(home.type).toBe('home');
    expect(textOf(home)).toContain('🚦 Your Go/No-Go: release 1.0.0 → production');
    expect(textOf(home)).toContain('You are in the plans of pager (approver); release (approver).');
    expect(textOf(home)).toContain('release-1: release 1.0.0 → production — awaiting decision');
    expect(buttonsOf(home).map(({ action_id, value }) => [action_id, value])).toEqual([
      [ACTIONS.go, waiting.id],
      [ACTIONS.noGo, waiting.id],
      [ACTIONS.defer, waiting.id],
    ]);
    expect(home.blocks.length).toBeLessThanOrEqual(100);

    // alice started it but does not approve: she sees it in flight, with no button.
    const alices = await openHome('alice');
    expect(textOf(alices)).toContain('release-1: release 1.0.0 → production — awaiting decision');
    expect(textOf(alices)).toContain('Nothing is waiting for your Go/No-Go.');
    expect(buttonsOf(alices)).toEqual([]);

    // GO from the home opens the same form as GO in the channel; only where the answer goes differs.
    const fromHome = await click('bob', ACTIONS.go, waiting.id, true);
    const fromChannel = await click('bob', ACTIONS.go, waiting.id, false);
    expect(fromHome).toMatchObject({ type: 'modal', callback_id: 'run.decision', title: { text: 'GO on release-1' }, submit: { text: 'Record GO' } });
    expect({ ...fromHome, private_metadata: null }).toEqual({ ...fromChannel, private_metadata: null });
    expect(JSON.parse(fromHome!.private_metadata)).toEqual({ runId: waiting.id, action: 'run.go', channel: null });
    expect(JSON.parse(fromChannel!.private_metadata)).toEqual({ runId: waiting.id, action: 'run.go', channel: 'C0DEPLOYS' });
    expect((await findRunByKey(app.runtime.ctx.db, 'release-1'))!.state).toBe('awaiting_decision');

    // Submitted: recorded, and the form itself says so (there is no channel to answer in).
    const publishedBefore = app.slack.homes(USERS.bob.userId).length;
    const body = viewSubmissionBody({ view: fromHome!, ...USERS.bob, inputs: { rationale: { text: 'staging is green' } } });
    const submitted = await app.post(body, slackHeaders(body));
    expect(submitted.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Recorded' } } });
    expect(JSON.stringify(submitted.json)).toContain('Recorded: GO on release-1.');
    expect(app.slack.called('chat.postEphemeral').filter((call) => app.slack.textOf(call).includes('Recorded: GO on release-1'))).toEqual([]);

    // The run moves; the worker republishes bob's home (he did not open it again), without the GO button.
    const republished = await waitFor('bob’s home republished without the GO button', async () =>
      app.slack
        .homes(USERS.bob.userId)
        .slice(publishedBefore)
        .find((view) => !buttonsOf(view).some((button) => button.action_id === ACTIONS.go)),
    );
    expect(textOf(republished)).toContain('Nothing is waiting for your Go/No-Go.');
    expect(textOf(republished)).toMatch(/release-1: release 1\.0\.0 → production — (deploying|succeeded)|release-1 · 1\.0\.0 → production/);
    const done = await runReaching(app.runtime.ctx.db, 'release-1', ['succeeded']);
    expect(done.decision).toMatchObject({ decision: 'go', by: { id: USERS.bob.userId }, rationale: 'staging is green' });
    // alice is neither approver nor on-call of the run: her home is not republished by its moves.
    expect(app.slack.homes(USERS.alice.userId)).toHaveLength(1);
  }, 60_000);

  it('a page for carol shows in her home with Acknowledge; taken from there, she is answered in a modal and the page leaves her home', async () => {
    await openHome('carol');
    const before = app.slack.homes(USERS.carol.userId).length;
    expect(JSON.stringify((await app.command('alice', 'start pager 1.0.0')).json)).toContain('Run pager-1 created');
    const run = await runReaching(app.runtime.ctx.db, 'pager-1', ['rollback_failed']);
    const page = await waitFor('the page', async () => (await pagesOfRun(app.runtime.ctx.db, run.id))[0]);

    const paged = await waitFor('carol’s home republished with the page', async () =>
      app.slack
        .homes(USERS.carol.userId)
        .slice(before)
        .find((view) => buttonsOf(view).some((button) => button.action_id === 'page.ack')),
    );
    expect(textOf(paged)).toContain('🚨 You are paged: pager production');
    expect(buttonsOf(paged)).toEqual([{ action_id: 'page.ack', value: page.id, block: expect.stringMatching(/^home-\d+-actions$/) }]);
    // bob approves pager but is not paged: his home shows no Acknowledge.
    expect(buttonsOf(await openHome('bob'))).toEqual([]);

    const beforeAck = app.slack.homes(USERS.carol.userId).length;
    const triggerId = newTriggerId();
    const ack = blockActionBody({ actionId: 'page.ack', runId: page.id, triggerId, fromHome: true, ...USERS.carol });
    expect((await app.post(ack, slackHeaders(ack))).status).toBe(200);
    // Acked first, then answered: the modal opens with the click's trigger_id.
    const answer = await waitFor('the answer to carol in a modal', async () => app.slack.views().find((opened) => opened.triggerId === triggerId)?.view);
    expect(answer).toMatchObject({ type: 'modal', title: { text: 'Flightdeck' } });
    expect(JSON.stringify(answer)).toContain('Acknowledged: you have the page for pager-1.');
    expect((await pagesOfRun(app.runtime.ctx.db, run.id))[0]!.acknowledged).toMatchObject({ by: { id: USERS.carol.userId } });
    await waitFor('carol’s home republished without the page', async () =>
      app.slack
        .homes(USERS.carol.userId)
        .slice(beforeAck)
        .find((view) => !buttonsOf(view).length && textOf(view).includes('No open page calls you.')),
    );
  }, 60_000);

  it('the Messages tab publishes nothing', async () => {
    // mallory is in no plan: nothing but her own opens publishes her home.
    const body = appHomeOpenedBody({ userId: USERS.mallory.userId, tab: 'messages' });
    expect((await app.post(body, slackHeaders(body, { contentType: 'application/json' }))).status).toBe(200);
    // The Messages tab's listener decides at once (nothing to await); a later Home tab open, published, is the sign it has run.
    const home = await openHome('mallory');
    expect(app.slack.homes(USERS.mallory.userId)).toHaveLength(1);
    expect(textOf(home)).toContain('No plan names you yet');
  }, 30_000);

  it('views.publish refused by Slack: the open is still answered, and the run’s jobs go on (the failure is only logged)', async () => {
    app.slack.errors['views.publish'] = 'invalid_blocks';
    try {
      const before = app.slack.called('views.publish').length;
      await openHome('bob'); // recorded, and refused
      const key = /Run (release-\d+) created/.exec(JSON.stringify((await app.command('alice', 'start release 1.0.1')).json))?.[1];
      expect(key).toBeDefined();
      const waiting = await runReaching(app.runtime.ctx.db, key!, ['awaiting_decision']);
      await app.click('bob', ACTIONS.go, waiting.id);
      const done = await runReaching(app.runtime.ctx.db, key!, ['succeeded']);
      expect(done.decision).toMatchObject({ decision: 'go' });
      // The worker tried bob's home at each move, and each refusal left the run's chat jobs alone: none failed or ran twice.
      expect(
        app.slack
          .called('views.publish')
          .slice(before)
          .filter((call) => call.args.user_id === USERS.bob.userId).length,
      ).toBeGreaterThan(1);
      const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
      const chat = new Queue(QUEUES.chat, { connection: redis, prefix: app.queuePrefix });
      try {
        await waitFor('the chat queue drained', async () => {
          const counts = await chat.getJobCounts('wait', 'active', 'delayed', 'prioritized');
          return Object.values(counts).every((n) => n === 0);
        });
        const jobs = (await chat.getJobs(['completed', 'failed'])).filter((job) => job.data.runId === done.id);
        expect(jobs.length).toBeGreaterThan(2);
        expect(jobs.map((job) => [job.data.effect.kind, job.attemptsStarted, job.failedReason ?? null])).toEqual(
          jobs.map((job) => [job.data.effect.kind, 1, null]),
        );
      } finally {
        await chat.close();
        await redis.quit();
      }
    } finally {
      delete app.slack.errors['views.publish'];
    }
  }, 60_000);
});
