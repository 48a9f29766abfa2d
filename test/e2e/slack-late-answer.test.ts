import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATE_ANSWER } from '../../src/chat/slack/bolt.ts';
import { waitFor } from '../support/flightdeck.ts';
import { startSlackFlightdeck, USERS } from '../support/slack-app.ts';
import { slackHeaders, slashCommandBody } from '../support/slack-requests.ts';

/**
 * A command that writes nothing and is slow is acked in time and answered through the command's response_url
 * (real Bolt, real Postgres). SLACK_LATE_ANSWER_MS=0 makes every such command late, so the path is taken for
 * sure; a start is still answered in its ack, once saved, whatever the setting.
 */
describe('Slack: slow reads are answered through response_url, writes in the ack', () => {
  let app: Awaited<ReturnType<typeof startSlackFlightdeck>>;
  let responseUrl = '';
  beforeAll(async () => {
    app = await startSlackFlightdeck({ worker: false, config: { SLACK_LATE_ANSWER_MS: '0' } });
    // Slack's response_url, served by the Web API stand-in (it records every path it is sent).
    responseUrl = new URL('/commands/T0TEST/1/late', app.slack.url).toString();
  }, 60_000);
  afterAll(async () => app?.stop());

  const command = (text: string) => {
    const body = slashCommandBody({ text, ...USERS.carol, responseUrl });
    return app.post(body, slackHeaders(body));
  };
  const responses = () => app.slack.called('commands/T0TEST/1/late');

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

  it('a start is answered in its ack once the run is saved, never later', async () => {
    const ack = await command('start demo 1.1.0');
    expect(JSON.stringify(ack.json)).toContain('Run demo-1 created');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(responses()).toHaveLength(2);
  });
});
