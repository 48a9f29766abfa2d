import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currentStep, isTerminal, transition, replay, type Run, type RunEvent } from '../../src/domain/run.ts';
import type { Actor } from '../../src/domain/identity.ts';
import { alice, bob, carol, minutes, requested } from './support.ts';

/**
 * Random event sequences through the state machine, the way a store would apply them (refused
 * events are dropped), checking what must hold whatever happens.
 */
const STEP_IDS = ['pre_checks.0', 'deploy.0', 'deploy.1', 'deploy.2', 'rollback.0', 'rollback.1'];
const actor = fc.constantFrom<Actor>(alice, bob, carol, { platform: 'teams', id: 'UBOB', name: 'bob-on-teams' });

const event: fc.Arbitrary<RunEvent> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('step.started' as const), stepId: fc.constantFrom(...STEP_IDS) }) },
  { weight: 6, arbitrary: fc.record({ type: fc.constant('step.succeeded' as const), stepId: fc.constantFrom(...STEP_IDS), summary: fc.constant('ok') }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('step.failed' as const), stepId: fc.constantFrom(...STEP_IDS), summary: fc.constant('exit 1') }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('decision' as const), decision: fc.constantFrom('go' as const, 'no_go' as const, 'defer' as const), by: actor, rationale: fc.constant(null) }) },
  { weight: 5, arbitrary: fc.record({ type: fc.constant('check' as const), seq: fc.integer({ min: 1, max: 7 }), healthy: fc.boolean(), detail: fc.constant('probe') }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('rollback.requested' as const), by: actor, reason: fc.constant(null) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('cancel.requested' as const), by: actor, reason: fc.constant(null) }) },
);

/** Moves that follow the run (finish its current step, take its next check, GO by an approver), so random sequences reach deep states. */
type Move = RunEvent | { advance: boolean } | { nextCheck: boolean } | { approve: true };
const move: fc.Arbitrary<Move> = fc.oneof(
  { weight: 3, arbitrary: event },
  { weight: 4, arbitrary: fc.record({ advance: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ nextCheck: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ approve: true as const }) },
);

function expand(run: Run, next: Move): RunEvent[] {
  if ('type' in next) return [next];
  if ('approve' in next) return [{ type: 'decision', decision: 'go', by: bob, rationale: null }];
  if ('nextCheck' in next) return [{ type: 'check', seq: run.nextCheck, healthy: next.nextCheck, detail: 'probe' }];
  const step = currentStep(run);
  if (!step) return [];
  // Mostly successes, so runs get far; a failure one time in four.
  const ok = next.advance || Math.abs(run.seq % 4) !== 0;
  return [{ type: 'step.started', stepId: step.id }, ok ? { type: 'step.succeeded', stepId: step.id, summary: 'ok' } : { type: 'step.failed', stepId: step.id, summary: 'exit 1' }];
}

interface Trace {
  run: Run;
  accepted: { event: RunEvent; at: Date }[];
  violations: string[];
}

function drive(moves: Move[]): Trace {
  const first = transition(null, requested(), minutes(0));
  if (!first.ok) throw new Error('could not create the run');
  let run = first.run;
  const accepted = [{ event: requested(), at: minutes(0) }];
  const violations: string[] = [];
  let index = 0;
  for (const next of moves) for (const one of expand(run, next)) apply(one);
  return { run, accepted, violations };

  function apply(next: RunEvent) {
    const at = minutes(++index);
    const result = transition(run, next, at);
    if (isTerminal(run.state)) {
      if (result.ok) violations.push(`${next.type} accepted after terminal ${run.state}`);
      return;
    }
    if (!result.ok) return;
    if (result.run.seq !== run.seq + 1) violations.push(`seq went ${run.seq} → ${result.run.seq}`);
    for (const effect of result.effects) {
      if (effect.kind === 'runStep' && effect.stepId.startsWith('deploy.') && result.run.decision?.decision !== 'go') violations.push(`deploy step ${effect.stepId} without GO`);
    }
    if (['rolled_back', 'rollback_failed'].includes(result.run.state) && run.state !== result.run.state && !result.effects.some((effect) => effect.kind === 'page')) {
      violations.push(`${result.run.state} without paging on-call`);
    }
    run = result.run;
    accepted.push({ event: next, at });
  }
}

/** Completes a rollback in progress: its steps succeed (or the first one fails). */
function finishRollback(run: Run, fail: boolean): Run {
  for (let guard = 0; run.state === 'rolling_back' && guard < 10; guard++) {
    const step = currentStep(run);
    if (!step) throw new Error('rolling back with no step to run');
    for (const next of [{ type: 'step.started', stepId: step.id }, fail ? { type: 'step.failed', stepId: step.id, summary: 'exit 1' } : { type: 'step.succeeded', stepId: step.id, summary: 'ok' }] as RunEvent[]) {
      const result = transition(run, next, minutes(100));
      if (!result.ok) throw new Error(result.error.message);
      run = result.run;
    }
  }
  return run;
}

describe('run state machine invariants', () => {
  it('terminal is final; no production step without GO; rolled_back and rollback_failed always page; seq counts events', () => {
    fc.assert(
      fc.property(fc.array(move, { maxLength: 60 }), (moves) => {
        const { violations } = drive(moves);
        expect(violations).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('a rollback always ends rolled_back, or rollback_failed when a rollback step fails', () => {
    fc.assert(
      fc.property(fc.array(move, { maxLength: 60 }), fc.boolean(), (moves, fail) => {
        const { run } = drive(moves);
        fc.pre(run.state === 'rolling_back');
        expect(finishRollback(run, fail).state).toBe(fail ? 'rollback_failed' : 'rolled_back');
      }),
      { numRuns: 300 },
    );
  });

  it('replaying the accepted events rebuilds the run exactly', () => {
    fc.assert(
      fc.property(fc.array(move, { maxLength: 60 }), (moves) => {
        const { run, accepted } = drive(moves);
        expect(replay(accepted)).toEqual(run);
      }),
      { numRuns: 200 },
    );
  });
});
