import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExecutor } from '../../src/executors/registry.ts';
import type { StepContext } from '../../src/ports.ts';

const context: StepContext = { runId: '11111111-1111-4111-8111-111111111111', runKey: 'api-7', service: 'api', version: '1.4.2', environment: 'production' };
const dir = mkdtempSync(join(tmpdir(), 'flightdeck-exec-'));
const executor = createExecutor({ cwd: dir, env: { PATH: process.env.PATH, TARGET: 'blue' } });
const run = (argv: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}) =>
  executor.run({ kind: 'command', argv, env: options.env ?? {}, timeoutMs: options.timeoutMs ?? 10_000 }, context);
const node = (script: string, ...args: string[]) => [process.execPath, '-e', script, ...args];

describe('command executor (a real child process, no shell)', () => {
  it('passes each argument literally: shell syntax reaches the program as text and is never run', async () => {
    const marker = join(dir, 'pwned');
    const tricky = [`$(touch ${marker})`, `; touch ${marker}`, '`id`', '*', '"quoted" $HOME'];
    const outcome = await run(node('console.log(JSON.stringify(process.argv.slice(1)))', ...tricky));
    expect(outcome.ok).toBe(true);
    expect(JSON.parse(outcome.output)).toEqual(tricky);
    expect(existsSync(marker)).toBe(false);
  });

  it('gives the child the run as FLIGHTDECK_* variables and fills ${env.NAME} in step env values', async () => {
    const script =
      'const e = process.env; console.log(JSON.stringify([e.FLIGHTDECK_SERVICE, e.FLIGHTDECK_VERSION, e.FLIGHTDECK_ENVIRONMENT, e.FLIGHTDECK_RUN, e.FLIGHTDECK_RUN_ID, e.SLOT]))';
    const outcome = await run(node(script), { env: { SLOT: 'slot-${env.TARGET}' } });
    expect(JSON.parse(outcome.output)).toEqual(['api', '1.4.2', 'production', 'api-7', context.runId, 'slot-blue']);
    expect(outcome).toMatchObject({ ok: true, summary: outcome.output.trim() });
  });

  it('fills ${version}, ${service}, ${environment} and ${run} inside one argv element, which stays one element', async () => {
    const argv = ['api=registry.example/${service}:${version}', '${environment} and ${run}', '${env.TARGET}', '${unknown}', '$(id) ${version}'];
    const outcome = await run(node('console.log(JSON.stringify(process.argv.slice(1)))', ...argv));
    expect(JSON.parse(outcome.output)).toEqual(['api=registry.example/api:1.4.2', 'production and api-7', '${env.TARGET}', '${unknown}', '$(id) 1.4.2']);
  });

  it('a non-zero exit fails the step with the exit code and the last line of output', async () => {
    const outcome = await run(node('console.log("migrating"); console.error("relation users already exists"); process.exit(3)'));
    expect(outcome).toMatchObject({ ok: false, summary: 'exit 3: relation users already exists' });
    expect(outcome.output).toContain('migrating');
  });

  it('a command that overruns its timeout is killed and reported as timed out', async () => {
    const started = Date.now();
    const outcome = await run(node('setTimeout(() => {}, 60_000)'), { timeoutMs: 300 });
    expect(outcome).toMatchObject({ ok: false, summary: expect.stringMatching(/^timed out after/) });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a program that does not exist fails the step instead of throwing', async () => {
    const outcome = await run(['definitely-not-a-program-xyz', '--version']);
    expect(outcome).toMatchObject({ ok: false, summary: expect.stringContaining('could not start definitely-not-a-program-xyz') });
  });

  // A grandchild (a deploy script's `kubectl rollout status`, `sleep`, …) holding the output pipes must
  // neither delay the report nor outlive the timeout.
  it('a timed-out command whose own child holds its output is reported on time, and its child is killed too', async () => {
    const started = Date.now();
    const outcome = await run(
      node('const c = require("node:child_process").spawn("sleep", ["30"], { stdio: "inherit" }); console.log("child", c.pid); setTimeout(() => {}, 60_000)'),
      { timeoutMs: 500 },
    );
    expect(outcome).toMatchObject({ ok: false, summary: 'timed out after 500ms' });
    expect(Date.now() - started).toBeLessThan(5_000);
    const grandchild = Number(/child (\d+)/.exec(outcome.output)?.[1]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Gone, or a zombie waiting for a PID 1 that does not reap (containers): either way, no longer running.
    const state = existsSync(`/proc/${grandchild}/stat`) ? readFileSync(`/proc/${grandchild}/stat`, 'utf8').split(') ')[1]![0] : 'gone';
    expect(['gone', 'Z', 'X']).toContain(state);
  });
});
