import type { MetricSource, Monitor } from '../ports.ts';
import { withLimits, type Reading } from '../domain/assess.ts';
import { CHECKED_STATES, checkSlot } from '../domain/run.ts';
import type { CheckJob } from '../queue/jobs.ts';
import { findRun } from '../store/runs.ts';
import type { AppContext } from './shared/context.ts';
import { recordEvent } from './shared/record-event.ts';
import { metricsOf } from './shared/run-metrics.ts';
import { stepContext } from './shared/step-context.ts';

/**
 * Worker: measure production for one scheduled check (health and every metric; while a rollback is
 * validated, also which version answers) and let the domain decide: continue, succeed, roll back, or judge the rollback.
 */
export async function runCheck(ctx: AppContext, monitor: Monitor, metrics: MetricSource, job: CheckJob): Promise<'done' | 'stale'> {
  const run = await findRun(ctx.db, job.runId);
  if (!run || !CHECKED_STATES.includes(run.state) || run.nextCheck !== job.seq) return 'stale';
  const validating = run.state === 'validating_rollback';
  if (!run.spec.monitoring && !validating) return 'stale';
  // Lateness against the slot the domain scheduled it for: a backed-up queue or a slow worker shows here first.
  if (run.watch) metricsOf(ctx).checkRan((ctx.clock.now().getTime() - Date.parse(checkSlot(run, job.seq).at)) / 1_000);
  const context = stepContext(run);
  const monitoring = run.spec.monitoring;
  const [measurement, versions, ...readings] = await Promise.all([
    monitoring ? monitor.check(monitoring.check, context) : Promise.resolve({ healthy: true, detail: 'no health check in the plan' }),
    validating && run.spec.versionProbe ? monitor.versions(run.spec.versionProbe, context) : Promise.resolve(undefined),
    ...(monitoring?.metrics ?? []).map((metric) => metrics.read(metric, context)),
  ]);
  const event = {
    type: 'check' as const,
    seq: job.seq,
    healthy: measurement.healthy,
    detail: measurement.detail,
    readings: withLimits(readings as Reading[], run.spec.triggers, run.baselines),
    ...(versions ? { versions } : {}),
  };
  const result = await recordEvent(ctx, run, event);
  return result.ok ? 'done' : 'stale';
}
