import type { Sample } from './assess.ts';
import type { Effect } from './effects.ts';
import type { Actor } from './identity.ts';
import { finishRollback } from './rollback-end.ts';
import { levelCheckRecords, nextLevelStart } from './rollback-steps.ts';
import { levelStatus, VALIDATION_SAMPLES_KEPT } from './rollback-validation.ts';
import { checkSlot, enterPhase, startStep, type Moved } from './run-flow.ts';
import { fail, ok, type Run, type RunEvent, type TransitionResult } from './run-types.ts';

/**
 * A rollback, level by level (domain/rollback-spec.ts): undo what changed, then validate production before
 * saying anything. A level that validates ends the run `rolled_back`; one that does not (or whose undo step
 * fails) hands over to the next level that undoes something, and with none left the run ends
 * `rollback_failed` and pages. Nothing here says "restored": messages.ts reads the validation.
 */

/** Starts undoing production now: the run stops watching and runs its rollback steps. */
export function rollBack(run: Run, reason: string, by: Actor | null, trigger: string | null, evidence: Sample[], at: string): Moved {
  return enterPhase(rollingBack(run, reason, by, trigger, evidence, at), 'rollback', at);
}

/** The run marked as rolling back, before any rollback step starts (a deploy step still running finishes first). */
export function rollingBack(run: Run, reason: string, by: Actor | null, trigger: string | null, evidence: Sample[], at: string): Run {
  return {
    ...run,
    state: 'rolling_back',
    watch: null,
    paused: null,
    rollback: { reason, by, trigger, evidence, startedAt: at, trafficRestoredAt: null, finishedAt: null, level: 0, undoneAt: null, validations: [] },
  };
}

/** One check of a rollback's validation window; the last one decides the level. */
export function onValidationCheck(run: Run, event: Extract<RunEvent, { type: 'check' }>, at: string): TransitionResult {
  const watch = run.watch;
  const validation = run.rollback?.validations.at(-1);
  if (!watch || !validation || validation.status || event.seq !== run.nextCheck) return fail('stale', `Check ${event.seq} is not due on ${run.key}.`);
  const sample: Sample = {
    seq: event.seq,
    at,
    healthy: event.healthy,
    detail: event.detail,
    ...(event.readings?.length ? { readings: event.readings } : {}),
    ...(event.versions ? { versions: event.versions } : {}),
  };
  const checked = { ...validation, checks: [...validation.checks, sample].slice(-VALIDATION_SAMPLES_KEPT) };
  const next: Run = { ...run, nextCheck: event.seq + 1, rollback: { ...run.rollback!, validations: [...run.rollback!.validations.slice(0, -1), checked] } };
  if (event.seq < watch.firstSeq + watch.checks - 1) return ok(next, [checkSlot(next, next.nextCheck)]);
  const ended = endValidation(next, at);
  return ok(ended.run, ended.effects);
}

/** The window is over: SUCCESS ends the rollback; otherwise the next level, or a failed rollback. */
function endValidation(run: Run, at: string): Moved {
  const rollback = run.rollback!;
  const validation = rollback.validations.at(-1)!;
  const judged = { ...validation, ...levelStatus(run, validation, levelCheckRecords(run, validation.level)), finishedAt: at };
  const validated: Run = {
    ...run,
    watch: null,
    rollback: {
      ...rollback,
      validations: [...rollback.validations.slice(0, -1), judged],
      ...(judged.status === 'SUCCESS' ? { trafficRestoredAt: rollback.undoneAt ?? at } : {}),
    },
  };
  const log: Effect = {
    kind: 'postLog',
    text: `${judged.status === 'SUCCESS' ? '✅' : '❌'} Rollback validation: ${judged.status}${judged.problems.length ? ` — ${judged.problems.join('; ')}` : ` — ${judged.evidence.join('; ')}`}`,
  };
  if (judged.status === 'SUCCESS') return finishRollback(validated, 'rolled_back', at, [log]);
  const nextLevel = nextLevelStart(validated, run.cursor?.index ?? 0, validation.level);
  if (nextLevel >= 0) return toLevel(validated, nextLevel, at, [log]);
  return finishRollback(validated, 'rollback_failed', at, [log]);
}

/** An undo step (not a check) failed: the level did not work. */
export function undoStepFailed(run: Run, index: number, name: string, summary: string, at: string, before: Effect[]): Moved {
  const level = run.spec.steps.rollback[index]?.level ?? 0;
  const nextLevel = nextLevelStart(run, index, level);
  if (nextLevel >= 0) return toLevel(run, nextLevel, at, before);
  const failed: Run = { ...run, failure: { stepId: run.spec.steps.rollback[index]?.id ?? `rollback.${index}`, name, message: summary } };
  return finishRollback(failed, 'rollback_failed', at, before);
}

function toLevel(run: Run, index: number, at: string, before: Effect[]): Moved {
  const level = run.spec.steps.rollback[index]!.level ?? 0;
  const outcome =
    run.spec.rollbackLevels[level] === 'feature_off'
      ? 'turning the feature off'
      : run.previousVersion
        ? `bringing ${run.previousVersion} back`
        : 'taking this version out of production';
  const next = startStep({ ...run, state: 'rolling_back', rollback: { ...run.rollback!, level, undoneAt: null } }, 'rollback', index, at);
  return { run: next.run, effects: [...before, { kind: 'postLog', text: `↩️ Not restored yet: ${outcome}` }, { kind: 'refreshStatus' }, ...next.effects] };
}
