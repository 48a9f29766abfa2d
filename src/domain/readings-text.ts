import { limitOf, readingOf, type Sample, type VersionTally } from './assess.ts';
import type { Trigger } from './trigger.ts';

/** Readings as people read them: "error_rate 0.1% (limit > 5%)", "p95_latency 0.1 (limit > 0.15 = baseline 0.1 × 1.5)". */

/** A metric's value as its triggers write it: a ratio read as a percentage when a trigger writes one. */
export function formatMetric(triggers: Trigger[], metric: string, value: number): string {
  const percent = triggers.some((trigger) => trigger.kind === 'threshold' && trigger.metric === metric && trigger.percent);
  return percent ? `${+(value * 100).toFixed(2)}%` : `${+value.toPrecision(4)}`;
}

/** Each metric a trigger watches, with its value at this check against the trigger's limit (and the baseline it came from). */
export function describeReadings(sample: Sample, triggers: Trigger[], baselines: Record<string, number>): string[] {
  return triggers.flatMap((trigger) => {
    if (trigger.kind === 'health_failing') return [];
    const value = readingOf(sample, trigger.metric)?.value;
    const limit = limitOf(trigger, baselines);
    const shown = (number: number) => formatMetric(triggers, trigger.metric, number);
    const against =
      limit === null
        ? 'no limit (no baseline measured)'
        : `limit ${trigger.op} ${shown(limit)}${trigger.kind === 'baseline' ? ` = baseline ${shown(baselines[trigger.metric]!)} × ${trigger.factor}` : ''}`;
    return [`${trigger.metric} ${value === null || value === undefined ? 'not measured' : shown(value)} (${against})`];
  });
}

/** "20 of 20 requests answered 1.1.0", "17 of 20 answered 1.2.0, 3 answered 1.1.0". */
export function describeVersions(tally: VersionTally): string {
  const answered = Object.entries(tally.answered).sort(([, a], [, b]) => b - a);
  const parts = answered.map(([version, count], index) =>
    index === 0 ? `${count} of ${tally.requests} requests answered ${version}` : `${count} answered ${version}`,
  );
  if (tally.unanswered) parts.push(`${tally.unanswered}${answered.length ? '' : ` of ${tally.requests} requests`} named no version (${tally.detail})`);
  return parts.join(', ');
}
