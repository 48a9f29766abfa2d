import type { Reading, Sample, VersionTally } from './assess.ts';
import type { Effect } from './effects.ts';
import type { GoGates } from './go-gates.ts';
import type { Actor } from './identity.ts';
import type { SchedulePace } from './schedule.ts';
import type { RunSpec } from './spec.ts';
import type { Phase } from './steps.ts';
import type { RollbackOutcome } from './strategies/index.ts';

/** The run's data and the events that change it. The state machine itself is in run.ts. */

export const RUN_STATES = [
  /** Started with --at: waiting for its time (it holds the target, like any active run). */
  'scheduled',
  'queued',
  'pre_checks',
  'staging',
  'awaiting_decision',
  'deploying',
  /** Holding a partial rollout (a canary weight) while checks watch it. */
  'verifying',
  /** A manual canary step held healthily: waiting for promote / hold / roll back. Checks go on. */
  'awaiting_promotion',
  'monitoring',
  /** Monitoring could not measure for too long and the plan says a human decides: resume or roll back. Checks go on. */
  'paused',
  /** Monitoring passed: tidying up (blue-green retires the slot it kept warm). No rollback from here. */
  'finalizing',
  'succeeded',
  'failed',
  'no_go',
  'deferred',
  'cancelled',
  'rolling_back',
  /** The rollback steps of a level are done: checks watch production before Flightdeck says anything (the seeds' Rollback Validation). */
  'validating_rollback',
  'rolled_back',
  'rollback_failed',
] as const;
export type RunState = (typeof RUN_STATES)[number];

export const TERMINAL_STATES: readonly RunState[] = ['succeeded', 'failed', 'no_go', 'deferred', 'cancelled', 'rolled_back', 'rollback_failed'];
export const ACTIVE_STATES: readonly RunState[] = RUN_STATES.filter((state) => !TERMINAL_STATES.includes(state));
/** States in which checks are scheduled and triggers can fire. */
export const WATCHED_STATES: readonly RunState[] = ['verifying', 'awaiting_promotion', 'monitoring', 'paused'];
/** States in which a check job measures production: while watched, and while a rollback is validated. */
export const CHECKED_STATES: readonly RunState[] = [...WATCHED_STATES, 'validating_rollback'];
/** States in which production may already have changed: rollback, not cancel, undoes them. */
export const PRODUCTION_TOUCHED: readonly RunState[] = ['deploying', ...WATCHED_STATES];
/** States in which nothing has changed production yet: cancel, not rollback, stops them. */
export const CANCELLABLE_STATES: readonly RunState[] = ['scheduled', 'queued', 'pre_checks', 'staging', 'awaiting_decision'];

