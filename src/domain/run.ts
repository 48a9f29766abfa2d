import type { Effect } from './effects.ts';
import type { Actor } from './identity.ts';
import { mayCancel, mayRollback } from './policy.ts';
import { currentStep, enterPhase, finish, startStep } from './run-flow.ts';
import { rollBack, rollingBack, undoStepFailed } from './run-rollback.ts';
import { isWatchedStep } from './steps.ts';
import { pageFor } from './page-causes.ts';
import { fail, ok, type Run, type RunEvent, type StepRecord, type TransitionResult } from './run-types.ts';
import { onCheck, onPromotion, onResume } from './run-watch.ts';
import { onDecision, onTimer } from './run-approval.ts';
import type { Phase } from './steps.ts';
import { judgePrerequisite } from './readiness.ts';
import { refusedByState } from './event-table.ts';
import { endingEffects } from './run-ending.ts';
import { commitToLookUp } from './commit-lookup.ts';

export * from './run-types.ts';
export { checkSlot, currentStep, describeDecision } from './run-flow.ts';
export { describeBreach } from './run-watch.ts';

/**
 * The run state machine. `transition(run, event, now)` is the only way a run changes;
 * it returns the next run and the effects to perform, or an error value for an event that
 * is not allowed now. It never throws for anything a user or a late job can cause.
 * Which states accept which event is one table (event-table.ts), checked here before any handler.
 * Phase movement is in run-flow.ts; checks, canary promotion and resume in run-watch.ts.
 * Phase movement is in run-flow.ts; checks, canary promotion and resume in run-watch.ts; what every
 * ending asks for (free the target, or lock it after a rollback) in run-ending.ts.
 */

export function transition(run: Run | null, event: RunEvent, now: Date): TransitionResult {
  const result = dispatch(run, event, now);
  return result.ok ? { ...result, effects: [...result.effects, ...endingEffects(run, result.run, now)] } : result;
}

function dispatch(run: Run | null, event: RunEvent, now: Date): TransitionResult {
  const at = now.toISOString();
  if (event.type === 'requested') {
    if (run) return fail('not_allowed', 'This run already exists.');
    const began = start(created(event.run, at), at);
    // The commit's time is looked up on a worker, never on the start's ack path (domain/commit-lookup.ts).
    const sha = began.ok ? commitToLookUp(began.run) : null;
    return began.ok && sha ? { ...began, effects: [...began.effects, { kind: 'lookUpCommitTime', sha }] } : began;
  }
  if (!run) return fail('not_allowed', 'There is no such run.');
  const refused = refusedByState(run, event);
  if (refused) return refused;
  const next: Run = { ...run, seq: run.seq + 1 };
  switch (event.type) {
    case 'step.started':
      return onStepStarted(next, event.stepId, event.attempt, at);
    case 'step.succeeded':
    case 'step.failed': {
      const measured = event.type === 'step.succeeded' && event.baselines ? { ...next, baselines: { ...next.baselines, ...event.baselines } } : next;
      return onStepFinished(measured, event.stepId, event.type === 'step.succeeded', event.summary, event.output ?? '', at);
    }
    case 'decision':
      return onDecision(next, event, at);
    case 'timer':
      return event.timer === 'scheduled_start' ? onScheduledStart(next, event.blockedBy ?? null, at) : onTimer(next, event, at);
    case 'check':
      return onCheck(next, event, at);
    case 'promotion':
      return onPromotion(next, event, at);
    case 'resume':
      return onResume(next, event, at);
    case 'rollback.requested':
      return onRollbackRequested(next, event.by, event.reason, at);
    case 'cancel.requested':
      return onCancel(next, event.by, event.reason, at);
  }
}

/** Rebuilds a run from its events: the audit trail is the source of truth. */
export function replay(events: { event: RunEvent; at: Date }[]): Run | null {
  let run: Run | null = null;
  for (const { event, at } of events) {
    const result = transition(run, event, at);
    if (result.ok) run = result.run;
  }
  return run;
}

