import type { CommandStepConfig, HttpProbe, HttpStepConfig } from './plan.ts';
import type { Prerequisite } from './readiness.ts';

/** One executable action of a run, resolved from the plan when the run is created. */
export interface Step {
  /** Stable within a run: `<phase>.<index>`, e.g. `deploy.2`. */
  id: string;
  name: string;
  action: StepAction;
  /** A rollback step that undoes one deploy step runs only if that step was started (rolling: the batches done). */
  undoes?: string;
  /** A readiness prerequisite: its failure lowers the readiness score instead of stopping the run (domain/readiness.ts). */
  prerequisite?: Prerequisite;
}

export type StepAction =
  | { kind: 'command'; argv: string[]; env: Record<string, string>; timeoutMs: number }
  /** `backoff` is absent from plans (and runs created) without one: a fixed interval. `waitFor` is polled once the call passed. */
  | ({ kind: 'http'; waitFor?: HttpCall } & HttpCall)
  /** Reads the plan's metrics every `everyMs` for `windowMs` on the version still serving traffic; their medians become the baseline. */
  | { kind: 'baseline'; windowMs: number; everyMs: number }
  /** Not run by a worker: the run holds here while checks watch production (a canary weight), then moves on by itself or when a human promotes it. */
  | { kind: 'hold'; durationMs: number; everyMs: number; promotion: 'auto' | 'manual' };

/** pre-checks (and readiness) → staging deploy and validation → [Go/No-Go] → deploy (strategy, smoke tests) → [monitoring] → finalize (retire what was kept warm); rollback when needed. */
export type Phase = 'pre_checks' | 'staging' | 'deploy' | 'finalize' | 'rollback';

export interface HttpCall {
  probe: HttpProbe;
  attempts: number;
  intervalMs: number;
  backoff?: { factor: number; maxMs?: number };
}

export function stepFrom(config: CommandStepConfig | HttpStepConfig): Omit<Step, 'id' | 'undoes'> {
  if ('run' in config) {
    return { name: config.name, action: { kind: 'command', argv: config.run, env: config.env, timeoutMs: config.timeout } };
  }
  return { name: config.name, action: { kind: 'http', ...httpCall(config), ...(config.waitFor ? { waitFor: httpCall(config.waitFor) } : {}) } };
}

function httpCall(config: Omit<HttpStepConfig, 'name' | 'waitFor'>): HttpCall {
  const backoff = config.backoff ? { backoff: { factor: config.backoff.factor, ...(config.backoff.max ? { maxMs: config.backoff.max } : {}) } } : {};
  return { probe: config.http, attempts: config.attempts, intervalMs: config.interval, ...backoff };
}

export function numbered(phase: Phase, steps: Omit<Step, 'id'>[]): Step[] {
  return steps.map((step, index) => ({ id: `${phase}.${index}`, ...step }));
}
