import { createHmac } from 'node:crypto';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const BOT_TOKEN = 'xoxb-test-token';

/** Signs a body the way Slack does: v0=hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}")). */
export function slackHeaders(body: string, options: { timestamp?: number; secret?: string; contentType?: string } = {}): Record<string, string> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', options.secret ?? SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signature,
  };
}

/** A slash command body, form-encoded exactly as Slack posts it. */
export function slashCommandBody(fields: { text: string; userId: string; userName: string; triggerId?: string; channelId?: string }): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0TEST',
    team_domain: 'flightdeck-test',
    channel_id: fields.channelId ?? 'C0DEPLOYS',
    channel_name: 'deploys',
    user_id: fields.userId,
    user_name: fields.userName,
    command: '/deploy',
    text: fields.text,
    api_app_id: 'A0FLIGHTDECK',
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.invalid/commands/T0TEST/1/abc',
    trigger_id: fields.triggerId ?? `${Date.now()}.${Math.floor(Math.random() * 1e9)}.abcdef`,
  }).toString();
}

/** A block_actions interactivity body: `payload=` + JSON, form-encoded, as Slack posts a button click. */
export function blockActionBody(fields: { actionId: string; runId: string; userId: string; userName: string; channelId?: string; messageTs?: string }): string {
  const payload = {
    type: 'block_actions',
    user: { id: fields.userId, username: fields.userName, name: fields.userName, team_id: 'T0TEST' },
    api_app_id: 'A0FLIGHTDECK',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: fields.messageTs ?? '1700000000.000001', channel_id: fields.channelId ?? 'C0DEPLOYS', is_ephemeral: false },
    trigger_id: `${Date.now()}.${Math.floor(Math.random() * 1e9)}.fedcba`,
    team: { id: 'T0TEST', domain: 'flightdeck-test' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: fields.channelId ?? 'C0DEPLOYS', name: 'deploys' },
    message: { type: 'message', ts: fields.messageTs ?? '1700000000.000001', text: 'Go/No-Go needed' },
    state: { values: {} },
    response_url: 'https://hooks.slack.invalid/actions/T0TEST/1/abc',
    actions: [{ action_id: fields.actionId, block_id: 'decision', text: { type: 'plain_text', text: 'GO', emoji: true }, value: fields.runId, style: 'primary', type: 'button', action_ts: `${Date.now() / 1000}` }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
