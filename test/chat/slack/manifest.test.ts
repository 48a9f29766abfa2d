import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/runtime.ts';
import { SLACK_ENDPOINT } from '../../../src/chat/slack/bolt.ts';
import { SLACK_BOT_EVENTS } from '../../../src/chat/slack/home.ts';

const manifest = (name: string) => parse(readFileSync(join(PROJECT_ROOT, 'manifests', name), 'utf8')) as Record<string, any>;

/** The two Slack app manifests: one app, reached over HTTP or over Socket Mode. */
describe('Slack app manifests', () => {
  const http = manifest('slack-app.yaml');
  const socket = manifest('slack-app.socket.yaml');

  it('HTTP: the command and interactivity point at /slack/events, Socket Mode off', () => {
    expect(http.features.slash_commands.map((command: { url: string }) => new URL(command.url).pathname)).toEqual([SLACK_ENDPOINT]);
    expect(new URL(http.settings.interactivity.request_url).pathname).toBe(SLACK_ENDPOINT);
    expect(new URL(http.settings.event_subscriptions.request_url).pathname).toBe(SLACK_ENDPOINT);
    expect(http.settings.socket_mode_enabled).toBe(false);
  });

  it('Socket Mode: enabled, and no request URL anywhere (Flightdeck needs no public address)', () => {
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(socket.settings.interactivity).toEqual({ is_enabled: true });
    expect(socket.settings.event_subscriptions).toEqual({ bot_events: [...SLACK_BOT_EVENTS] });
    expect(JSON.stringify(socket)).not.toMatch(/"(url|request_url)"/);
  });

  it('otherwise the same app: commands, scopes, app home and bot user', () => {
    const withoutUrls = (value: Record<string, any>) => ({
      ...value,
      features: { ...value.features, slash_commands: value.features.slash_commands.map(({ url: _url, ...command }: Record<string, unknown>) => command) },
      settings: {
        ...value.settings,
        interactivity: { is_enabled: value.settings.interactivity.is_enabled },
        event_subscriptions: { bot_events: value.settings.event_subscriptions.bot_events },
        socket_mode_enabled: null,
      },
    });
    expect(withoutUrls(socket)).toEqual(withoutUrls(http));
  });

  it.each([
    ['HTTP', http],
    ['Socket Mode', socket],
  ])('%s: the Home tab is on beside the Messages tab, and the bot hears app_home_opened (every event Flightdeck listens to)', (_name, app) => {
    expect(app.features.app_home).toEqual({ home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: true });
    expect(app.settings.event_subscriptions.bot_events).toEqual([...SLACK_BOT_EVENTS]);
    expect(SLACK_BOT_EVENTS).toContain('app_home_opened');
  });
});
