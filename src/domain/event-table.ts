import { describeDecision } from './run-flow.ts';
import {
  CANCELLABLE_STATES,
  CHECKED_STATES,
  fail,
  isTerminal,
  PRODUCTION_TOUCHED,
  stateLabel,
  type Run,
  type RunEvent,
  type RunState,
  type TransitionResult,
} from './run-types.ts';

/**
 * Which states accept which event: the one table, on one screen, checked once at the top of
 * `transition` (run.ts) before any handler runs (the shape of shipit-engine's event table). A handler
 * only sees its event in a state listed here, so it judges the event itself (who, which step, which
 * check) and never the state again. Refusals say what people are told; a late or repeated job is
 * `stale` (workers drop it, and it is no person's refusal).
 */

/** States in which a worker may be running the run's current step: the phases' states (run-flow.ts PHASE_STATE). */
export const STEPPING_STATES: readonly RunState[] = ['pre_checks', 'staging', 'deploying', 'finalizing', 'rolling_back'];
/** Waiting for Go/No-Go: decisions count, reminders and the timeout matter. */
export const DECIDING_STATES: readonly RunState[] = ['awaiting_decision'];
export const SCHEDULED_STATES: readonly RunState[] = ['scheduled'];
export const PROMOTABLE_STATES: readonly RunState[] = ['awaiting_promotion'];
export const PAUSED_STATES: readonly RunState[] = ['paused'];
/** Production may have changed and no rollback is under way yet: a rollback may begin. */
export const ROLLBACKABLE_STATES: readonly RunState[] = PRODUCTION_TOUCHED;

type EventName = Exclude<RunEvent['type'], 'requested' | 'timer'> | 'timer.scheduled_start' | 'timer.decision';
type EventOf<N extends EventName> = N extends `timer.${string}` ? Extract<RunEvent, { type: 'timer' }> : Extract<RunEvent, { type: N }>;

interface Acceptance<E extends RunEvent> {
  in: readonly RunState[];
  /** The answer when the run is in any other state. */
  refuse: (run: Run, event: E) => TransitionResult;
}

const notCurrentStep = (run: Run, event: { stepId: string }) => fail('stale', `Step ${event.stepId} is not the run's current step.`);

export const EVENT_TABLE: { [N in EventName]: Acceptance<EventOf<N>> } = {
  'step.started': { in: STEPPING_STATES, refuse: notCurrentStep },
  'step.succeeded': { in: STEPPING_STATES, refuse: notCurrentStep },
  'step.failed': { in: STEPPING_STATES, refuse: notCurrentStep },
  decision: {
    in: DECIDING_STATES,
    refuse: (run) =>
      run.decision
        ? { ok: false, error: { code: 'already_decided', message: `Already decided: ${describeDecision(run.decision)}.`, decision: run.decision } }
        : fail('not_allowed', `${run.key} is not waiting for a Go/No-Go decision (it is ${stateLabel(run.state)}).`),
  },
  'timer.scheduled_start': { in: SCHEDULED_STATES, refuse: (run) => fail('stale', `${run.key} is not waiting for a scheduled start.`) },
  'timer.decision': { in: DECIDING_STATES, refuse: (run) => fail('stale', `${run.key} is not waiting for a decision.`) },
  check: { in: CHECKED_STATES, refuse: (run, event) => fail('stale', `Check ${event.seq} is not due on ${run.key}.`) },
  promotion: { in: PROMOTABLE_STATES, refuse: (run) => fail('not_allowed', `${run.key} is not waiting to be promoted (it is ${stateLabel(run.state)}).`) },
  resume: { in: PAUSED_STATES, refuse: (run) => fail('not_allowed', `${run.key} is not paused (it is ${stateLabel(run.state)}).`) },
  'rollback.requested': {
    in: ROLLBACKABLE_STATES,
    refuse: (run) => {
      if (run.state === 'rolling_back' || run.state === 'validating_rollback') return fail('not_allowed', `${run.key} is already rolling back.`);
      const hint = isTerminal(run.state) ? `it has ended (${stateLabel(run.state)})` : `nothing has been deployed yet; use /deploy cancel ${run.key}`;
      return fail('not_allowed', `${run.key} cannot be rolled back: ${hint}.`);
    },
  },
  'cancel.requested': {
    in: CANCELLABLE_STATES,
    refuse: (run) =>
      isTerminal(run.state)
        ? fail('not_allowed', `${run.key} has already ended (${stateLabel(run.state)}).`)
        : fail('not_allowed', `${run.key} is already changing production; use /deploy rollback ${run.key} instead.`),
  },
};

/** The table's answer for an event on an existing run: null when its state accepts it, else the refusal. */
export function refusedByState(run: Run, event: Exclude<RunEvent, { type: 'requested' }>): TransitionResult | null {
  const name: EventName = event.type === 'timer' ? (event.timer === 'scheduled_start' ? 'timer.scheduled_start' : 'timer.decision') : event.type;
  const rule = EVENT_TABLE[name] as Acceptance<RunEvent>;
  return rule.in.includes(run.state) ? null : rule.refuse(run, event);
}
