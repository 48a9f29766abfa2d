import type { CommandStepConfig, HttpProbe, HttpStepConfig } from './plan.ts';
import type { Prerequisite } from './readiness.ts';

/** One executable action of a run, resolved from the plan when the run is created. */
export interface Step {
  /** Stable within a run: `<phase>.<index>`, e.g. `deploy.2`. */
  id: string;
  name: string;
  action: StepAction;
  /**
   * A rollback step that undoes deploy steps runs only if one of them changed production: it succeeded, or
   * it failed and may leave partial changes (`partialOnFailure`). See domain/rollback-steps.ts.
   */
  undoes?: string[];
  /** A deploy step whose failure may leave production changed in part, so a rollback undoes it even then. */
  partialOnFailure?: boolean;
  /**
   * Rollback steps come in levels (feature flag: 0 turns the flag off, 1 brings the previous version back);
   * each level ends with its validation, and the next level runs only when that validation fails.
   */
  level?: number;
  /** A rollback check (a smoke test, verifyRollback): its failure is evidence against the level, not a stop. */
  evidence?: boolean;
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
  | { kind: 'hold'; durationMs: number; everyMs: number; promotion: 'auto' | 'manual' }
  /** Not run by a worker: the seeds' Rollback Validation. Checks watch production every `everyMs` for `windowMs` after a rollback level. */
  | { kind: 'validate'; windowMs: number; everyMs: number };

/** pre-checks (and readiness) → staging deploy and validation → [Go/No-Go] → deploy (strategy, smoke tests) → [monitoring] → finalize (retire what was kept warm); rollback when needed. */
export type Phase = 'pre_checks' | 'staging' | 'deploy' | 'finalize' | 'rollback';

export interface HttpCall {
  probe: HttpProbe;
  attempts: number;
  intervalMs: number;
  backoff?: { factor: number; maxMs?: number };
}

export function stepFrom(config: CommandStepConfig | HttpStepConfig): Omit<Step, 'id' | 'undoes'> {
  const partial = config.partialOnFailure ? { partialOnFailure: true } : {};
  if ('run' in config) {
    return { name: config.name, action: { kind: 'command', argv: config.run, env: config.env, timeoutMs: config.timeout }, ...partial };
  }
  return { name: config.name, action: { kind: 'http', ...httpCall(config), ...(config.waitFor ? { waitFor: httpCall(config.waitFor) } : {}) }, ...partial };
}

/** Steps the run holds on while checks watch production, rather than steps a worker runs. */
export function isWatchedStep(step: Step): boolean {
  return step.action.kind === 'hold' || step.action.kind === 'validate';
}

function httpCall(config: Omit<HttpStepConfig, 'name' | 'waitFor' | 'partialOnFailure'>): HttpCall {
  const backoff = config.backoff ? { backoff: { factor: config.backoff.factor, ...(config.backoff.max ? { maxMs: config.backoff.max } : {}) } } : {};
  return { probe: config.http, attempts: config.attempts, intervalMs: config.interval, ...backoff };
}

export function numbered(phase: Phase, steps: Omit<Step, 'id'>[]): Step[] {
  return steps.map((step, index) => ({ id: `${phase}.${index}`, ...step }));
}
