import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, productionGaps, teamsServed } from '../src/config.ts';

const problemsOf = (env: NodeJS.ProcessEnv): string => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
};

describe('loadConfig', () => {
  // Was "unauthenticated Teams": Teams without an app id is now served only when TEAMS_ALLOW_UNAUTHENTICATED=true says so.
  it('runs on defaults: embedded database and Redis, no Slack, no Teams', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      WORKER_PORT: 3001,
      // Under Kubernetes' default 30 s terminationGracePeriodSeconds, so a worker hands its jobs back before SIGKILL.
      SHUTDOWN_GRACE_MS: 25_000,
      LOG_LEVEL: 'info',
      PLANS_DIR: 'plans',
      QUEUE_PREFIX: 'flightdeck',
      WORKER_LOCK_MS: 30_000,
      RELAY_INTERVAL_MS: 2_000,
      slack: null,
    });
    expect([config.DATABASE_URL, config.REDIS_URL, config.teams.authenticated]).toEqual([undefined, undefined, false]);
    expect(teamsServed(config.teams)).toBe(false);
  });

  it('parses the values it is given', () => {
    expect(loadConfig({ PORT: '8080', DATABASE_URL: 'postgres://u@db:5432/fd', WORKER_LOCK_MS: '5000' })).toMatchObject({
      PORT: 8080,
      DATABASE_URL: 'postgres://u@db:5432/fd',
      WORKER_LOCK_MS: 5_000,
    });
  });

  it('lists every bad variable in one readable message', () => {
    const message = problemsOf({ PORT: 'abc', DATABASE_URL: 'not-a-url', LOG_LEVEL: 'loud' });
    expect(message.split('\n')[0]).toBe("Flightdeck's configuration is not valid:");
    expect(message).toMatch(/^ {2}PORT: /m);
    expect(message).toMatch(/^ {2}DATABASE_URL: must be a URL starting with postgres:\/\//m);
    expect(message).toMatch(/^ {2}LOG_LEVEL: /m);
    expect(message.split('\n')).toHaveLength(4);
  });

  it('refuses half a Slack configuration and builds it from both halves', () => {
    expect(problemsOf({ SLACK_SIGNING_SECRET: 'secret' })).toContain('SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN go together');
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1' })).toContain('SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN go together');
    const config = loadConfig({ SLACK_SIGNING_SECRET: 'secret', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: 'http://127.0.0.1:9/api/' });
    expect(config.slack).toEqual({
      mode: 'http',
      signingSecret: 'secret',
      botToken: 'xoxb-1',
      apiUrl: 'http://127.0.0.1:9/api/',
      teamId: undefined,
      lateAnswerMs: 2_000,
      lateWriteMs: 2_500,
    });
    // A slow read's answer moves to response_url after 2 s by default; 0 always, and past Slack's 3 s is refused.
    expect(loadConfig({ SLACK_SIGNING_SECRET: 'secret', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_LATE_ANSWER_MS: '0' }).slack?.lateAnswerMs).toBe(0);
    expect(problemsOf({ SLACK_SIGNING_SECRET: 'secret', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_LATE_ANSWER_MS: '5000' })).toContain('SLACK_LATE_ANSWER_MS');
    // A write's ack falls back to "still working" after 2.5 s by default (Slack's 3 s less a margin); past 2.8 s is refused.
    expect(loadConfig({ SLACK_SIGNING_SECRET: 'secret', SLACK_BOT_TOKEN: 'xoxb-1' }).slack?.lateWriteMs).toBe(2_500);
    expect(problemsOf({ SLACK_SIGNING_SECRET: 'secret', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_LATE_WRITE_MS: '3000' })).toContain('SLACK_LATE_WRITE_MS');
  });

  it('chooses Socket Mode when an app-level token is set: no signing secret needed, the bot token still is', () => {
    expect(loadConfig({ SLACK_APP_TOKEN: 'xapp-1-A1-2-abc', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_TEAM_ID: 'T0123ABCD' }).slack).toEqual({
      mode: 'socket',
      appToken: 'xapp-1-A1-2-abc',
      botToken: 'xoxb-1',
      apiUrl: undefined,
      teamId: 'T0123ABCD',
      lateAnswerMs: 2_000,
      lateWriteMs: 2_500,
    });
    // A signing secret left over from HTTP does not switch it back: nothing arrives over HTTP to check.
    expect(loadConfig({ SLACK_APP_TOKEN: 'xapp-1', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }).slack?.mode).toBe('socket');
    expect(problemsOf({ SLACK_APP_TOKEN: 'xapp-1' })).toContain('SLACK_APP_TOKEN (Socket Mode) needs SLACK_BOT_TOKEN too');
    expect(problemsOf({ SLACK_APP_TOKEN: 'xoxb-1', SLACK_BOT_TOKEN: 'xoxb-1' })).toMatch(/^ {2}SLACK_APP_TOKEN: must be an app-level token \(xapp-/m);
    expect(loadConfig({ SLACK_APP_TOKEN: '', SLACK_BOT_TOKEN: '' }).slack).toBeNull();
  });

  it('treats empty variables as unset, as .env files write them', () => {
    expect(loadConfig({ DATABASE_URL: '', SLACK_SIGNING_SECRET: '', SLACK_BOT_TOKEN: '', TEAMS_APP_ID: '' })).toMatchObject({
      DATABASE_URL: undefined,
      slack: null,
      teams: { authenticated: false },
    });
  });

  // `PORT=` in a .env file must mean the default, not port 0 (Number('') is 0).
  it('treats an empty number variable as unset too', () => {
    expect(loadConfig({ PORT: '', WORKER_LOCK_MS: '' })).toMatchObject({ PORT: 3000, WORKER_LOCK_MS: 30_000 });
  });

  it('refuses service URLs without the right scheme (a common typo that z.url() alone accepts)', () => {
    expect(() => loadConfig({ DATABASE_URL: 'localhost:5432' })).toThrow(/DATABASE_URL: must be a URL starting with postgres:\/\/ or postgresql:\/\//);
    expect(() => loadConfig({ REDIS_URL: 'redis:6379' })).toThrow(/REDIS_URL/);
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@db/x', REDIS_URL: 'rediss://cache:6380' })).toMatchObject({
      DATABASE_URL: 'postgresql://u@db/x',
      REDIS_URL: 'rediss://cache:6380',
    });
  });

  it('serves Teams without an app id only when TEAMS_ALLOW_UNAUTHENTICATED=true says so, and never in production', () => {
    expect(teamsServed(loadConfig({ TEAMS_ALLOW_UNAUTHENTICATED: 'true' }).teams)).toBe(true);
    expect(teamsServed(loadConfig({ TEAMS_ALLOW_UNAUTHENTICATED: 'false' }).teams)).toBe(false);
    expect(teamsServed(loadConfig({ TEAMS_ALLOW_UNAUTHENTICATED: '' }).teams)).toBe(false);
    expect(loadConfig({ TEAMS_APP_ID: 'app', TEAMS_ALLOW_UNAUTHENTICATED: 'true' }).teams).toMatchObject({ authenticated: true, allowUnauthenticated: false });
    expect(problemsOf({ TEAMS_ALLOW_UNAUTHENTICATED: 'yes' })).toMatch(/^ {2}TEAMS_ALLOW_UNAUTHENTICATED: /m);
    expect(problemsOf({ NODE_ENV: 'production', TEAMS_ALLOW_UNAUTHENTICATED: 'true' })).toContain('TEAMS_ALLOW_UNAUTHENTICATED=true is refused in production');
  });

  it('reads SLACK_TEAM_ID as a workspace id', () => {
    expect(loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_TEAM_ID: 'T0123ABCD' }).slack?.teamId).toBe('T0123ABCD');
    expect(problemsOf({ SLACK_TEAM_ID: 'acme' })).toMatch(/^ {2}SLACK_TEAM_ID: must be a Slack workspace id/m);
  });

  describe('in production', () => {
    const slack = { SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' };
    const services = { DATABASE_URL: 'postgres://u@db/fd', REDIS_URL: 'redis://cache:6379' };
    it('names every missing piece: the database, Redis, a chat platform', () => {
      const gaps = productionGaps(loadConfig({ NODE_ENV: 'production' }), 'runtime');
      expect(gaps).toEqual([
        expect.stringMatching(/^DATABASE_URL is not set/),
        expect.stringMatching(/^REDIS_URL is not set/),
        expect.stringMatching(/^no chat platform is configured/),
      ]);
    });
    it('is satisfied by Postgres, Redis and Slack (over HTTP or Socket Mode) or an authenticated Teams', () => {
      expect(productionGaps(loadConfig({ NODE_ENV: 'production', ...services, ...slack }), 'runtime')).toEqual([]);
      expect(productionGaps(loadConfig({ NODE_ENV: 'production', ...services, SLACK_APP_TOKEN: 'xapp-1', SLACK_BOT_TOKEN: 'xoxb-1' }), 'runtime')).toEqual([]);
      expect(productionGaps(loadConfig({ NODE_ENV: 'production', ...services, TEAMS_APP_ID: 'app', TEAMS_APP_PASSWORD: 'pw' }), 'runtime')).toEqual([]);
    });
    it('migrate needs only the database', () => {
      expect(productionGaps(loadConfig({ NODE_ENV: 'production' }), 'database')).toEqual([expect.stringMatching(/^DATABASE_URL is not set/)]);
      expect(productionGaps(loadConfig({ NODE_ENV: 'production', DATABASE_URL: services.DATABASE_URL }), 'database')).toEqual([]);
    });
    it('refuses unauthenticated Teams even when set in code rather than the environment (the demo)', () => {
      const config = loadConfig({ NODE_ENV: 'production', ...services, ...slack });
      expect(productionGaps({ ...config, teams: { ...config.teams, allowUnauthenticated: true } }, 'runtime')).toEqual([
        expect.stringContaining('unauthenticated Teams is refused'),
      ]);
    });
    it('asks nothing outside production', () => {
      expect(productionGaps(loadConfig({}), 'runtime')).toEqual([]);
    });
  });
});
