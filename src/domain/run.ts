import { assess, readingOf, samplesNeeded, type Reading, type Sample } from './assess.ts';
import { formatDuration } from './duration.ts';
import { checkOffset } from './schedule.ts';
import type { Effect } from './effects.ts';
import type { Actor } from './identity.ts';
import { mayCancel, mayDecide, mayRollback } from './policy.ts';
import type { RunSpec } from './spec.ts';
import type { Phase } from './steps.ts';

/**
 * The run state machine. `transition(run, event, now)` is the only way a run changes;
 * it returns the next run and the effects to perform, or an error value for an event that
 * is not allowed now. It never throws for anything a user or a late job can cause.
 */

export const RUN_STATES = [
  'queued',
  'pre_checks',
  'staging',
  'awaiting_decision',
  'deploying',
  'verifying',
  'monitoring',
  'succeeded',
  'failed',
  'no_go',
  'deferred',
  'cancelled',
  'rolling_back',
  'rolled_back',
  'rollback_failed',
] as const;
export type RunState = (typeof RUN_STATES)[number];

export const TERMINAL_STATES: readonly RunState[] = ['succeeded', 'failed', 'no_go', 'deferred', 'cancelled', 'rolled_back', 'rollback_failed'];
export const ACTIVE_STATES: readonly RunState[] = RUN_STATES.filter((state) => !TERMINAL_STATES.includes(state));

