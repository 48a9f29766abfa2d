import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../../src/app/shared/record-event.ts';
import { LATE_ANSWER, LATE_WRITE } from '../../src/chat/slack/bolt.ts';
import { STILL_RECORDING } from '../../src/chat/slack/decision-submission.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { testContext } from '../support/context.ts';
import { waitFor } from '../support/flightdeck.ts';
import { startSlackFlightdeck, USERS } from '../support/slack-app.ts';
import { slackHeaders, slashCommandBody } from '../support/slack-requests.ts';

/**
 * A command that writes nothing and is slow is acked in time and answered through the command's response_url
 * (real Bolt, real Postgres). SLACK_LATE_ANSWER_MS=0 makes every such command late, so the path is taken for
 * sure; a start is still answered in its ack, once saved, when it is saved within SLACK_LATE_WRITE_MS. A write
 * slower than that (an overload; SLACK_LATE_WRITE_MS=0 here) is acked with "still working", which claims nothing,
 * and its answer follows the same way once saved.
 */
/**
 * Flightdeck over real Bolt with `config`, and carol's commands carrying a response_url of their own, served by
 * the Web API stand-in (it records every path it is sent): what was answered there, oldest first.
 */
function lateAnswers(config: Record<string, string>, path: string) {
  const started = { app: null as unknown as Awaited<ReturnType<typeof startSlackFlightdeck>> };
  beforeAll(async () => {
    started.app = await startSlackFlightdeck({ worker: false, config });
  }, 60_000);
  afterAll(async () => started.app?.stop());
  return {
    get app() {
      return started.app;
    },
    command(text: string) {
      const body = slashCommandBody({ text, ...USERS.carol, responseUrl: new URL(path, started.app.slack.url).toString() });
      return started.app.post(body, slackHeaders(body));
    },
    responses: () => started.app.slack.called(path.slice(1)),
  };
}

describe('Slack: slow reads are answered through response_url, writes in the ack', () => {
  const { command, responses } = lateAnswers({ SLACK_LATE_ANSWER_MS: '0' }, '/commands/T0TEST/1/late');

  it('stats: the ack says the answer follows, and the figures arrive privately through response_url', async () => {
    const ack = await command('stats');
    expect(ack.status).toBe(200);
    expect(ack.json).toEqual({ response_type: 'ephemeral', text: LATE_ANSWER });
    const late = await waitFor('the late answer', async () => responses()[0]);
    expect(late.args.response_type).toBe('ephemeral');
    expect(String(late.args.text)).toContain('📈 DORA: every service (each in its default environment)');
    expect(String(late.args.text)).toContain('0 production deploys in the last 90 days');
    expect(responses()).toHaveLength(1);
  });

  it('a refusal to parse goes the same way, with its usage', async () => {
    expect((await command('stats demo --days 0')).json).toEqual({ response_type: 'ephemeral', text: LATE_ANSWER });
    const late = await waitFor('the late answer', async () => responses()[1]);
    expect(String(late.args.text)).toMatch(/^--days needs a whole number of days from 1 to 400\./);
  });

  it('a start saved in time is answered in its ack, once the run is saved, never later', async () => {
    const ack = await command('start demo 1.1.0');
    expect(JSON.stringify(ack.json)).toContain('Run demo-1 created');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(responses()).toHaveLength(2);
  });
});

