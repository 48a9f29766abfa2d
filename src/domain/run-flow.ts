import { formatDuration } from './duration.ts';
import type { Effect } from './effects.ts';
import { checkCount, checkOffset, decisionTimeoutAt, reminderAt } from './schedule.ts';
import type { Phase, Step } from './steps.ts';
import type { Decision, RollbackValidation, Run, RunState, Watch } from './run-types.ts';
import { rollbackStepApplies } from './rollback-steps.ts';
import { expectedVersion } from './rollback-validation.ts';
import { nothingUndone } from './rollback-end.ts';
import { pageFor } from './page-causes.ts';
import { finish } from './run-types.ts';
import { decisionLabel } from './decisions.ts';
import { describeReadiness, readinessOf } from './readiness.ts';

/**
 * How a run moves through its phases: entering a phase, starting its next step (or holding on a
 * canary step, or skipping an undo whose deploy step never ran), and what follows a phase.
 * Shared by the event handlers in run.ts and run-watch.ts.
 */

export type Moved = { run: Run; effects: Effect[] };

const PHASE_STATE: Record<Phase, RunState> = {
  pre_checks: 'pre_checks',
  staging: 'staging',
  deploy: 'deploying',
  finalize: 'finalizing',
  rollback: 'rolling_back',
};

/** Moves the run into a phase, or past it when the phase has nothing to run. */
export function enterPhase(run: Run, phase: Phase, at: string): Moved {
  return startStep({ ...run, cursor: null }, phase, 0, at);
}

/** Starts step `index` of `phase` (the first one that applies at or after it), or ends the phase. */
export function startStep(run: Run, phase: Phase, from: number, at: string): Moved {
  const steps = run.spec.steps[phase];
  const index = steps.findIndex((step, i) => i >= from && (phase !== 'rollback' || rollbackStepApplies(run, step)));
  if (index < 0) return afterPhase({ ...run, cursor: null }, phase, at);
  const step = steps[index]!;
  const state = PHASE_STATE[phase];
  if (step.action.kind === 'hold') return beginHold(run, phase, index, step, at);
  if (step.action.kind === 'validate') return beginValidation(run, index, step, at);
  return { run: { ...run, state, cursor: { phase, index, startedAt: null, queuedAt: at } }, effects: [{ kind: 'runStep', stepId: step.id }] };
}

/** A canary hold: the step is "running" from now on, while checks watch production at its pace. */
function beginHold(run: Run, phase: Phase, index: number, step: Step, at: string): Moved {
  if (step.action.kind !== 'hold') throw new Error('not a hold step');
  const watch: Watch = {
    stepId: step.id,
    since: at,
    firstSeq: run.nextCheck,
    schedule: [{ everyMs: step.action.everyMs, untilMs: step.action.durationMs }],
    checks: 0,
  };
  watch.checks = checkCount(watch.schedule);
  const holding: Run = { ...run, state: 'verifying', cursor: { phase, index, startedAt: at, queuedAt: at }, watch };
  return { run: holding, effects: [{ kind: 'refreshStatus' }, { kind: 'postLog', text: `⏳ ${step.name}` }, checkSlot(holding, holding.nextCheck)] };
}

/**
 * A rollback level's steps are done: checks watch production for the validation window (run-rollback.ts
 * judges them). With no health check and no version probe in the plan, one check is still scheduled, so the
 * level is judged in the same place, from its smoke tests alone. A monitoring check already queued is skipped.
 */
function beginValidation(run: Run, index: number, step: Step, at: string): Moved {
  if (step.action.kind !== 'validate') throw new Error('not a validation step');
  const level = step.level ?? 0;
  const outcome = run.spec.rollbackLevels?.[level] ?? 'previous_version';
  const validation: RollbackValidation = {
    level,
    outcome,
    expected: expectedVersion(run, outcome),
    since: at,
    checks: [],
    status: null,
    problems: [],
    evidence: [],
    finishedAt: null,
  };
  const periodic = Boolean(run.spec.monitoring || run.spec.versionProbe);
  const schedule = periodic ? [{ everyMs: step.action.everyMs, untilMs: step.action.windowMs }] : [{ everyMs: 1, untilMs: 1 }];
  const firstSeq = run.nextCheck + 1;
  const watch: Watch = { stepId: step.id, since: at, firstSeq, schedule, checks: periodic ? checkCount(schedule) : 1 };
  const validating: Run = {
    ...run,
    state: 'validating_rollback',
    nextCheck: firstSeq,
    cursor: { phase: 'rollback', index, startedAt: at, queuedAt: at },
    watch,
    rollback: run.rollback ? { ...run.rollback, level, validations: [...run.rollback.validations, validation] } : null,
  };
  const what = [run.spec.monitoring && 'health and metrics', run.spec.versionProbe && 'which version answers'].filter(Boolean).join(', ');
  const log: Effect = {
    kind: 'postLog',
    text: periodic ? `🔎 Validating the rollback for ${formatDuration(step.action.windowMs)}: ${what}` : '🔎 Validating the rollback from its smoke tests',
  };
  return { run: validating, effects: [{ kind: 'refreshStatus' }, log, { kind: 'scheduleCheck', seq: firstSeq, at }] };
}