export function isTerminal(state: RunState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** States in which production may already have changed: rollback, not cancel, undoes them. */
const PRODUCTION_TOUCHED: readonly RunState[] = ['deploying', 'verifying', 'monitoring'];

export type DecisionKind = 'go' | 'no_go' | 'defer';

export interface Decision {
  decision: DecisionKind;
  by: Actor;
  at: string;
  rationale: string | null;
}

export interface StepRecord {
  stepId: string;
  name: string;
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  summary: string;
}

export interface Run {
  id: string;
  /** Short human id used in chat, e.g. `api-42`. */
  key: string;
  service: string;
  version: string;
  environment: string;
  /** The platform the run was started from; its messages go there. */
  platform: Actor['platform'];
  requestedBy: Actor;
  requestedAt: string;
  spec: RunSpec;
  state: RunState;
  /** Number of events applied; the next event is number seq + 1. */
  seq: number;
  /** The step to run next, or running now. */
  cursor: { phase: Phase; index: number; startedAt: string | null; queuedAt: string } | null;
  decision: Decision | null;
  samples: Sample[];
  nextCheck: number;
  /** When production monitoring began: check slots are counted from here. */
  monitoringSince: string | null;
  /** Baseline value per metric, measured before traffic moved (empty until a baseline is taken). */
  baselines: Record<string, number>;
  steps: StepRecord[];
  rollback: {
    reason: string;
    by: Actor | null;
    trigger: string | null;
    evidence: Sample[];
    startedAt: string;
    /** When production traffic was back on the old version: the rollback time the seeds measure. */
    trafficRestoredAt: string | null;
    finishedAt: string | null;
  } | null;
  failure: { stepId: string; name: string; message: string } | null;
  cancelled: { by: Actor; reason: string | null } | null;
  finishedAt: string | null;
}

export type RunEvent =
  | {
      type: 'requested';
      run: Pick<Run, 'id' | 'key' | 'service' | 'version' | 'environment' | 'platform' | 'requestedBy' | 'spec'>;
    }
  | { type: 'step.started'; stepId: string }
  /** `output` is the tail of what the step printed: kept in the audit trail, not in the run. */
  | { type: 'step.succeeded'; stepId: string; summary: string; output?: string; baselines?: Record<string, number> }
  | { type: 'step.failed'; stepId: string; summary: string; output?: string }
  | { type: 'decision'; decision: DecisionKind; by: Actor; rationale: string | null }
  | { type: 'check'; seq: number; healthy: boolean; detail: string; readings?: Reading[] }
  | { type: 'rollback.requested'; by: Actor; reason: string | null }
  | { type: 'cancel.requested'; by: Actor; reason: string | null };

export type TransitionError =
  | { code: 'not_allowed'; message: string }
  | { code: 'forbidden'; message: string }
  | { code: 'already_decided'; message: string; decision: Decision }
  /** A late or duplicated job: the run has moved on. Workers drop these silently. */
  | { code: 'stale'; message: string };

export type TransitionResult = { ok: true; run: Run; effects: Effect[] } | { ok: false; error: TransitionError };

export function transition(run: Run | null, event: RunEvent, now: Date): TransitionResult {
  const at = now.toISOString();
  if (event.type === 'requested') {
    if (run) return fail('not_allowed', 'This run already exists.');
    return start(created(event.run, at), at);
  }
  if (!run) return fail('not_allowed', 'There is no such run.');
  const next: Run = { ...run, seq: run.seq + 1 };
  switch (event.type) {
    case 'step.started':
      return onStepStarted(next, event.stepId, at);
    case 'step.succeeded':
    case 'step.failed': {
      const measured = event.type === 'step.succeeded' && event.baselines ? { ...next, baselines: { ...next.baselines, ...event.baselines } } : next;
      return onStepFinished(measured, event.stepId, event.type === 'step.succeeded', event.summary, at);
    }
    case 'decision':
      return onDecision(next, event, at);
    case 'check':
      return onCheck(next, event, at);
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
    requestedAt: at,
    state: 'queued',
    seq: 1,
    cursor: null,
    decision: null,
    samples: [],
    nextCheck: 1,
    monitoringSince: null,
    baselines: {},
    steps: [],
    rollback: null,
    failure: null,
    cancelled: null,
    finishedAt: null,
  };
}

function start(run: Run, at: string): TransitionResult {
  const began = enterPhase(run, 'pre_checks', at);
  return ok(began.run, [{ kind: 'refreshStatus' }, ...began.effects]);
}

/** Moves the run into a phase, or past it when the plan has no steps there. */
function enterPhase(run: Run, phase: Phase, at: string): { run: Run; effects: Effect[] } {
  const steps = run.spec.steps[phase];
  if (steps.length > 0) {
    const state: RunState = phase === 'pre_checks' ? 'pre_checks' : phase === 'deploy' ? 'deploying' : 'rolling_back';
    return { run: { ...run, state, cursor: { phase, index: 0, startedAt: null, queuedAt: at } }, effects: [{ kind: 'runStep', stepId: steps[0]!.id }] };
  }
  return afterPhase({ ...run, cursor: null }, phase, at);
}

function afterPhase(run: Run, phase: Phase, at: string): { run: Run; effects: Effect[] } {
  switch (phase) {
    case 'pre_checks':
      if (run.spec.requireDecision) {
        return { run: { ...run, state: 'awaiting_decision', cursor: null }, effects: [{ kind: 'refreshStatus' }] };
      }
      const deploying = enterPhase(run, 'deploy', at);
      return { run: deploying.run, effects: [{ kind: 'refreshStatus' }, ...deploying.effects] };
    case 'deploy':
      if (run.spec.monitoring) {
        const watching: Run = { ...run, state: 'monitoring', cursor: null, monitoringSince: at };
        return { run: watching, effects: [{ kind: 'refreshStatus' }, checkSlot(watching, run.nextCheck)] };
      }
      return { run: finish({ ...run, cursor: null }, 'succeeded', at), effects: [{ kind: 'refreshStatus' }, { kind: 'announce', message: 'success' }] };
    case 'rollback': {
      const rollback = run.rollback ? { ...run.rollback, finishedAt: at } : null;
      const done = finish({ ...run, cursor: null, rollback }, 'rolled_back', at);
      return {
        run: done,
        effects: [
          { kind: 'refreshStatus' },
          { kind: 'announce', message: 'rollback' },
          { kind: 'page', reason: `${run.key} was rolled back: ${run.rollback?.reason ?? 'rollback requested'}` },
        ],
      };
    }
  }
}

function onStepStarted(run: Run, stepId: string, at: string): TransitionResult {
  const step = currentStep(run);
  if (!step || step.id !== stepId) return fail('stale', `Step ${stepId} is not the run's current step.`);
  return ok({ ...run, cursor: { ...run.cursor!, startedAt: at } }, []);
}

function onStepFinished(run: Run, stepId: string, succeeded: boolean, summary: string, at: string): TransitionResult {
  const step = currentStep(run);
  if (!step || step.id !== stepId) return fail('stale', `Step ${stepId} is not the run's current step.`);
  const cursor = run.cursor!;
  const record: StepRecord = { stepId, name: step.name, ok: succeeded, startedAt: cursor.startedAt ?? at, finishedAt: at, summary };
  const logged: Run = { ...run, steps: [...run.steps, record] };
  const log: Effect = { kind: 'postLog', text: `${succeeded ? '✅' : '❌'} ${step.name}${summary ? ` — ${summary}` : ''}` };

  // A rollback asked for while a deploy step ran waits for that step, then undoes it.
  if (run.state === 'rolling_back' && cursor.phase !== 'rollback') {
    const began = enterPhase({ ...logged, cursor: null }, 'rollback', at);
    return ok(began.run, [log, ...began.effects]);
  }
  if (!succeeded) return ok(...stepFailed(logged, cursor.phase, step.id, step.name, summary, at, log));
  if (cursor.phase === 'rollback' && cursor.index === run.spec.trafficRestoredAfter && logged.rollback) {
    logged.rollback = { ...logged.rollback, trafficRestoredAt: at };
  }

  const steps = run.spec.steps[cursor.phase];
  const nextIndex = cursor.index + 1;
  if (nextIndex < steps.length) {
    return ok({ ...logged, cursor: { phase: cursor.phase, index: nextIndex, startedAt: null, queuedAt: at } }, [log, { kind: 'runStep', stepId: steps[nextIndex]!.id }]);
  }
  const after = afterPhase(logged, cursor.phase, at);
  return ok(after.run, [log, ...after.effects]);
}

function stepFailed(run: Run, phase: Phase, stepId: string, name: string, summary: string, at: string, log: Effect): [Run, Effect[]] {
  const failure = { stepId, name, message: summary };
  switch (phase) {
    case 'pre_checks':
      return [finish({ ...run, cursor: null, failure }, 'failed', at), [log, { kind: 'refreshStatus' }]];
    case 'deploy': {
      const withReason = beginRollback({ ...run, cursor: null, failure }, `step "${name}" failed`, null, null, [], at);
      const began = enterPhase(withReason, 'rollback', at);
      return [began.run, [log, { kind: 'refreshStatus' }, ...began.effects]];
    }
    case 'rollback': {
      const rollback = run.rollback ? { ...run.rollback, finishedAt: at } : null;
      const done = finish({ ...run, cursor: null, failure, rollback }, 'rollback_failed', at);
      return [
        done,
        [
          log,
          { kind: 'refreshStatus' },
          { kind: 'announce', message: 'rollback_failed' },
          { kind: 'page', reason: `Rollback of ${run.key} FAILED at "${name}": ${summary}. Production needs a human now.` },
        ],
      ];
    }
  }
}

function onDecision(run: Run, event: Extract<RunEvent, { type: 'decision' }>, at: string): TransitionResult {
  if (run.decision) {
    return { ok: false, error: { code: 'already_decided', message: `Already decided: ${describeDecision(run.decision)}.`, decision: run.decision } };
  }
  if (run.state !== 'awaiting_decision') return fail('not_allowed', `${run.key} is not waiting for a Go/No-Go decision (it is ${run.state}).`);
  const permission = mayDecide(run.spec, event.by);
  if (!permission.allowed) return fail('forbidden', permission.reason);
  const decision: Decision = { decision: event.decision, by: event.by, at, rationale: event.rationale };
  const decided: Run = { ...run, decision };
  const log: Effect = { kind: 'postLog', text: `Decision: ${describeDecision(decision)}` };
  if (event.decision === 'go') {
    const began = enterPhase(decided, 'deploy', at);
    return ok(began.run, [log, { kind: 'refreshStatus' }, ...began.effects]);
  }
  return ok(finish(decided, event.decision === 'no_go' ? 'no_go' : 'deferred', at), [log, { kind: 'refreshStatus' }]);
}

function onCheck(run: Run, event: Extract<RunEvent, { type: 'check' }>, at: string): TransitionResult {
  const monitoring = run.spec.monitoring;
  if (run.state !== 'monitoring' || !monitoring || event.seq !== run.nextCheck) {
    return fail('stale', `Check ${event.seq} is not due on ${run.key}.`);
  }
  const sample: Sample = { seq: event.seq, at, healthy: event.healthy, detail: event.detail, ...(event.readings?.length ? { readings: event.readings } : {}) };
  const keep = samplesNeeded(run.spec.triggers, Math.min(...monitoring.schedule.map((pace) => pace.everyMs)));
  const sampled: Run = { ...run, samples: [...run.samples, sample].slice(-keep), nextCheck: event.seq + 1 };
  const verdict = assess(sampled.samples, run.spec.triggers, run.baselines);
  if (verdict.kind === 'breach') {
    const reason = `trigger "${verdict.trigger.text}" fired (${describeBreach(verdict)})`;
    const rolling = beginRollback(sampled, reason, null, verdict.trigger.text, verdict.evidence, at);
    const began = enterPhase(rolling, 'rollback', at);
    return ok(began.run, [{ kind: 'postLog', text: `🚨 ${reason}` }, { kind: 'refreshStatus' }, ...began.effects]);
  }
  if (verdict.kind === 'inconclusive' && verdict.streak >= monitoring.inconclusive.after) {
    const reason = `monitoring inconclusive for ${verdict.streak} checks in a row (${verdict.metrics.join(', ')} could not be measured)`;
    const rolling = beginRollback(sampled, reason, null, null, sampled.samples.slice(-verdict.streak), at);
    const began = enterPhase(rolling, 'rollback', at);
    return ok(began.run, [{ kind: 'postLog', text: `🚨 ${reason}` }, { kind: 'refreshStatus' }, ...began.effects]);
  }
  const effects: Effect[] = [];
  if (!event.healthy) effects.push({ kind: 'postLog', text: `⚠️ Health check ${event.seq} failed: ${event.detail}` });
  if (verdict.kind === 'inconclusive') effects.push({ kind: 'postLog', text: `❔ Check ${event.seq} inconclusive: ${verdict.metrics.join(', ')} could not be measured` });
  // The run succeeds on a healthy, conclusive last check; otherwise it keeps watching until the check clears or a trigger fires.
  if (event.seq >= monitoring.checks && verdict.kind === 'healthy' && event.healthy) {
    return ok(finish(sampled, 'succeeded', at), [{ kind: 'refreshStatus' }, { kind: 'announce', message: 'success' }]);
  }
  return ok(sampled, [...effects, checkSlot(sampled, event.seq + 1)]);
}

/** Check `seq` at its slot in the schedule, counted from the start of monitoring; past the end, at the last pace. */
export function checkSlot(run: Run, seq: number): Extract<Effect, { kind: 'scheduleCheck' }> {
  const schedule = run.spec.monitoring!.schedule;
  const since = Date.parse(run.monitoringSince ?? run.requestedAt);
  const last = schedule.at(-1)!;
  const offset = checkOffset(schedule, seq) ?? last.untilMs + (seq - run.spec.monitoring!.checks) * last.everyMs;
  return { kind: 'scheduleCheck', seq, at: new Date(since + offset).toISOString() };
}

/** "error_rate was 20%, 21% (> 5%) for 5m" — the numbers a rollback message must show. */
export function describeBreach(verdict: Extract<ReturnType<typeof assess>, { kind: 'breach' }>): string {
  const { trigger, evidence, heldMs } = verdict;
  if (trigger.kind === 'health_failing') return evidence.map((sample) => sample.detail).join('; ');
  const values = evidence.map((sample) => readingOf(sample, trigger.metric)?.value).filter((value): value is number => typeof value === 'number');
  const shown = (value: number) => (trigger.kind === 'threshold' && trigger.percent ? `${+(value * 100).toFixed(2)}%` : `${+value.toPrecision(4)}`);
  const limit = verdict.limit === null ? '' : ` (${trigger.op} ${shown(verdict.limit)}${trigger.kind === 'baseline' ? ` = baseline × ${trigger.factor}` : ''})`;
  return `${trigger.metric} was ${values.map(shown).join(', ')}${limit} for ${formatDuration(heldMs)}`;
}

function onRollbackRequested(run: Run, by: Actor, reason: string | null, at: string): TransitionResult {
  if (run.state === 'rolling_back') return fail('not_allowed', `${run.key} is already rolling back.`);
  if (!PRODUCTION_TOUCHED.includes(run.state)) {
    const hint = isTerminal(run.state) ? `it has ended (${run.state})` : `nothing has been deployed yet; use /deploy cancel ${run.key}`;
    return fail('not_allowed', `${run.key} cannot be rolled back: ${hint}.`);
  }
  const permission = mayRollback(run.spec, by);
  if (!permission.allowed) return fail('forbidden', permission.reason);
  const why = reason ? `manual rollback by ${by.name}: ${reason}` : `manual rollback by ${by.name}`;
  const rolling = beginRollback(run, why, by, null, [], at);
  const log: Effect = { kind: 'postLog', text: `↩️ Rollback requested by ${by.name}${reason ? `: ${reason}` : ''}` };
  // A step in flight finishes first (see onStepFinished); otherwise undo now.
  if (run.cursor?.startedAt) return ok(rolling, [log, { kind: 'refreshStatus' }]);
  const began = enterPhase({ ...rolling, cursor: null }, 'rollback', at);
  return ok(began.run, [log, { kind: 'refreshStatus' }, ...began.effects]);
}

function onCancel(run: Run, by: Actor, reason: string | null, at: string): TransitionResult {
  if (isTerminal(run.state)) return fail('not_allowed', `${run.key} has already ended (${run.state}).`);
  if (!['queued', 'pre_checks', 'staging', 'awaiting_decision'].includes(run.state)) {
    return fail('not_allowed', `${run.key} is already changing production; use /deploy rollback ${run.key} instead.`);
  }
  const permission = mayCancel(run.spec, run.requestedBy, by);
  if (!permission.allowed) return fail('forbidden', permission.reason);
  const cancelled = finish({ ...run, cancelled: { by, reason } }, 'cancelled', at);
  return ok({ ...cancelled, cursor: null }, [{ kind: 'postLog', text: `Cancelled by ${by.name}${reason ? `: ${reason}` : ''}` }, { kind: 'refreshStatus' }]);
}

function beginRollback(run: Run, reason: string, by: Actor | null, trigger: string | null, evidence: Sample[], at: string): Run {
  return { ...run, state: 'rolling_back', rollback: { reason, by, trigger, evidence, startedAt: at, trafficRestoredAt: null, finishedAt: null } };
}

function finish(run: Run, state: RunState, at: string): Run {
  return { ...run, state, finishedAt: at };
}

export function currentStep(run: Run) {
  if (!run.cursor) return undefined;
  return run.spec.steps[run.cursor.phase][run.cursor.index];
}

export function describeDecision(decision: Decision): string {
  const label = { go: 'GO', no_go: 'NO-GO', defer: 'DEFER' }[decision.decision];
  return `${label} by ${decision.by.name} at ${decision.at.slice(11, 16)} UTC${decision.rationale ? ` (“${decision.rationale}”)` : ''}`;
}

function ok(run: Run, effects: Effect[]): TransitionResult {
  return { ok: true, run, effects };
}

function fail(code: 'not_allowed' | 'forbidden' | 'stale', message: string): TransitionResult {
  return { ok: false, error: { code, message } };
}