describe('Slack: a write not saved in time is acked as still working, and answered once saved', () => {
  const flightdeck = lateAnswers({ SLACK_LATE_WRITE_MS: '0' }, '/commands/T0TEST/2/late');
  const { command, responses } = flightdeck;

  it('a start: the ack claims nothing, the run is made once, and "created" arrives through response_url', async () => {
    const ack = await command('start demo 1.1.0');
    expect(ack.json).toEqual({ response_type: 'ephemeral', text: LATE_WRITE });
    const late = await waitFor('the late answer', async () => responses()[0]);
    expect(late.args.response_type).toBe('ephemeral');
    expect(JSON.stringify(late.args)).toContain('Run demo-1 created');
    expect((await findRunByKey(flightdeck.app.db.database.db, 'demo-1'))?.version).toBe('1.1.0');
    expect(responses()).toHaveLength(1);
  });

  it('a refused write answers the same way, with its reason; a read is still answered in its ack', async () => {
    expect((await command('start demo 1.1.1')).json).toEqual({ response_type: 'ephemeral', text: LATE_WRITE });
    const late = await waitFor('the late answer', async () => responses()[1]);
    expect(JSON.stringify(late.args)).toContain('demo-1 is already active on this service and environment');
    expect(await findRunByKey(flightdeck.app.db.database.db, 'demo-2')).toBeNull();
    expect(JSON.stringify((await command('status')).json)).toContain('demo-1');
    expect(responses()).toHaveLength(2);
  });

  it('a click whose write must wait (its run row held by another session): acked at once, answered privately once done', async () => {
    const run = (await findRunByKey(flightdeck.app.db.database.db, 'demo-1'))!;
    const holder = new pg.Client({ connectionString: flightdeck.app.db.url });
    await holder.connect();
    const answers = () => flightdeck.app.slack.called('chat.postEphemeral');
    try {
      await holder.query('begin');
      await holder.query('select 1 from runs where id = $1 for update', [run.id]);
      const clicked = flightdeck.app.click('bob', 'run.rollback', run.id);
      const acked = await Promise.race([clicked, new Promise<null>((resolve) => setTimeout(() => resolve(null), 1_500))]);
      expect(acked, 'acked while the write still waits').not.toBeNull();
      expect(acked!.status).toBe(200);
      expect(acked!.text).toBe('');
      expect(answers(), 'no answer before it is known').toHaveLength(0);
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
    const answer = await waitFor('the private answer', async () => answers()[0]);
    expect(answer.args.user).toBe(USERS.bob.userId);
    expect(JSON.stringify(answer.args)).toContain('demo-1');
  });

  it('a GO whose write must wait: the form says it is still recording, then the answer replaces it and goes privately', async () => {
    // demo-1 waits for Go/No-Go once its pre-check is recorded (as a worker would).
    const direct = testContext(flightdeck.app.db.database.db, []);
    const run = (await findRunByKey(flightdeck.app.db.database.db, 'demo-1'))!;
    await recordEvent(direct, run.id, { type: 'step.started', stepId: 'pre_checks.0' });
    await recordEvent(direct, run.id, { type: 'step.succeeded', stepId: 'pre_checks.0', summary: 'toolchain ok' });
    const holder = new pg.Client({ connectionString: flightdeck.app.db.url });
    await holder.connect();
    const answers = () => flightdeck.app.slack.called('chat.postEphemeral').length;
    const before = answers();
    try {
      await holder.query('begin');
      await holder.query('select 1 from runs where id = $1 for update', [run.id]);
      const submitted = flightdeck.app.click('bob', 'run.go', run.id, { rationale: 'looks good' });
      const acked = await Promise.race([submitted, new Promise<null>((resolve) => setTimeout(() => resolve(null), 1_500))]);
      expect(acked, 'the submission acked while its write waits').not.toBeNull();
      expect(acked!.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Still recording' } } });
      expect(JSON.stringify(acked!.json)).toContain(STILL_RECORDING);
      expect(answers(), 'no answer before it is known').toBe(before);
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
    const updated = await waitFor('the form replaced by the answer', async () => flightdeck.app.slack.called('views.update')[0]);
    expect(JSON.stringify(updated.args)).toContain('Recorded');
    expect(JSON.stringify(updated.args)).toContain('demo-1');
    await waitFor('the private answer', async () => answers() > before || null);
    expect((await findRunByKey(flightdeck.app.db.database.db, 'demo-1'))!.decision?.decision).toBe('go');
  });
});
