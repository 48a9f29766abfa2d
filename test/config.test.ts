import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('configuration', () => {
  it('runs on defaults: embedded database and Redis, no Slack', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, PLANS_DIR: 'plans', slack: null, WORKER_LOCK_MS: 30_000 });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('lists every problem at once, by variable', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'not a url', LOG_LEVEL: 'loud' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('PORT');
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('LOG_LEVEL');
  });

  it('Slack needs both its secret and its token', () => {
    expect(() => loadConfig({ SLACK_SIGNING_SECRET: 'x' })).toThrow(/SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN go together/);
    expect(loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: 'http://127.0.0.1:9/api/' }).slack).toEqual({ signingSecret: 's', botToken: 'xoxb-1', apiUrl: 'http://127.0.0.1:9/api/' });
  });

  it('treats empty variables as unset, as .env files write them', () => {
    expect(loadConfig({ DATABASE_URL: '', SLACK_SIGNING_SECRET: '', SLACK_BOT_TOKEN: '' })).toMatchObject({ DATABASE_URL: undefined, slack: null });
  });
});
