import { z } from 'zod';
import { parseDuration } from './duration.ts';

/**
 * A rollback trigger as the plan writes it, the way the seed documents do:
 *   health failing for 3 checks
 *   error_rate > 5% for 5m
 *   p95_latency > baseline * 1.5 for 5m
 *   availability < 99.9% for 10m
 * Percentages are ratios: "5%" is 0.05, so a monitor reports error_rate as 0.2 for 20 %.
 */
export type Comparison = '>' | '>=' | '<' | '<=';

export type Trigger =
  | { kind: 'health_failing'; checks: number; text: string }
  | { kind: 'threshold'; metric: string; op: Comparison; value: number; percent: boolean; forMs: number; text: string }
  | { kind: 'baseline'; metric: string; op: Comparison; factor: number; forMs: number; text: string };

const METRIC = '([a-z_][a-z0-9_]*)';
const OP = '(>=|<=|>|<)';
const NUMBER = '(\\d+(?:\\.\\d+)?)';
const FOR = 'for\\s+(\\S+)';

const HEALTH = /^health failing for (\d+) checks?$/i;
const THRESHOLD = new RegExp(`^${METRIC}\\s*${OP}\\s*${NUMBER}(%?)\\s+${FOR}$`, 'i');
const BASELINE = new RegExp(`^${METRIC}\\s*${OP}\\s*baseline\\s*[*×x]\\s*${NUMBER}\\s+${FOR}$`, 'i');

const EXAMPLES = '"health failing for 3 checks", "error_rate > 5% for 5m" or "p95_latency > baseline * 1.5 for 5m"';

export function parseTrigger(input: string): Trigger | { error: string } {
  const text = input.trim().replace(/\s+/g, ' ');
  const health = HEALTH.exec(text);
  if (health) {
    const checks = Number(health[1]);
    return checks < 1 ? { error: 'needs at least 1 check' } : { kind: 'health_failing', checks, text };
  }
  const baseline = BASELINE.exec(text);
  if (baseline) {
    const forMs = window(baseline[4]!);
    if (forMs === null) return { error: `"${baseline[4]}" is not a duration (write 5m, 30s, 1h)` };
    return { kind: 'baseline', metric: baseline[1]!.toLowerCase(), op: baseline[2] as Comparison, factor: Number(baseline[3]), forMs, text };
  }
  const threshold = THRESHOLD.exec(text);
  if (threshold) {
    const forMs = window(threshold[5]!);
    if (forMs === null) return { error: `"${threshold[5]}" is not a duration (write 5m, 30s, 1h)` };
    const percent = threshold[4] === '%';
    const value = percent ? Number((Number(threshold[3]) / 100).toPrecision(12)) : Number(threshold[3]);
    return { kind: 'threshold', metric: threshold[1]!.toLowerCase(), op: threshold[2] as Comparison, value, percent, forMs, text };
  }
  return { error: `"${input}" is not a trigger Flightdeck understands; write it like ${EXAMPLES}` };
}

function window(text: string): number | null {
  const ms = parseDuration(text);
  return ms !== null && ms > 0 ? ms : null;
}

export function compare(value: number, op: Comparison, limit: number): boolean {
  switch (op) {
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
  }
}

/** The metrics a set of triggers reads (health is always read). */
export function metricsOf(triggers: Trigger[]): string[] {
  return [...new Set(triggers.flatMap((trigger) => (trigger.kind === 'health_failing' ? [] : [trigger.metric])))];
}

export const triggerSchema = z.string().transform((text, ctx) => {
  const parsed = parseTrigger(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed;
});
