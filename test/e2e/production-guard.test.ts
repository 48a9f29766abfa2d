import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { FakeSocketMode } from '../support/fake-socket-mode.ts';
import { waitFor } from '../support/flightdeck.ts';

/** Runs `flightdeck <args>` as a real process with only `env` (and PATH) set; resolves with its exit code and output. */
function flightdeck(
  args: string[],
  env: Record<string, string>,
  started?: (child: ReturnType<typeof spawn>, output: () => string) => void,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/flightdeck.js'), ...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => resolve({ code, output }));
    started?.(child, () => output);
  });
}

// The finding: `NODE_ENV=production npx flightdeck serve` with nothing else set started on PGlite and a private Redis, with no chat platform.
describe('production guard rails (real processes)', () => {
  for (const command of ['serve', 'worker']) {
    it(`${command} with NODE_ENV=production and nothing else exits non-zero, naming each missing piece`, async () => {
      const { code, output } = await flightdeck([command], { NODE_ENV: 'production' });
      expect(code).toBe(1);
      expect(output).toContain('Flightdeck cannot start in production (NODE_ENV=production):');
      for (const missing of ['DATABASE_URL is not set', 'REDIS_URL is not set', 'no chat platform is configured']) expect(output).toContain(missing);
      expect(output).not.toContain('started');
    });
  }

  it('serve in production with a database and Redis but no chat platform names only that', async () => {
    const { code, output } = await flightdeck(['serve'], { NODE_ENV: 'production', DATABASE_URL: inject('databaseUrl'), REDIS_URL: inject('redisUrl') });
    expect(code).toBe(1);
    expect(output).toContain('no chat platform is configured');
    expect(output).not.toContain('DATABASE_URL');
    expect(output).not.toContain('REDIS_URL');
  });

  it('serve in production accepts Slack over Socket Mode (bot token + app token, no signing secret) and connects', async () => {
    const db = await freshPostgres();
    const slack = await new FakeSlack().start();
    const socket = await new FakeSocketMode(slack).start();
    try {
      const env = {
        NODE_ENV: 'production',
        DATABASE_URL: db.url,
        REDIS_URL: inject('redisUrl'),
        QUEUE_PREFIX: freshQueuePrefix(),
        SLACK_APP_TOKEN: 'xapp-1-A0FLIGHTDECK-1-production',
        SLACK_BOT_TOKEN: 'xoxb-production',
        SLACK_API_URL: slack.url,
        PLANS_DIR: join(PROJECT_ROOT, 'plans'),
        PORT: '0',
      };
      const { code, output } = await flightdeck(['serve'], env, (child, output) => {
        // Started (which it is only once Slack said hello): then a rolling update's SIGTERM.
        void waitFor('serve to start', async () => output().includes('flightdeck serve started'), 30_000).then(
          () => child.kill('SIGTERM'),
          () => child.kill('SIGKILL'),
        );
      });
      expect(output).not.toContain('cannot start in production');
      expect(output).toContain('slack served over Socket Mode');
      expect(output).toContain('slack socket mode connected');
      expect(slack.called('apps.connections.open').map((call) => call.token)).toEqual(['xapp-1-A0FLIGHTDECK-1-production']);
      expect(socket.connections).toHaveLength(1);
      expect(code).toBe(0);
    } finally {
      await socket.stop();
      await slack.stop();
      await db.drop();
    }
  });

  it('migrate refuses PGlite in production (it said "Migrations applied (pglite)")', async () => {
    const { code, output } = await flightdeck(['migrate'], { NODE_ENV: 'production' });
    expect(code).toBe(1);
    expect(output).toContain('DATABASE_URL is not set');
    expect(output).not.toContain('Migrations applied');
  });

  it('TEAMS_ALLOW_UNAUTHENTICATED=true is refused in production', async () => {
    const { code, output } = await flightdeck(['serve'], { NODE_ENV: 'production', TEAMS_ALLOW_UNAUTHENTICATED: 'true' });
    expect(code).toBe(1);
    expect(output).toContain('TEAMS_ALLOW_UNAUTHENTICATED=true is refused in production');
  });

  it('the demo does not run in production', async () => {
    const { code, output } = await flightdeck(['demo', '--script'], { NODE_ENV: 'production' });
    expect(code).toBe(1);
    expect(output).toContain('does not run with NODE_ENV=production');
  });
});
