import type { CommandStepConfig, HttpProbe, HttpStepConfig } from './plan.ts';

/** One executable action of a run, resolved from the plan when the run is created. */
export interface Step {
  /** Stable within a run: `<phase>.<index>`, e.g. `deploy.2`. */
  id: string;
  name: string;
  action: StepAction;
}

export type StepAction =
  | { kind: 'command'; argv: string[]; env: Record<string, string>; timeoutMs: number }
  | { kind: 'http'; probe: HttpProbe; attempts: number; intervalMs: number }
  /** Reads the plan's metrics every `everyMs` for `windowMs` on the version still serving traffic; their medians become the baseline. */
  | { kind: 'baseline'; windowMs: number; everyMs: number };

export type Phase = 'pre_checks' | 'deploy' | 'rollback';

export function stepFrom(config: CommandStepConfig | HttpStepConfig): Omit<Step, 'id'> {
  if ('run' in config) {
    return { name: config.name, action: { kind: 'command', argv: config.run, env: config.env, timeoutMs: config.timeout } };
  }
  return { name: config.name, action: { kind: 'http', probe: config.http, attempts: config.attempts, intervalMs: config.interval } };
}

export function numbered(phase: Phase, steps: Omit<Step, 'id'>[]): Step[] {
  return steps.map((step, index) => ({ id: `${phase}.${index}`, ...step }));
}
