import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../src/runtime.ts';
import { freePort } from '../src/services/ports.ts';

const CLI = join(PROJECT_ROOT, 'bin/flightdeck.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8' });

describe('flightdeck, the command line', () => {
  it.each(['--help', 'help', '-h', 'demo --help', 'serve --help', 'plan check --help'])('flightdeck %s prints the usage and exits 0', (line) => {
    const result = run(...line.split(' '));
    expect(result.stdout).toContain('Usage: flightdeck <command>');
    expect(result.stdout).toContain('demo [--script] [--port N]');
    expect(result.status).toBe(0);
  });

  it('an unknown command or a port that is not one exits 2 saying so', () => {
    expect(run('deploy')).toMatchObject({ status: 2, stderr: expect.stringContaining('"deploy" is not a flightdeck command.') });
    expect(run('serve', '--port', 'abc')).toMatchObject({ status: 2, stderr: expect.stringContaining('--port takes a port number') });
    expect(run('serve', '--port=99999')).toMatchObject({ status: 2 });
  });

  it('serve --port N listens on N', async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: inject('redisUrl'), LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL; // the embedded database: nothing shared is migrated by this test
    delete env.PORT;
    const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port)], { cwd: PROJECT_ROOT, env, stdio: 'ignore' });
    try {
      await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.status, { timeout: 60_000, interval: 250 }).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }, 90_000);
});
