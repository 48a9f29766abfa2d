import { createHmac } from 'node:crypto';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const BOT_TOKEN = 'xoxb-test-token';

/** Signs a body the way Slack does: v0=hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}")). */
export function slackHeaders(body: string, options: { timestamp?: number; secret?: string; contentType?: string } = {}): Record<string, string> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', options.secret ?? SIGNING_SECRET)
    .update(`v0:${timestamp}:${body}`)
    .digest('hex')}`;
  return {
    'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signature,
  };
}

/** A slash command body, form-encoded exactly as Slack posts it. */
export function slashCommandBody(fields: {
  text: string;
  userId: string;
  userName: string;
  triggerId?: string;
  channelId?: string;
  responseUrl?: string;
}): string {
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
    response_url: fields.responseUrl ?? 'https://hooks.slack.invalid/commands/T0TEST/1/abc',
    trigger_id: fields.triggerId ?? `${Date.now()}.${Math.floor(Math.random() * 1e9)}.abcdef`,
  }).toString();
}

/** A block_actions interactivity body: `payload=` + JSON, form-encoded, as Slack posts a button click. */
export function blockActionBody(fields: {
  actionId: string;
  runId: string;
  userId: string;
  userName: string;
  channelId?: string;
  messageTs?: string;
  triggerId?: string;
  /** A click in the App Home: the container is the home view, and there is no channel or message. */
  fromHome?: boolean;
}): string {
  const where = fields.fromHome
    ? { container: { type: 'view', view_id: 'V0HOME' }, view: { id: 'V0HOME', type: 'home', team_id: 'T0TEST', app_id: 'A0FLIGHTDECK' } }
    : {
        container: { type: 'message', message_ts: fields.messageTs ?? '1700000000.000001', channel_id: fields.channelId ?? 'C0DEPLOYS', is_ephemeral: false },
        channel: { id: fields.channelId ?? 'C0DEPLOYS', name: 'deploys' },
        message: { type: 'message', ts: fields.messageTs ?? '1700000000.000001', text: 'Go/No-Go needed' },
      };
  const payload = {
    type: 'block_actions',
    user: { id: fields.userId, username: fields.userName, name: fields.userName, team_id: 'T0TEST' },
    api_app_id: 'A0FLIGHTDECK',
    token: 'legacy-verification-token',
    ...where,
    trigger_id: fields.triggerId ?? newTriggerId(),
    team: { id: 'T0TEST', domain: 'flightdeck-test' },
    enterprise: null,
    is_enterprise_install: false,
    state: { values: {} },
    response_url: 'https://hooks.slack.invalid/actions/T0TEST/1/abc',
    actions: [
      {
        action_id: fields.actionId,
        block_id: 'decision',
        text: { type: 'plain_text', text: 'GO', emoji: true },
        value: fields.runId,
        style: 'primary',
        type: 'button',
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** An Events API app_home_opened delivery (JSON, as Slack posts events): `user` opened the app's `tab`. */
export function appHomeOpenedBody(fields: { userId: string; tab?: 'home' | 'messages' }): string {
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T0TEST',
    api_app_id: 'A0FLIGHTDECK',
    event: { type: 'app_home_opened', user: fields.userId, channel: `D${fields.userId.slice(1)}`, tab: fields.tab ?? 'home', event_ts: `${Date.now() / 1000}` },
    type: 'event_callback',
    event_id: `Ev${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0TEST', user_id: 'UFLIGHTDECK', is_bot: true }],
  });
}

export function newTriggerId(): string {
  return `${Date.now()}.${Math.floor(Math.random() * 1e9)}.fedcba`;
}

/** What a person typed or ticked in a modal, by input block (each block's one element has the block's id as its action_id). */
export type ModalInputs = Record<string, { text: string | null } | { ticked: string[] }>;

/**
 * A view_submission interactivity body, form-encoded as Slack posts a submitted modal: the view as the app
 * opened it (callback_id, private_metadata, blocks) plus Slack's ids and the inputs' state. Input blocks
 * the person left alone are there too, as Slack sends them (a null value, no ticked options).
 */
export function viewSubmissionBody(fields: { view: Record<string, any>; userId: string; userName: string; inputs?: ModalInputs }): string {
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of (fields.view.blocks ?? []) as Record<string, any>[]) {
    if (block.type !== 'input') continue;
    const given = fields.inputs?.[block.block_id];
    const element = block.element as { type: string; action_id: string };
    values[block.block_id] = {
      [element.action_id]:
        element.type === 'checkboxes'
          ? {
              type: 'checkboxes',
              selected_options: given && 'ticked' in given ? given.ticked.map((value) => ({ text: { type: 'plain_text', text: value }, value })) : [],
            }
          : { type: element.type, value: given && 'text' in given ? given.text : null },
    };
  }
  const payload = {
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'flightdeck-test' },
    user: { id: fields.userId, username: fields.userName, name: fields.userName, team_id: 'T0TEST' },
    api_app_id: 'A0FLIGHTDECK',
    token: 'legacy-verification-token',
    trigger_id: newTriggerId(),
    view: {
      id: 'V0DECISION1',
      team_id: 'T0TEST',
      app_id: 'A0FLIGHTDECK',
      bot_id: 'B0FLIGHTDECK',
      type: 'modal',
      callback_id: fields.view.callback_id,
      private_metadata: fields.view.private_metadata ?? '',
      title: fields.view.title,
      submit: fields.view.submit,
      close: fields.view.close,
      blocks: fields.view.blocks,
      state: { values },
      hash: `${Date.now()}.hash`,
      previous_view_id: null,
      root_view_id: 'V0DECISION1',
      clear_on_close: false,
      notify_on_close: false,
      external_id: '',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
