import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/runtime.ts';

/** Runs `flightdeck <args>` as a real process with only `env` (and PATH) set; resolves with its exit code and output. */
function flightdeck(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
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
