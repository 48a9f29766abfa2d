import type { MetricMonitor } from '../domain/plan.ts';
import type { StepAction } from '../domain/steps.ts';
import type { MetricSource, StepContext, StepOutcome } from '../ports.ts';

/**
 * The baseline step: reads every metric every `everyMs` for `windowMs` on the version still serving
 * traffic, and keeps the median of each (one odd scrape does not move it). A metric that could not be
 * read once in the whole window fails the step: comparing with a missing baseline would be guessing.
 */
export async function measureBaseline(
  source: MetricSource,
  monitors: MetricMonitor[],
  action: Extract<StepAction, { kind: 'baseline' }>,
  context: StepContext,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<StepOutcome & { baselines: Record<string, number> }> {
  const started = Date.now();
  const values = new Map<string, number[]>(monitors.map((monitor) => [monitor.metric, []]));
  const rounds = Math.max(1, Math.floor(action.windowMs / action.everyMs));
  const problems = new Set<string>();
  for (let round = 0; round < rounds; round++) {
    if (round) await sleep(action.everyMs);
    for (const reading of await Promise.all(monitors.map((monitor) => source.read(monitor, context)))) {
      if (reading.value === null) problems.add(`${reading.metric}: ${reading.detail}`);
      else values.get(reading.metric)!.push(reading.value);
    }
  }
  const baselines: Record<string, number> = {};
  const missing: string[] = [];
  for (const [metric, seen] of values) {
    if (seen.length) baselines[metric] = median(seen);
    else missing.push(metric);
  }
  const described = Object.entries(baselines)
    .map(([metric, value]) => `${metric} ${+value.toPrecision(4)}`)
    .join(', ');
  const output = [...problems].join('\n');
  if (missing.length)
    return {
      ok: false,
      summary: `no baseline for ${missing.join(', ')} (${[...problems][0] ?? 'no readings'})`,
      output,
      durationMs: Date.now() - started,
      baselines,
    };
  return { ok: true, summary: `baseline over ${rounds} readings: ${described || 'no metrics'}`, output, durationMs: Date.now() - started, baselines };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
