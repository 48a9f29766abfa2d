import type { MetricSource, Monitor } from '../ports.ts';
import { withLimits, type Reading } from '../domain/assess.ts';
import { WATCHED_STATES } from '../domain/run.ts';
import type { CheckJob } from '../queue/jobs.ts';
import { findRun } from '../store/runs.ts';
import type { AppContext } from './context.ts';
import { recordEvent } from './record-event.ts';
import { stepContext } from './run-step.ts';

/** Worker: measure production for one scheduled check (health and every metric) and let the domain decide: continue, succeed or roll back. */
export async function runCheck(ctx: AppContext, monitor: Monitor, metrics: MetricSource, job: CheckJob): Promise<'done' | 'stale'> {
  const run = await findRun(ctx.db, job.runId);
  if (!run || !WATCHED_STATES.includes(run.state) || run.nextCheck !== job.seq || !run.spec.monitoring) return 'stale';
  const context = stepContext(run);
  const [measurement, ...readings] = await Promise.all([monitor.check(run.spec.monitoring.check, context), ...run.spec.monitoring.metrics.map((metric) => metrics.read(metric, context))]);
  const result = await recordEvent(ctx, run.id, { type: 'check', seq: job.seq, healthy: measurement!.healthy, detail: measurement!.detail, readings: withLimits(readings as Reading[], run.spec.triggers, run.baselines) });
  return result.ok ? 'done' : 'stale';
}
