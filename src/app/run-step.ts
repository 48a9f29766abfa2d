import { currentStep } from '../domain/run.ts';
import { isWatchedStep } from '../domain/steps.ts';
import { measureBaseline } from '../monitors/baseline.ts';
import type { Executor, MetricSource } from '../ports.ts';
import type { StepJob } from '../queue/jobs.ts';
import { findRun } from '../store/runs.ts';
import type { AppContext } from './shared/context.ts';
import { stepContext } from './shared/step-context.ts';
import { recordEvent } from './shared/record-event.ts';
import { metricsOf } from './shared/run-metrics.ts';

/** How much of a step's output the audit trail keeps. */
const STORED_OUTPUT = 4_000;

/**
 * Worker: run the step a job names, if it is still the run's current step. `step.started` is
 * committed before the command runs, so a late or duplicate job never runs a step, and a step
 * interrupted by a crash is run again by the next worker (plan steps must be idempotent).
 * `attempt` counts the starts of the step's job: only a later one takes a started step over.
 */
export async function runStep(ctx: AppContext, executor: Executor, metrics: MetricSource, job: StepJob, attempt: number): Promise<'done' | 'stale'> {
  const run = await findRun(ctx.db, job.runId);
  const step = run && currentStep(run);
  if (!run || !step || step.id !== job.stepId || isWatchedStep(step)) return 'stale';
  const started = await recordEvent(ctx, run, { type: 'step.started', stepId: step.id, attempt });
  if (!started.ok) return 'stale';
  const outcome =
    step.action.kind === 'baseline'
      ? await measureBaseline(metrics, run.spec.monitoring?.metrics ?? [], step.action, stepContext(run))
      : { ...(await executor.run(step.action, stepContext(run))), baselines: undefined };
  metricsOf(ctx).stepFinished(step.action.kind, outcome.ok ? 'succeeded' : 'failed', outcome.durationMs / 1_000);
  ctx.log.info({ run: run.key, step: step.id, ok: outcome.ok, ms: outcome.durationMs, output: outcome.output.slice(-1_000) }, 'step finished');
  const output = outcome.output.slice(-STORED_OUTPUT);
  await recordEvent(
    ctx,
    started.run,
    outcome.ok
      ? { type: 'step.succeeded', stepId: step.id, summary: outcome.summary, output, ...(outcome.baselines ? { baselines: outcome.baselines } : {}) }
      : { type: 'step.failed', stepId: step.id, summary: outcome.summary, output },
  );
  return 'done';
}