export function isTerminal(state: RunState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** A state as people read it: "awaiting decision", "pre checks". Every message that names a state says it this way. */
export function stateLabel(state: RunState): string {
  return state === 'no_go' ? 'NO-GO' : state.replace(/_/g, ' ');
}

export type DecisionKind = 'go' | 'no_go' | 'defer';
export type TimerKind = 'decision_reminder' | 'decision_timeout' | 'scheduled_start';

export interface Decision {
  decision: DecisionKind;
  by: Actor;
  at: string;
  rationale: string | null;
  /** The plan's person key of the approver, so one human on two platforms counts once. */
  approver?: string;
  /** A GO an admin gave while the target was locked or frozen: what it overrode (the rationale says why). */
  override?: string;
}

/** Production readiness: prerequisites passed, as a score out of 100 against the plan's threshold. */
export interface Readiness {
  score: number;
  threshold: number;
  verdict: 'READY' | 'CONDITIONAL' | 'NOT_READY';
  /** Prerequisites that failed: critical ones block; others make the run CONDITIONAL (approvers must acknowledge them). */
  failing: { name: string; critical: boolean; points: number; summary: string }[];
}

export interface StepRecord {
  stepId: string;
  name: string;
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  summary: string;
}

/**
 * The window of checks in force: a canary hold (`stepId` is the hold step) or the final monitoring
 * (`stepId` null). Check `seq` of the run is slot `seq - firstSeq + 1` of `schedule`, counted from `since`.
 */
export interface Watch {
  stepId: string | null;
  since: string;
  firstSeq: number;
  schedule: SchedulePace[];
  checks: number;
}

/** What a rollback of a finished deployment replaces: the live version `from` (deployed by run `of`) with `to`, which succeeded here before. */
export interface Redeploy {
  from: string;
  to: string;
  of: string | null;
}

export interface Run {
  id: string;
  /** Short human id used in chat, e.g. `api-42`. */
  key: string;
  service: string;
  version: string;
  /** What the last successful run of this service and environment deployed: rolling undo puts it back. */
  previousVersion: string | null;
  environment: string;
  /** The platform the run was started from; its messages go there. */
  platform: Actor['platform'];
  requestedBy: Actor;
  requestedAt: string;
  spec: RunSpec;
  state: RunState;
  /** Number of events applied; the next event is number seq + 1. */
  seq: number;
  /** The step to run next, or running now; `attempt`: which start of the step's job started it (see step.started). */
  cursor: { phase: Phase; index: number; startedAt: string | null; queuedAt: string; attempt?: number } | null;
  /** A scheduled start: when (UTC) and how the requester wrote it ("Tue 24 Nov 14:00 Europe/Berlin (13:00 UTC)"). */
  scheduled: { at: string; shown: string } | null;
  /** A rollback of a finished deployment (`/deploy rollback <service>`, domain/redeploy.ts): it deploys `to` again over `from`, the live version of run `of`. */
  redeploy: Redeploy | null;
  /** The commit deployed (`--commit <sha>[@<time>]`): DORA's lead time runs from its time (domain/dora.ts). */
  commit: { sha: string; at: string | null } | null;
  /** Started with --emergency inside a freeze window (`freeze`: its name, domain/freeze.ts): the justification, shown everywhere; it needs one more approver. */
  emergency: { justification: string; freeze?: string } | null;
  /** The readiness gate's verdict once the pre-checks have run (null before, or when the plan has no prerequisites). */
  readiness: Readiness | null;
  decision: Decision | null;
  /** GOs so far while a quorum is not reached. */
  approvals: Decision[];
  /** Since when the run waits for Go/No-Go, how many reminders went out, and whether it timed out. */
  awaiting: { since: string; reminders: number; timedOutAt: string | null } | null;
  samples: Sample[];
  nextCheck: number;
  watch: Watch | null;
  /** When production monitoring began (after the last deploy step). */
  monitoringSince: string | null;
  /** Set while paused: why, and the state a resume returns to. */
  paused: { at: string; reason: string; resumeTo: RunState } | null;
  /** Baseline value per metric, measured before traffic moved (empty until a baseline is taken). */
  baselines: Record<string, number>;
  steps: StepRecord[];
  rollback: {
    reason: string;
    by: Actor | null;
    trigger: string | null;
    evidence: Sample[];
    startedAt: string;
    /** When production traffic was back on the old version (the undo steps of the level that validated): the rollback time the seeds measure. */
    trafficRestoredAt: string | null;
    finishedAt: string | null;
    /** The level being undone or validated (domain/rollback-spec.ts), and when its last undo step finished. */
    level: number;
    undoneAt: string | null;
    /** One per level that was validated, in order; the last one decides how the rollback ended. */
    validations: RollbackValidation[];
  } | null;
  failure: { stepId: string; name: string; message: string } | null;
  cancelled: { by: Actor; reason: string | null } | null;
  finishedAt: string | null;
}

/** The seeds' "Rollback Status". */
export type RollbackStatus = 'SUCCESS' | 'PARTIAL' | 'FAILED';

/** The validation of one rollback level: its checks of production and, once the window is over, the status and what is still wrong. */
export interface RollbackValidation {
  level: number;
  outcome: RollbackOutcome;
  /** The version that should answer now: the previous one, or (flag off) this run's; null when nothing served before the run. */
  expected: string | null;
  since: string;
  /** The latest checks of the window (at most VALIDATION_SAMPLES_KEPT). */
  checks: Sample[];
  status: RollbackStatus | null;
  problems: string[];
  /** What passed, for the message: "20 of 20 requests answered 1.1.0", "health check passing", … */
  evidence: string[];
  finishedAt: string | null;
}

export type RunEvent =
  | {
      type: 'requested';
      run: Pick<Run, 'id' | 'key' | 'service' | 'version' | 'environment' | 'platform' | 'requestedBy' | 'spec'> & {
        previousVersion?: string | null;
        scheduled?: { at: string; shown: string } | null;
        emergency?: Run['emergency'];
        redeploy?: Run['redeploy'];
        commit?: Run['commit'];
      };
    }
  /** `attempt`: how many times the step's job has started, this start included (1; 2 after a take-over or a retry); absent in older events. */
  | { type: 'step.started'; stepId: string; attempt?: number }
  /** `output` is the tail of what the step printed: kept in the audit trail, not in the run. */
  | { type: 'step.succeeded'; stepId: string; summary: string; output?: string; baselines?: Record<string, number> }
  | { type: 'step.failed'; stepId: string; summary: string; output?: string }
  /** `acknowledged`: the approver saw the CONDITIONAL items (the GO form's checkbox); required for GO on a CONDITIONAL run. */
  /** `gates`: the lock and freezes a GO would deploy into, gathered when it was given (domain/go-gates.ts). */
  | { type: 'decision'; decision: DecisionKind; by: Actor; rationale: string | null; acknowledged?: boolean; gates?: GoGates }
  /** A timer the run set went off: remind approvers (n-th reminder), or give up waiting for a decision. */
  | {
      type: 'timer';
      timer: TimerKind;
      n: number;
      /** scheduled_start only: why the target cannot take the run now (a lock taken since it was scheduled). */ blockedBy?: string;
    }
  | {
      type: 'check';
      seq: number;
      healthy: boolean;
      detail: string;
      readings?: Reading[];
      /** Rollback validation: which versions answered the version probe. */ versions?: VersionTally;
    }
  /** A human answers a healthy manual canary step: promote to the next step, or hold it for another window. */
  | { type: 'promotion'; action: 'promote' | 'hold'; by: Actor }
  /** A human takes a paused run back: monitoring goes on where it was. */
  | { type: 'resume'; by: Actor; reason: string | null }
  | { type: 'rollback.requested'; by: Actor; reason: string | null }
  | { type: 'cancel.requested'; by: Actor; reason: string | null };

export type TransitionError =
  | { code: 'not_allowed'; message: string }
  | { code: 'forbidden'; message: string }
  | { code: 'already_decided'; message: string; decision: Decision }
  /** A late or duplicated job: the run has moved on. Workers drop these silently. */
  | { code: 'stale'; message: string }
  /**
   * A decision taken but for one of its inputs: the form shows `message` on `input`. `refused`: the machine
   * refuses the decision as given (a GO that does not accept the CONDITIONAL items, an override without its
   * reason), which the audit trail keeps; otherwise the form is only incomplete (a NO-GO with no reason).
   */
  | { code: 'invalid_input'; input: DecisionInput; message: string; refused: boolean };

/** The inputs of the Go/No-Go form that a decision's judgement can turn on. */
export type DecisionInput = 'rationale' | 'acknowledged';

export type TransitionResult = { ok: true; run: Run; effects: Effect[] } | { ok: false; error: TransitionError };

export function ok(run: Run, effects: Effect[]): TransitionResult {
  return { ok: true, run, effects };
}

export function fail(code: 'not_allowed' | 'forbidden' | 'stale', message: string): TransitionResult {
  return { ok: false, error: { code, message } };
}

export function finish(run: Run, state: RunState, at: string): Run {
  return { ...run, state, finishedAt: at };
}
