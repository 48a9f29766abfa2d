import type { Readiness, StepRecord } from './run-types.ts';
import type { Step } from './steps.ts';

/**
 * The production readiness gate of the seeds: prerequisites (commands, HTTP calls such as a CI status,
 * a test report's score) earn their points when they pass; the score is out of 100. At or above the
 * plan's threshold with nothing failing: READY; at or above it with only non-critical failures:
 * CONDITIONAL (approvers see the list and acknowledge it when they say GO); otherwise NOT READY.
 */

export interface Prerequisite {
  points: number;
  critical: boolean;
  /** The check prints a score (its last number); it passes at this score or more. */
  minScore?: number;
}

/** The last number a check printed, e.g. "coverage: 83.4%" → 83.4. */
export function scoreIn(output: string): number | null {
  const numbers = output.match(/-?\d+(?:\.\d+)?/g);
  return numbers ? Number(numbers.at(-1)) : null;
}

/** Whether a finished prerequisite passed, and how to say so: a score below its minimum fails it. */
export function judgePrerequisite(prerequisite: Prerequisite, succeeded: boolean, summary: string, output: string): { ok: boolean; summary: string } {
  if (!succeeded || prerequisite.minScore === undefined) return { ok: succeeded, summary };
  const score = scoreIn(output) ?? scoreIn(summary);
  if (score === null) return { ok: false, summary: `printed no score (needs ${prerequisite.minScore} or more): ${summary}` };
  return score >= prerequisite.minScore
    ? { ok: true, summary: `score ${score} (needs ${prerequisite.minScore})` }
    : { ok: false, summary: `score ${score}, below ${prerequisite.minScore}` };
}

/** The verdict from the prerequisites' step records; null when the plan has none. */
export function readinessOf(steps: Step[], records: StepRecord[], threshold: number): Readiness | null {
  const prerequisites = steps.filter((step): step is Step & { prerequisite: Prerequisite } => !!step.prerequisite);
  if (prerequisites.length === 0) return null;
  const total = prerequisites.reduce((sum, step) => sum + step.prerequisite.points, 0);
  const failing: Readiness['failing'] = [];
  let earned = 0;
  for (const step of prerequisites) {
    const record = [...records].reverse().find((candidate) => candidate.stepId === step.id);
    if (record?.ok) earned += step.prerequisite.points;
    else failing.push({ name: step.name, critical: step.prerequisite.critical, points: step.prerequisite.points, summary: record?.summary ?? 'did not run' });
  }
  const score = total === 0 ? 100 : Math.round((100 * earned) / total);
  const blocked = score < threshold || failing.some((item) => item.critical);
  return { score, threshold, verdict: blocked ? 'NOT_READY' : failing.length ? 'CONDITIONAL' : 'READY', failing };
}

/** "NOT READY (60/100, needs 75): blockers: CI green (critical), Load test" — for the log, the status card and the failure. */
export function describeReadiness(readiness: Readiness): string {
  const verdict = readiness.verdict.replace('_', ' ');
  const items = readiness.failing.map((item) => `${item.name}${item.critical ? ' (critical)' : ''}: ${item.summary}`);
  const label = readiness.verdict === 'NOT_READY' ? 'blockers' : 'failing';
  return `${verdict} (${readiness.score}/100, needs ${readiness.threshold})${items.length ? `; ${label}: ${items.join('; ')}` : ''}`;
}