/** The run starts waiting for Go/No-Go (run-approval.ts judges the decisions): the timeout and the first reminder are set. */
function awaitDecision(run: Run, at: string): Moved {
  const first = reminderAt(run.spec.approval, at, 1);
  const effects: Effect[] = [
    { kind: 'refreshStatus' },
    { kind: 'scheduleTimer', timer: 'decision_timeout', n: 1, at: decisionTimeoutAt(run.spec.approval, at) },
  ];
  if (first) effects.push({ kind: 'scheduleTimer', timer: 'decision_reminder', n: 1, at: first });
  return { run: { ...run, state: 'awaiting_decision', cursor: null, awaiting: { since: at, reminders: 0, timedOutAt: null } }, effects };
}

/** What follows a phase once its last step is done. */
export function afterPhase(run: Run, phase: Phase, at: string): Moved {
  switch (phase) {
    case 'pre_checks': {
      const readiness = readinessOf(run.spec.steps.pre_checks, run.steps, run.spec.readinessThreshold);
      if (!readiness) return enterPhase(run, 'staging', at);
      const judged: Run = { ...run, readiness };
      const log: Effect = {
        kind: 'postLog',
        text: `${readiness.verdict === 'READY' ? '🟢' : readiness.verdict === 'CONDITIONAL' ? '🟡' : '🔴'} Readiness: ${describeReadiness(readiness)}`,
      };
      if (readiness.verdict === 'NOT_READY') {
        const failure = { stepId: 'readiness', name: 'Readiness gate', message: describeReadiness(readiness) };
        const stopped = finish({ ...judged, cursor: null, failure }, 'failed', at);
        const page = pageFor(
          stopped,
          'deployment_stopped',
          `${run.key} (${run.service} ${run.version}) stopped at the readiness gate: ${failure.message}. Production was not changed.`,
        );
        return { run: stopped, effects: [log, { kind: 'refreshStatus' }, { kind: 'announce', message: 'stopped' }, ...page] };
      }
      const next = enterPhase(judged, 'staging', at);
      return { run: next.run, effects: [log, ...next.effects] };
    }
    case 'staging': {
      if (run.spec.requireDecision) return awaitDecision(run, at);
      const deploying = enterPhase(run, 'deploy', at);
      return { run: deploying.run, effects: [{ kind: 'refreshStatus' }, ...deploying.effects] };
    }
    case 'deploy': {
      const monitoring = run.spec.monitoring;
      if (monitoring) {
        const watch: Watch = { stepId: null, since: at, firstSeq: run.nextCheck, schedule: monitoring.schedule, checks: monitoring.checks };
        const watching: Run = { ...run, state: 'monitoring', cursor: null, monitoringSince: at, watch };
        return { run: watching, effects: [{ kind: 'refreshStatus' }, checkSlot(watching, run.nextCheck)] };
      }
      return enterPhase({ ...run, watch: null }, 'finalize', at);
    }
    case 'finalize':
      return {
        run: finish({ ...run, cursor: null, watch: null }, 'succeeded', at),
        effects: [{ kind: 'refreshStatus' }, { kind: 'announce', message: 'success' }],
      };
    case 'rollback':
      // Reached only when no level undid anything: a validation ends the phase itself (run-rollback.ts).
      return nothingUndone(run, at);
  }
}

/** Check `seq` at its slot in the watch window, counted from the window's start; past its end, at the last pace. */
export function checkSlot(run: Run, seq: number): Extract<Effect, { kind: 'scheduleCheck' }> {
  const watch = run.watch!;
  const slot = seq - watch.firstSeq + 1;
  const last = watch.schedule.at(-1)!;
  const offset = checkOffset(watch.schedule, slot) ?? last.untilMs + (slot - watch.checks) * last.everyMs;
  return { kind: 'scheduleCheck', seq, at: new Date(Date.parse(watch.since) + offset).toISOString() };
}

export { finish } from './run-types.ts';

export function currentStep(run: Run): Step | undefined {
  if (!run.cursor) return undefined;
  return run.spec.steps[run.cursor.phase][run.cursor.index];
}

export function describeDecision(decision: Decision): string {
  return `${decisionLabel(decision.decision)} by ${decision.by.name} at ${decision.at.slice(11, 16)} UTC${decision.rationale ? ` (“${decision.rationale}”)` : ''}${decision.override ? `, ⚠️ overriding: ${decision.override}` : ''}`;
}
