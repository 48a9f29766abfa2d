import { spawn } from 'node:child_process';
import type { StepAction } from '../domain/steps.ts';
import type { StepContext, StepOutcome } from '../ports.ts';
import { interpolate, runEnvironment } from './interpolate.ts';

const OUTPUT_TAIL = 4_000;

/**
 * Runs an argv array without a shell: nothing a user typed is ever parsed by one. The run's
 * identity arrives as FLIGHTDECK_* variables. The command stays in the worker's process group,
 * so when the worker's container or group dies the half-run command dies with it, and the step
 * is run again, whole, by the next worker.
 */
export async function runCommand(action: Extract<StepAction, { kind: 'command' }>, context: StepContext, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<StepOutcome> {
  const started = Date.now();
  const stepEnv: Record<string, string> = {};
  for (const [name, template] of Object.entries(action.env)) stepEnv[name] = interpolate(template, context, options.env).value;
  const [program, ...args] = action.argv as [string, ...string[]];
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
  };
  return new Promise<StepOutcome>((resolve) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: { ...options.env, ...stepEnv, ...runEnvironment(context) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, action.timeoutMs);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const done = (ok: boolean, summary: string) => {
      clearTimeout(timer);
      resolve({ ok, summary, output, durationMs: Date.now() - started });
    };
    child.on('error', (error) => done(false, `could not start ${program}: ${error.message}`));
    child.on('close', (code, signal) => {
      const lastLine = output.trim().split('\n').pop()?.slice(0, 200) ?? '';
      if (timedOut) return done(false, `timed out after ${Math.round(action.timeoutMs / 1000)}s`);
      if (code === 0) return done(true, lastLine || 'exit 0');
      done(false, `exit ${code ?? signal}${lastLine ? `: ${lastLine}` : ''}`);
    });
  });
}
