import { formatDuration } from './duration.ts';
import type { Effect } from './effects.ts';
import { pageFor } from './page-causes.ts';
import { finish, type Run } from './run-types.ts';

/** How a rollback ends, and the words for it: what serves now, or what is still wrong. */

export type Ended = { run: Run; effects: Effect[] };

export function finishRollback(run: Run, state: 'rolled_back' | 'rollback_failed', at: string, before: Effect[]): Ended {
  const rollback = { ...run.rollback!, finishedAt: at };
  const done = finish({ ...run, cursor: null, watch: null, rollback }, state, at);
  const took = formatDuration(Date.parse(at) - Date.parse(rollback.startedAt));
  const pages =
    state === 'rollback_failed'
      ? pageFor(
          done,
          'rollback_failed',
          `Rollback of ${run.key} (${run.service} ${run.version} in ${run.environment}) did not restore production: ${whatIsWrong(done)}. Production needs a human now.`,
        )
      : pageFor(
          done,
          rollback.by ? 'manual_rollback' : 'automatic_rollback',
          `${run.key} (${run.service} ${run.version} in ${run.environment}) was rolled back ${rollback.by ? '' : 'automatically '}in ${took} — ${rollback.reason}; validated: ${whatServes(done)}.`,
        );
  return {
    run: done,
    effects: [...before, { kind: 'refreshStatus' }, { kind: 'announce', message: state === 'rolled_back' ? 'rollback' : 'rollback_failed' }, ...pages],
  };
}

/** The level's problems, or the rollback step that failed. */
export function whatIsWrong(run: Run): string {
  const validation = run.rollback?.validations.at(-1);
  if (run.failure && run.failure.stepId.startsWith('rollback.')) return `"${run.failure.name}" failed: ${run.failure.message}`;
  return validation?.problems.join('; ') || 'the rollback was not validated';
}

/** What production serves after a validated rollback, in words. */
export function whatServes(run: Run): string {
  const validation = run.rollback?.validations.at(-1);
  if (!validation) return 'nothing was validated';
  if (validation.outcome === 'feature_off') return `${run.version} still serves, with its feature off`;
  if (validation.expected === null) return `there was no version before this run, and ${run.version} no longer serves`;
  return run.spec.versionProbe
    ? `${validation.expected} serves again`
    : `${validation.expected} should be serving again (the plan has no version probe to ask production which version answers)`;
}

/**
 * The rollback phase ran out of steps without validating: no step had changed production (a deploy step
 * refused before it did anything, or a rollback asked for before the first change). Nothing to undo, so
 * nothing is said to be restored: an automatic rollback ends `failed`, one asked for by a person `cancelled`.
 */
export function nothingUndone(run: Run, at: string): Ended {
  const rollback = run.rollback;
  const note: Effect = { kind: 'postLog', text: `ℹ️ Nothing to roll back: no step of ${run.key} had changed production.` };
  if (rollback?.validations.length) return finishRollback(run, 'rollback_failed', at, [note]);
  if (rollback?.by) {
    const cancelled = finish(
      { ...run, cursor: null, rollback: null, cancelled: { by: rollback.by, reason: `${rollback.reason} (before production changed)` } },
      'cancelled',
      at,
    );
    return { run: cancelled, effects: [note, { kind: 'refreshStatus' }] };
  }
  const stopped = finish({ ...run, cursor: null, rollback: null }, 'failed', at);
  const why = run.failure ? `"${run.failure.name}" failed: ${run.failure.message}` : (rollback?.reason ?? 'it stopped');
  return {
    run: stopped,
    effects: [
      note,
      { kind: 'refreshStatus' },
      { kind: 'announce', message: 'stopped' },
      ...pageFor(stopped, 'deployment_stopped', `${run.key} (${run.service} ${run.version} in ${run.environment}) stopped before production changed: ${why}.`),
    ],
  };
}