function created(input: Extract<RunEvent, { type: 'requested' }>['run'], at: string): Run {
  return {
    ...input,
    previousVersion: input.previousVersion ?? null,
    scheduled: input.scheduled ?? null,
    emergency: input.emergency ?? null,
    redeploy: input.redeploy ?? null,
    commit: input.commit ?? null,
    readiness: null,
    requestedAt: at,
    state: 'queued',
    seq: 1,
    cursor: null,
    decision: null,
    approvals: [],
    awaiting: null,
    samples: [],
    nextCheck: 1,
    watch: null,
    monitoringSince: null,
    paused: null,
    baselines: {},
    steps: [],
    rollback: null,
    failure: null,
    cancelled: null,
    finishedAt: null,
  };
}

function start(run: Run, at: string): TransitionResult {
  if (run.scheduled) {
    const waiting: Run = { ...run, state: 'scheduled' };
    return ok(waiting, [
      { kind: 'refreshStatus' },
      { kind: 'announce', message: 'scheduled' },
      { kind: 'scheduleTimer', timer: 'scheduled_start', n: 1, at: run.scheduled.at },
    ]);
  }
  const began = enterPhase(run, 'pre_checks', at);
  return ok(began.run, [{ kind: 'refreshStatus' }, ...began.effects]);
}

/** The time of a scheduled start has come: the run begins as if started now. */
function onScheduledStart(run: Run, blockedBy: string | null, at: string): TransitionResult {
  // A lock taken since the run was scheduled wins: the run does not start, and says why.
  if (blockedBy) {
    const reason = `not started at its scheduled time: ${blockedBy}`;
    return ok(finish({ ...run, cancelled: { by: run.requestedBy, reason } }, 'cancelled', at), [
      { kind: 'postLog', text: `🔒 ${run.key} ${reason}` },
      { kind: 'refreshStatus' },
    ]);
  }
  const began = enterPhase(run, 'pre_checks', at);
  return ok(began.run, [{ kind: 'postLog', text: `🗓️ Scheduled start: ${run.key} begins now` }, { kind: 'refreshStatus' }, ...began.effects]);
}

/** A step a worker runs (a hold or a validation is not one: checks drive it). */
function workerStep(run: Run) {
  const step = currentStep(run);
  return step && !isWatchedStep(step) ? step : undefined;
}

/**
 * A step already started starts again only from a later start of its job: a take-over once the dead
 * worker's lock expired, or a retry after a fault (at-least-once). Any other job for it (a duplicate
 * enqueue; two jobs of an older release) would run it a second time at once: stale.
 */
function onStepStarted(run: Run, stepId: string, attempt: number | undefined, at: string): TransitionResult {
  const step = workerStep(run);
  if (!step || step.id !== stepId) return fail('stale', `Step ${stepId} is not the run's current step.`);
  const cursor = run.cursor!;
  if (cursor.startedAt && attempt !== undefined && cursor.attempt !== undefined && attempt <= cursor.attempt) {
    return fail('stale', `Step ${stepId} is already running (start ${cursor.attempt} of its job).`);
  }
  return ok({ ...run, cursor: { ...cursor, startedAt: at, ...(attempt === undefined ? {} : { attempt }) } }, []);
}

function onStepFinished(run: Run, stepId: string, reported: boolean, reportedSummary: string, output: string, at: string): TransitionResult {
  const step = workerStep(run);
  if (!step || step.id !== stepId) return fail('stale', `Step ${stepId} is not the run's current step.`);
  const cursor = run.cursor!;
  // A prerequisite's failure counts against readiness; it does not stop the pre-checks.
  const judged = step.prerequisite ? judgePrerequisite(step.prerequisite, reported, reportedSummary, output) : { ok: reported, summary: reportedSummary };
  const { summary } = judged;
  const succeeded = judged.ok || !!step.prerequisite;
  const record: StepRecord = { stepId, name: step.name, ok: judged.ok, startedAt: cursor.startedAt ?? at, finishedAt: at, summary };
  const logged: Run = { ...run, steps: [...run.steps, record] };
  const log: Effect = { kind: 'postLog', text: `${judged.ok ? '✅' : step.prerequisite ? '⚠️' : '❌'} ${step.name}${summary ? ` — ${summary}` : ''}` };

  // A rollback asked for while a deploy step ran waits for that step, then undoes it.
  if (run.state === 'rolling_back' && cursor.phase !== 'rollback') {
    const began = enterPhase(logged, 'rollback', at);
    return ok(began.run, [log, ...began.effects]);
  }
  // A rollback's check (smoke test, verifyRollback) that fails is evidence for the level's validation, not a stop.
  if (!succeeded && !(cursor.phase === 'rollback' && step.evidence)) return ok(...stepFailed(logged, cursor.phase, step.id, step.name, summary, at, log));
  // The latest undo step of the level (not the migration or a check): when its validation passes, traffic was back from here (the rollback time).
  if (cursor.phase === 'rollback' && step.undoes && logged.rollback) logged.rollback = { ...logged.rollback, undoneAt: at };
  const next = startStep(logged, cursor.phase, cursor.index + 1, at);
  return ok(next.run, [log, ...next.effects]);
}

