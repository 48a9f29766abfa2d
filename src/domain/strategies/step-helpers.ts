import { formatDuration } from '../duration.ts';
import type { StrategyStep } from './index.ts';

/** Step helpers the strategies share: here rather than in index.ts, which imports every strategy, so no strategy imports it at run time. */

/** The same step with more FLIGHTDECK_* variables and its own name (commands only; other steps keep theirs). */
export function variant(step: StrategyStep, name: string, env: Record<string, string>): StrategyStep {
  if (step.action.kind !== 'command') return { ...step, name };
  return { ...step, name, action: { ...step.action, env: { ...step.action.env, ...env } } };
}

export function holdName(weight: number, holdMs: number, promotion: 'auto' | 'manual'): string {
  return `Hold the canary at ${weight}% for ${formatDuration(holdMs)}${promotion === 'manual' ? ', then ask to promote' : ''}`;
}
