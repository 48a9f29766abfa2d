import { compare, type Trigger } from './trigger.ts';

/** One metric measured at one check. `value: null` means it could not be measured (no data, monitor down). */
export interface Reading {
  metric: string;
  value: number | null;
  /** The query or URL that produced it, so a rollback message can show where the number came from. */
  source: string;
  detail: string;
  /** The limit the first trigger reading this metric compares it with, when there is one: stored so the report shows value against threshold. */
  limit?: number | null;
}

/** Which versions answered a check's version probe: requests per version named, and requests that named none (with why). */
export interface VersionTally {
  requests: number;
  answered: Record<string, number>;
  unanswered: number;
  /** E.g. "GET http://127.0.0.1:4480/ → 503: nothing is live yet" for the first request that named no version. */
  detail: string;
}

/** One check of production, as stored on the run. */
export interface Sample {
  seq: number;
  at: string;
  healthy: boolean;
  detail: string;
  readings?: Reading[];
  versions?: VersionTally;
}

export type Verdict =
  | { kind: 'healthy' }
  | { kind: 'breach'; trigger: Trigger; evidence: Sample[]; heldMs: number; limit: number | null }
  /** Some trigger could not be evaluated on the latest check; `streak` counts such checks in a row. */
  | { kind: 'inconclusive'; metrics: string[]; streak: number };

/**
 * samples (oldest first) + triggers (+ baselines) → a verdict, pure: `argo-rollouts`' assessMetricStatus
 * in spirit. A trigger fires only when its condition held for its whole window, measured from the
 * first check of the current unbroken run of breaching checks to the latest: one good (or unmeasurable)
 * check resets it. A check that cannot be evaluated is inconclusive, never healthy.
 */
export function assess(samples: Sample[], triggers: Trigger[], baselines: Record<string, number> = {}): Verdict {
  for (const trigger of triggers) {
    const breach = breachOf(samples, trigger, baselines);
    if (breach) return breach;
  }
  const latest = samples.at(-1);
  const unmeasured = latest ? unmeasurable(latest, triggers, baselines) : [];
  if (unmeasured.length === 0) return { kind: 'healthy' };
  let streak = 0;
  for (let i = samples.length - 1; i >= 0 && unmeasurable(samples[i]!, triggers, baselines).length > 0; i--) streak++;
  return { kind: 'inconclusive', metrics: unmeasured, streak };
}

function breachOf(samples: Sample[], trigger: Trigger, baselines: Record<string, number>): Verdict | null {
  if (trigger.kind === 'health_failing') {
    const window = samples.slice(-trigger.checks);
    const held = window.length === trigger.checks && window.every((sample) => !sample.healthy);
    return held ? { kind: 'breach', trigger, evidence: window, heldMs: span(window), limit: null } : null;
  }
  const limit = limitOf(trigger, baselines);
  if (limit === null) return null;
  const run: Sample[] = [];
  for (let i = samples.length - 1; i >= 0; i--) {
    const value = readingOf(samples[i]!, trigger.metric)?.value;
    if (value === null || value === undefined || !compare(value, trigger.op, limit)) break;
    run.unshift(samples[i]!);
  }
  const heldMs = span(run);
  return run.length > 0 && heldMs >= trigger.forMs ? { kind: 'breach', trigger, evidence: run, heldMs, limit } : null;
}

/** The number a metric is compared with: the trigger's own, or the baseline times its factor. */
export function limitOf(trigger: Trigger, baselines: Record<string, number>): number | null {
  if (trigger.kind === 'threshold') return trigger.value;
  if (trigger.kind === 'baseline') {
    const baseline = baselines[trigger.metric];
    return baseline === undefined ? null : baseline * trigger.factor;
  }
  return null;
}

export function unmeasurable(sample: Sample, triggers: Trigger[], baselines: Record<string, number>): string[] {
  const missing = new Set<string>();
  for (const trigger of triggers) {
    if (trigger.kind === 'health_failing') continue;
    const value = readingOf(sample, trigger.metric)?.value;
    if (value === null || value === undefined || limitOf(trigger, baselines) === null) missing.add(trigger.metric);
  }
  return [...missing];
}

export function readingOf(sample: Sample, metric: string): Reading | undefined {
  return sample.readings?.find((reading) => reading.metric === metric);
}

function span(samples: Sample[]): number {
  return samples.length < 2 ? 0 : Date.parse(samples.at(-1)!.at) - Date.parse(samples[0]!.at);
}

/** How many samples a run must keep so every trigger can see its whole window, given the check interval. */
export function samplesNeeded(triggers: Trigger[], everyMs: number): number {
  const counts = triggers.map((trigger) => (trigger.kind === 'health_failing' ? trigger.checks : Math.ceil(trigger.forMs / Math.max(1, everyMs)) + 1));
  return Math.max(10, ...counts);
}

/** Readings with the limit each is held against (the trigger's value, or baseline × factor). */
export function withLimits(readings: Reading[], triggers: Trigger[], baselines: Record<string, number>): Reading[] {
  return readings.map((reading) => {
    const trigger = triggers.find((candidate) => candidate.kind !== 'health_failing' && candidate.metric === reading.metric);
    return trigger ? { ...reading, limit: limitOf(trigger, baselines) } : reading;
  });
}

/** The metric triggers whose condition holds at this one check (not yet for their window, perhaps). */
export function breachingNow(sample: Sample, triggers: Trigger[], baselines: Record<string, number>): Trigger[] {
  return triggers.filter((trigger) => {
    if (trigger.kind === 'health_failing') return false;
    const value = readingOf(sample, trigger.metric)?.value;
    const limit = limitOf(trigger, baselines);
    return value !== null && value !== undefined && limit !== null && compare(value, trigger.op, limit);
  });
}