function stepFailed(run: Run, phase: Phase, stepId: string, name: string, summary: string, at: string, log: Effect): [Run, Effect[]] {
  const failure = { stepId, name, message: summary };
  switch (phase) {
    case 'pre_checks':
    case 'staging': {
      // Production was not touched: the channel and the requester are told; on-call only if the plan asks.
      const stopped = finish({ ...run, cursor: null, failure }, 'failed', at);
      const where = phase === 'staging' ? 'in staging' : 'in the pre-checks';
      return [
        stopped,
        [
          log,
          { kind: 'refreshStatus' },
          { kind: 'announce', message: 'stopped' },
          ...pageFor(
            stopped,
            'deployment_stopped',
            `${run.key} (${run.service} ${run.version}) stopped ${where}: "${name}" failed (${summary}). Production was not changed.`,
          ),
        ],
      ];
    }
    case 'deploy': {
      const began = rollBack({ ...run, cursor: null, failure }, `step "${name}" failed`, null, null, [], at);
      return [began.run, [log, { kind: 'refreshStatus' }, ...began.effects]];
    }
    case 'finalize': {
      // Production is fine and stays as it is: a tidy-up that fails is a warning, not a rollback.
      const warned: Effect = { kind: 'postLog', text: `⚠️ ${name} failed (${summary}); the deployment stands. Tidy up by hand.` };
      const next = startStep(run, 'finalize', (run.cursor?.index ?? 0) + 1, at);
      return [next.run, [log, warned, ...next.effects]];
    }
    case 'rollback': {
      // An undo step failed: the next level, if one undoes something, or a failed rollback (run-rollback.ts).
      const moved = undoStepFailed({ ...run, cursor: null }, run.cursor?.index ?? 0, name, summary, at, [log]);
      return [moved.run, moved.effects];
    }
  }
}

function onRollbackRequested(run: Run, by: Actor, reason: string | null, at: string): TransitionResult {
  const permission = mayRollback(run.spec, by);
  if (!permission.allowed) return fail('forbidden', permission.reason);
  const why = reason ? `manual rollback by ${by.name}: ${reason}` : `manual rollback by ${by.name}`;
  const log: Effect = { kind: 'postLog', text: `↩️ Rollback requested by ${by.name}${reason ? `: ${reason}` : ''}` };
  // A step a worker is running finishes first (see onStepFinished); otherwise undo now.
  if (run.cursor?.startedAt && workerStep(run) && run.cursor.phase === 'deploy') {
    return ok(rollingBack(run, why, by, null, [], at), [log, { kind: 'refreshStatus' }]);
  }
  const began = rollBack({ ...run, cursor: null }, why, by, null, [], at);
  return ok(began.run, [log, { kind: 'refreshStatus' }, ...began.effects]);
}

function onCancel(run: Run, by: Actor, reason: string | null, at: string): TransitionResult {
  const permission = mayCancel(run.spec, run.requestedBy, by);
  if (!permission.allowed) return fail('forbidden', permission.reason);
  const cancelled = finish({ ...run, cancelled: { by, reason } }, 'cancelled', at);
  return ok({ ...cancelled, cursor: null }, [{ kind: 'postLog', text: `Cancelled by ${by.name}${reason ? `: ${reason}` : ''}` }, { kind: 'refreshStatus' }]);
}
