import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/runtime.ts';
import { SLACK_ENDPOINT } from '../../../src/chat/slack/bolt.ts';

const manifest = (name: string) => parse(readFileSync(join(PROJECT_ROOT, 'manifests', name), 'utf8')) as Record<string, any>;

/** The two Slack app manifests: one app, reached over HTTP or over Socket Mode. */
describe('Slack app manifests', () => {
  const http = manifest('slack-app.yaml');
  const socket = manifest('slack-app.socket.yaml');

  it('HTTP: the command and interactivity point at /slack/events, Socket Mode off', () => {
    expect(http.features.slash_commands.map((command: { url: string }) => new URL(command.url).pathname)).toEqual([SLACK_ENDPOINT]);
    expect(new URL(http.settings.interactivity.request_url).pathname).toBe(SLACK_ENDPOINT);
    expect(http.settings.socket_mode_enabled).toBe(false);
  });

  it('Socket Mode: enabled, and no request URL anywhere (Flightdeck needs no public address)', () => {
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(socket.settings.interactivity).toEqual({ is_enabled: true });
    expect(JSON.stringify(socket)).not.toMatch(/"(url|request_url)"/);
  });

  it('otherwise the same app: commands, scopes, app home and bot user', () => {
    const withoutUrls = (value: Record<string, any>) => ({
      ...value,
      features: { ...value.features, slash_commands: value.features.slash_commands.map(({ url: _url, ...command }: Record<string, unknown>) => command) },
      settings: { ...value.settings, interactivity: { is_enabled: value.settings.interactivity.is_enabled }, socket_mode_enabled: null },
    });
    expect(withoutUrls(socket)).toEqual(withoutUrls(http));
  });
});
