import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/runtime.ts';

/** The README's first command, as a user runs it: the embedded default (PGlite, a Redis child process), scripted. */
describe('flightdeck demo --script', () => {
  it('deploys a good version, rolls back a broken one (on-call acknowledges), deploys by canary, and prints every chat message', async () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    delete env.LOG_LEVEL;
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/flightdeck.js'), 'demo', '--script'], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

    expect(output).toContain('Run demo-1 created');
    expect(output).toContain('Only approvers may decide'); // alice pressed GO and was refused
    expect(output).toContain('Deployment Complete: demo 1.1.0 ✅');
    expect(output).toContain('✅ Retire the old slot'); // blue-green: the old slot is kept warm through monitoring, then retired
    expect(output).toContain('trigger "health failing for 3 checks" fired');
    expect(output).toContain('URGENT: Deployment Rolled Back - demo 1.2.0-broken');
    // Said only after the validation asked production which version answers.
    expect(output).toContain('Validated: 1.1.0 serves again');
    expect(output).toContain('20 of 20 requests answered 1.1.0');
    expect(output).toMatch(/On-call: @carol/);
    expect(output).toContain('# Deployment Report: demo 1.2.0-broken (demo-2)');
    expect(output).toMatch(/Page acknowledged by carol/);
    expect(output).toContain('Send 25% of traffic to the canary');
    expect(output).toContain('Deployment Complete: demo 1.3.0 ✅');
    expect(output).toContain('✓ Story finished: demo-1 succeeded, demo-2 rolled back, demo-3 succeeded');
    expect(code).toBe(0);
  }, 120_000);
});
