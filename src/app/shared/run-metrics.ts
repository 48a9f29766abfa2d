import type { Effect } from '../../domain/effects.ts';
import { isTerminal, type Run } from '../../domain/run.ts';
import { noMetrics, type Metrics } from '../../observability/metrics.ts';
import type { AppContext } from './context.ts';

export function metricsOf(ctx: AppContext): Metrics {
  return ctx.metrics ?? noMetrics;
}

/**
 * After a transition committed: what it changed that /metrics counts, read from the run before and after
 * (never from inside the domain). `before` is null for a run just created. Counting after the commit means a
 * transaction that rolled back counts nothing; a crash between commit and count loses one increment, no more.
 */
export function observeTransition(metrics: Metrics, before: Run | null, after: Run, effects: Effect[]): void {
  const target = { service: after.service, environment: after.environment };
  const strategy = after.spec.strategy;
  if (!before) metrics.runStarted(target);
  if (!before?.rollback && after.rollback) metrics.rollbackStarted({ trigger: triggerOf(after.rollback), strategy });
  if (after.rollback?.trafficRestoredAt && !before?.rollback?.trafficRestoredAt) {
    const seconds = (Date.parse(after.rollback.trafficRestoredAt) - Date.parse(after.rollback.startedAt)) / 1_000;
    metrics.trafficRestored(strategy, seconds);
  }
  if (isTerminal(after.state) && !(before && isTerminal(before.state))) {
    metrics.runEnded({ ...target, state: after.state });
    if (after.rollback) metrics.rollbackEnded({ strategy, state: after.state });
  }
  for (const effect of effects) if (effect.kind === 'page') metrics.pageOpened(effect.cause);
}

/** The plan's trigger that fired, else who asked: a person (manual) or a failed deploy step. */
function triggerOf(rollback: NonNullable<Run['rollback']>): string {
  if (rollback.trigger) return rollback.trigger;
  return rollback.by ? 'manual' : 'step_failed';
}
