import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { StepAction } from '../domain/steps.ts';
import type { StepContext, StepOutcome } from '../ports.ts';
import { formatDuration } from '../domain/duration.ts';
import { interpolate, runEnvironment, withRunVariables } from './interpolate.ts';

const OUTPUT_TAIL = 4_000;

/**
 * Runs an argv array without a shell: nothing a user typed is ever parsed by one. The run's
 * identity arrives as FLIGHTDECK_* variables, and ${version} (${service}, ${environment}, ${run}) in
 * an argv element is filled in that one element (`api=registry/api:${version}`). The command
 * stays in the worker's process group, so when the worker's container or group dies the half-run
 * command dies with it, and the step is run again, whole, by the next worker.
 */
export async function runCommand(
  action: Extract<StepAction, { kind: 'command' }>,
  context: StepContext,
  options: { cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<StepOutcome> {
  const started = Date.now();
  const stepEnv: Record<string, string> = {};
  for (const [name, template] of Object.entries(action.env)) stepEnv[name] = interpolate(template, context, options.env).value;
  const [program, ...args] = action.argv.map((element) => withRunVariables(element, context)) as [string, ...string[]];
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
    let finished = false;
    const done = (ok: boolean, summary: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve({ ok, summary, output, durationMs: Date.now() - started });
    };
    // On timeout the command and everything it started die; the step is reported at once, even if a
    // grandchild that escaped the kill still holds the output pipes open.
    const timer = setTimeout(() => {
      if (child.pid) for (const pid of [...descendantsOf(child.pid), child.pid]) kill(pid);
      child.stdout.destroy();
      child.stderr.destroy();
      done(false, `timed out after ${formatDuration(action.timeoutMs)}`);
    }, action.timeoutMs);
    // Abandoned (a worker shutting down handed the step back): the command and what it started die with no report.
    options.signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      if (child.pid) for (const pid of [...descendantsOf(child.pid), child.pid]) kill(pid);
    });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => done(false, `could not start ${program}: ${error.message}`));
    child.on('close', (code, signal) => {
      const lastLine = output.trim().split('\n').pop()?.slice(0, 200) ?? '';
      if (code === 0) return done(true, lastLine || 'exit 0');
      done(false, `exit ${code ?? signal}${lastLine ? `: ${lastLine}` : ''}`);
    });
  });
}

/** Every process below `root`, from Linux's /proc (elsewhere: none, and only the command itself is killed). */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const name of entries) {
    try {
      // The command name (field 2) may hold spaces and parentheses: read the fields after its closing ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) for (const child of children.get(queue.shift()!) ?? []) (found.push(child), queue.push(child));
  return found;
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
