import { mkdtempSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExecutor } from '../../src/executors/registry.ts';
import type { StepContext } from '../../src/ports.ts';

const context: StepContext = { runId: '11111111-1111-4111-8111-111111111111', runKey: 'api-7', service: 'api', version: '1.4.2', environment: 'production' };
const dir = mkdtempSync(join(tmpdir(), 'flightdeck-exec-'));
const executor = createExecutor({ cwd: dir, env: { ...process.env, TARGET: 'blue' } });
const node = (script: string, env: Record<string, string> = {}, timeoutMs = 10_000) => executor.run({ kind: 'command', argv: [process.execPath, '-e', script, '$(touch pwned)', '; rm -rf /'], env, timeoutMs }, context);

describe('command executor', () => {
  it('passes arguments literally, with no shell, and the run as FLIGHTDECK_* variables', async () => {
    const outcome = await node('console.log(JSON.stringify({ args: process.argv.slice(1), env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("FLIGHTDECK_") || k === "SLOT")) }))', { SLOT: '${env.TARGET}' });
    expect(outcome.ok).toBe(true);
    const printed = JSON.parse(outcome.output);
    expect(printed.args).toEqual(['$(touch pwned)', '; rm -rf /']);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(printed.env).toEqual({ FLIGHTDECK_RUN_ID: context.runId, FLIGHTDECK_RUN: 'api-7', FLIGHTDECK_SERVICE: 'api', FLIGHTDECK_VERSION: '1.4.2', FLIGHTDECK_ENVIRONMENT: 'production', SLOT: 'blue' });
  });

  it('a non-zero exit is a failed step whose summary carries the code and the last line', async () => {
    const outcome = await node('console.log("migrating"); console.error("relation users already exists"); process.exit(3)');
    expect(outcome).toMatchObject({ ok: false, summary: 'exit 3: relation users already exists' });
    expect(outcome.output).toContain('migrating');
  });

  it('a command that overruns its timeout is killed and reported', async () => {
    const started = Date.now();
    const outcome = await node('setTimeout(() => {}, 60_000)', {}, 300);
    expect(outcome).toMatchObject({ ok: false, summary: 'timed out after 0s' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a program that does not exist fails the step instead of throwing', async () => {
    const outcome = await executor.run({ kind: 'command', argv: ['definitely-not-a-program-xyz'], env: {}, timeoutMs: 5_000 }, context);
    expect(outcome).toMatchObject({ ok: false, summary: expect.stringContaining('could not start definitely-not-a-program-xyz') });
  });
});
