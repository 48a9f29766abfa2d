import { createHmac, randomUUID } from 'node:crypto';
import type { Prepared } from './load.ts';
import { SIGNING_SECRET } from './stack.ts';

/** Requests exactly as Slack sends them: form-encoded, signed v0=HMAC-SHA256(secret, "v0:{ts}:{body}"). */

function signed(body: string): Prepared {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    path: '/slack/events',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature },
  };
}

export function slashCommand(text: string, user: { id: string; name: string }): Prepared {
  return signed(
    new URLSearchParams({
      token: 'legacy',
      team_id: 'T0BENCH',
      team_domain: 'bench',
      channel_id: 'C0BENCH',
      channel_name: 'deploys',
      user_id: user.id,
      user_name: user.name,
      command: '/deploy',
      text,
      api_app_id: 'A0BENCH',
      is_enterprise_install: 'false',
      response_url: 'https://hooks.slack.invalid/commands/T0BENCH/1/abc',
      trigger_id: `${Date.now()}.${randomUUID()}`,
    }).toString(),
  );
}

/** A GO click on a run's status message (block_actions): Flightdeck reads the run and opens the decision form. */
export function goClick(runId: string, user: { id: string; name: string }): Prepared {
  const payload = {
    type: 'block_actions',
    user: { id: user.id, username: user.name, name: user.name, team_id: 'T0BENCH' },
    api_app_id: 'A0BENCH',
    token: 'legacy',
    container: { type: 'message', message_ts: '1700000000.000001', channel_id: 'C0BENCH', is_ephemeral: false },
    trigger_id: `${Date.now()}.${randomUUID()}`,
    team: { id: 'T0BENCH', domain: 'bench' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: 'C0BENCH', name: 'deploys' },
    message: { type: 'message', ts: '1700000000.000001', text: 'Go/No-Go needed' },
    state: { values: {} },
    response_url: 'https://hooks.slack.invalid/actions/T0BENCH/1/abc',
    actions: [
      {
        action_id: 'run.go',
        block_id: 'decision',
        text: { type: 'plain_text', text: 'GO', emoji: true },
        value: runId,
        style: 'primary',
        type: 'button',
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
  return signed(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}
