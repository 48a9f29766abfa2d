import type { Trigger } from './trigger.ts';

/** One check of production, as stored on the run. */
export interface Sample {
  seq: number;
  at: string;
  healthy: boolean;
  detail: string;
}

export type Verdict = { kind: 'healthy' } | { kind: 'breach'; trigger: Trigger; evidence: Sample[] };

/**
 * samples (oldest first) + triggers → a verdict. A trigger fires only when its condition
 * held for its whole window: for health, N failing checks in a row.
 */
export function assess(samples: Sample[], triggers: Trigger[]): Verdict {
  for (const trigger of triggers) {
    const window = samples.slice(-trigger.checks);
    if (window.length === trigger.checks && window.every((sample) => !sample.healthy)) {
      return { kind: 'breach', trigger, evidence: window };
    }
  }
  return { kind: 'healthy' };
}

/** The longest window any trigger looks at: how many samples a run must keep to decide. */
export function samplesNeeded(triggers: Trigger[]): number {
  return Math.max(1, ...triggers.map((trigger) => trigger.checks));
}
