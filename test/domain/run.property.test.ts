import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/identity.ts';
import { currentStep, isTerminal, replay, transition, type Run, type RunEvent, type RunState } from '../../src/domain/run.ts';
import type { Effect } from '../../src/domain/effects.ts';
import type { RunSpec } from '../../src/domain/spec.ts';
import { ALICE, ALL_STEP_IDS, BOB, BOB_ON_TEAMS, buildPlan, buildSpec, CAROL, MALLORY, requestedEvent, T0 } from './fixtures.ts';

/**
 * Random event sequences through the state machine, applied the way the store applies them:
 * each event at a later instant, refused events dropped. Invariants checked on every step.
 */

const ACTORS: Actor[] = [ALICE, BOB, CAROL, MALLORY, BOB_ON_TEAMS];
const actor = fc.constantFrom(...ACTORS);
/** The plan's steps, plus one that does not exist. */
const stepId = fc.constantFrom(...ALL_STEP_IDS, 'deploy.3');
const reason = fc.option(fc.constantFrom('wrong build', 'p95 doubled', ''), { nil: null });

const randomEvent: fc.Arbitrary<RunEvent> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('step.started' as const), stepId }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('step.succeeded' as const), stepId, summary: fc.constant('exit 0') }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('step.failed' as const), stepId, summary: fc.constant('exit 1') }) },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('decision' as const),
      decision: fc.constantFrom('go' as const, 'no_go' as const, 'defer' as const),
      by: actor,
      rationale: fc.option(fc.constant('because'), { nil: null }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('check' as const),
      seq: fc.integer({ min: 0, max: 12 }),
      healthy: fc.boolean(),
      detail: fc.constant('GET /health'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('rollback.requested' as const), by: actor, reason }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('cancel.requested' as const), by: actor, reason }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('promotion' as const), action: fc.constantFrom('promote' as const, 'hold' as const), by: actor }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('resume' as const), by: actor, reason }) },
);

/**
 * Purely random events rarely hit the one step id or check seq that is due, so runs would stay
 * shallow. Some moves follow the run instead: the current step starts and ends (well or badly), the
 * due check arrives, the approver decides.
 */
type Move =
  | { kind: 'event'; event: RunEvent }
  | { kind: 'step'; outcome: 'succeeded' | 'failed' | 'started-only' }
  | { kind: 'dueCheck'; healthy: boolean }
  | { kind: 'approverDecides'; decision: 'go' | 'no_go' | 'defer' }
  | { kind: 'onCallRollsBack' }
  | { kind: 'approverPromotes'; action: 'promote' | 'hold' }
  | { kind: 'secondApproverSaysGo'; acknowledged: boolean };

const move: fc.Arbitrary<Move> = fc.oneof(
  { weight: 4, arbitrary: randomEvent.map((event) => ({ kind: 'event' as const, event })) },
  {
    weight: 6,
    arbitrary: fc
      .oneof(
        { weight: 10, arbitrary: fc.constant('succeeded' as const) },
        { weight: 1, arbitrary: fc.constant('failed' as const) },
        { weight: 2, arbitrary: fc.constant('started-only' as const) },
      )
      .map((outcome) => ({ kind: 'step' as const, outcome })),
  },
  {
    weight: 4,
    arbitrary: fc
      .oneof({ weight: 2, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) })
      .map((healthy) => ({ kind: 'dueCheck' as const, healthy })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('go' as const, 'go' as const, 'go' as const, 'no_go' as const, 'defer' as const)
      .map((decision) => ({ kind: 'approverDecides' as const, decision })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'onCallRollsBack' as const }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('promote' as const, 'promote' as const, 'hold' as const).map((action) => ({ kind: 'approverPromotes' as const, action })),
  },
  { weight: 1, arbitrary: fc.boolean().map((acknowledged) => ({ kind: 'secondApproverSaysGo' as const, acknowledged })) },
);
/** Long enough to go from request to the end of monitoring (about 20 moves that follow the run). */
const moves = fc.array(move, { minLength: 1, maxLength: 60, size: 'max' });
/** Gaps between events: usually a second, sometimes much longer. */
const gaps = fc.array(fc.constantFrom(1_000, 1_000, 1_000, 30_000, 3_600_000), { minLength: 1, maxLength: 8 });

function eventsFor(run: Run, next: Move): RunEvent[] {
  switch (next.kind) {
    case 'event':
      return [next.event];
    case 'dueCheck':
      return [{ type: 'check', seq: run.nextCheck, healthy: next.healthy, detail: next.healthy ? 'GET /health → 200' : 'GET /health → 503' }];
    case 'approverDecides':
      return [{ type: 'decision', decision: next.decision, by: BOB, rationale: next.decision === 'go' ? null : 'not this one', acknowledged: true }];
    case 'onCallRollsBack':
      return [{ type: 'rollback.requested', by: CAROL, reason: 'on-call says so' }];
    case 'approverPromotes':
      return [{ type: 'promotion', action: next.action, by: BOB }];
    case 'secondApproverSaysGo':
      return [{ type: 'decision', decision: 'go', by: CAROL, rationale: 'second look', acknowledged: next.acknowledged }];
    case 'step': {
      const step = currentStep(run);
      if (!step) return [];
      const started: RunEvent = { type: 'step.started', stepId: step.id };
      if (next.outcome === 'started-only') return [started];
      return [
        started,
        next.outcome === 'succeeded'
          ? { type: 'step.succeeded', stepId: step.id, summary: 'exit 0' }
          : { type: 'step.failed', stepId: step.id, summary: 'exit 1' },
      ];
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

interface Trace {
  run: Run;
  /** The accepted events, with their instants: the audit trail. */
  trail: { event: RunEvent; at: Date }[];
  /** Every event offered, accepted or not. */
  offered: { event: RunEvent; at: Date }[];
  /** States the run passed through, in order. */
  states: RunState[];
  /** Whether a rollback was asked for while a step was running. */
  rollbackWaitedForAStep: boolean;
  /** The run at every point where it was rolling back. */
  rollingBack: Run[];
}

const SPECS: Record<string, RunSpec> = {
  // Two rollback steps (switch back, verify).
  standard: buildSpec(),
  // A single rollback step, and a longer monitoring window.
  lean: buildSpec(
    buildPlan((document) => {
      delete (document.environments.production.strategy as { verifyRollback?: unknown }).verifyRollback;
      document.environments.production.monitoring.for = '8s';
    }),
  ),
  // Readiness prerequisites (one may fail and leave the run CONDITIONAL), staging, a quorum of two, and a retire after monitoring.
  gated: buildSpec(
    buildPlan((document) => {
      const production = document.environments.production as Record<string, unknown>;
      const strategy = production.strategy as Record<string, unknown>;
      strategy.retireOld = { name: 'Retire', run: ['./ctl', 'retire'] };
      production.readiness = {
        threshold: 50,
        prerequisites: [
          { name: 'CI', run: ['ci'], points: 60, critical: true },
          { name: 'Load test', run: ['load'], points: 40 },
        ],
      };
      production.staging = { deploy: [{ name: 'Staging deploy', run: ['deploy', 'staging'] }] };
      production.approval = { quorum: 2 };
      (document as Record<string, unknown>).approvers = ['bob', 'carol'];
    }),
  ),
  // Holds watched by checks, one of them waiting for a human to promote.
  canary: buildSpec(
    buildPlan((document) => {
      const run = (name: string) => ({ name, run: [name] });
      (document.environments.production as { strategy: unknown }).strategy = {
        kind: 'canary',
        deploy: run('canary-deploy'),
        setWeight: run('canary-weight'),
        promote: run('canary-promote'),
        abort: run('canary-abort'),
        steps: [
          { weight: 5, hold: '2s' },
          { weight: 25, hold: '3s', promotion: 'manual' },
        ],
        checkEvery: '1s',
      };
    }),
  ),
};
const specName = fc.constantFrom(...Object.keys(SPECS));

/**
 * Applies the moves the way the store does, asserting on every transition:
 *  (a) terminal is final: an ended run refuses every event;
 *  (b) no deploy step is enqueued without a GO (the spec requires a decision);
 *  (c) entering rollback_failed pages on-call in the same transition; entering rolled_back pages iff the
 *      rollback was automatic (a person who rolled back by hand is already there);
 *  (e) seq grows by exactly one per accepted event;
 * and that transition never changes the run it is given (the runs are deep-frozen).
 */
function drive(spec: RunSpec, plannedMoves: Move[], gapsMs: number[]): Trace {
  let now = T0.getTime();
  let tick = 0;
  const created = transition(null, requestedEvent({ spec }), new Date(now));
  if (!created.ok) throw new Error(created.error.message);
  let run = deepFreeze(created.run);
  const trail: { event: RunEvent; at: Date }[] = [{ event: requestedEvent({ spec }), at: new Date(now) }];
  const offered = [...trail];
  const states: RunState[] = [run.state];
  let rollbackWaitedForAStep = false;
  const rollingBack: Run[] = [];

  for (const next of plannedMoves) {
    for (const event of eventsFor(run, next)) {
      now += gapsMs[tick++ % gapsMs.length]!;
      const at = new Date(now);
      const result = transition(run, event, at);
      offered.push({ event, at });
      if (isTerminal(run.state)) {
        // (a)
        expect(result.ok, `${event.type} accepted after the run ended ${run.state}`).toBe(false);
      }
      if (!result.ok) continue;
      // (e)
      expect(result.run.seq).toBe(run.seq + 1);
      // (b)
      for (const effect of result.effects) {
        // (f) a hold or a rollback validation is watched, never handed to a worker
        if (effect.kind === 'runStep')
          expect(['hold', 'validate']).not.toContain(
            Object.values(result.run.spec.steps)
              .flat()
              .find((step) => step.id === effect.stepId)?.action.kind,
          );
        if (effect.kind === 'runStep' && effect.stepId.startsWith('deploy.')) {
          expect(spec.requireDecision).toBe(true);
          expect(result.run.decision?.decision, `${effect.stepId} enqueued without GO`).toBe('go');
          // The quorum's GOs come from distinct approvers, never the requester.
          expect(result.run.approvals.length).toBe(spec.approval.quorum);
          expect(new Set(result.run.approvals.map((vote) => vote.approver)).size).toBe(spec.approval.quorum);
          expect(result.run.approvals.every((vote) => vote.by.id !== result.run.requestedBy.id)).toBe(true);
        }
      }
      // (c)
      const pages = result.effects.flatMap((effect) => (effect.kind === 'page' ? [effect.cause] : []));
      if (result.run.state === 'rollback_failed') expect(pages, 'rollback_failed pages on-call').toEqual(['rollback_failed']);
      if (result.run.state === 'rolled_back') expect(pages, 'rolled_back pages iff automatic').toEqual(result.run.rollback?.by ? [] : ['automatic_rollback']);
      if (event.type === 'rollback.requested' && run.cursor?.startedAt && run.cursor.phase === 'deploy') rollbackWaitedForAStep = true;
      run = deepFreeze(result.run);
      trail.push({ event, at });
      if (states.at(-1) !== run.state) states.push(run.state);
      if (run.state === 'rolling_back') rollingBack.push(run);
    }
  }
  return { run, trail, offered, states, rollbackWaitedForAStep, rollingBack };
}

/** Every kind of event, for every step id and a range of check seqs, by everyone. */
function everyEvent(run: Run): RunEvent[] {
  const events: RunEvent[] = [];
  for (const id of [...ALL_STEP_IDS, 'deploy.3']) {
    events.push(
      { type: 'step.started', stepId: id },
      { type: 'step.succeeded', stepId: id, summary: 'ok' },
      { type: 'step.failed', stepId: id, summary: 'no' },
    );
  }
  for (const by of ACTORS) {
    for (const decision of ['go', 'no_go', 'defer'] as const) events.push({ type: 'decision', decision, by, rationale: null });
    events.push({ type: 'rollback.requested', by, reason: null }, { type: 'cancel.requested', by, reason: null });
  }
  for (const seq of [run.nextCheck, run.nextCheck + 1, 1, 5])
    events.push({ type: 'check', seq, healthy: true, detail: 'ok' }, { type: 'check', seq, healthy: false, detail: 'no' });
  return events;
}

/** Deploy steps that changed production, by this test's own rule: they succeeded (none of these specs marks a step partialOnFailure). */
function changedProduction(run: Run): Set<string> {
  return new Set(run.steps.filter((record) => record.stepId.startsWith('deploy.') && record.ok).map((record) => record.stepId));
}
function rollbackRecords(run: Run): string[] {
  return run.steps.filter((record) => record.stepId.startsWith('rollback.')).map((record) => record.stepId);
}
/** The rollback steps a worker runs (not the validation). */
function workerRollbackSteps(spec: RunSpec): string[] {
  return spec.steps.rollback.filter((step) => step.action.kind !== 'validate').map((step) => step.id);
}

/**
 * Feeds the run's current step, outcome by outcome, and the validation's checks (healthy or not), until
 * the run ends; returns the final run and the last transition's effects.
 */
function finishRollback(start: Run, outcomeOf: (stepId: string, phase: string) => 'succeeded' | 'failed', healthy = true): { run: Run; lastEffects: Effect[] } {
  let run = start;
  let lastEffects: Effect[] = [];
  for (let guard = 0; !isTerminal(run.state); guard++) {
    if (guard > 40) throw new Error(`rollback did not end: ${run.state} at ${JSON.stringify(run.cursor)}`);
    const at = new Date(T0.getTime() + 86_400_000 + guard * 1_000);
    let events: RunEvent[];
    if (run.state === 'validating_rollback') {
      events = [{ type: 'check', seq: run.nextCheck, healthy, detail: healthy ? 'GET /health → 200' : 'GET /health → 503' }];
    } else {
      expect(run.state).toBe('rolling_back');
      const step = currentStep(run);
      if (!step) throw new Error('rolling back with no step to run');
      const outcome = outcomeOf(step.id, run.cursor!.phase);
      events = [
        { type: 'step.started', stepId: step.id },
        outcome === 'succeeded' ? { type: 'step.succeeded', stepId: step.id, summary: 'ok' } : { type: 'step.failed', stepId: step.id, summary: 'exit 1' },
      ];
    }
    for (const event of events) {
      const result = transition(run, event, at);
      if (!result.ok) throw new Error(`${event.type} refused while rolling back: ${result.error.message}`);
      run = result.run;
      lastEffects = result.effects;
    }
  }
  return { run, lastEffects };
}
const pagesOf = (effects: Effect[]) => effects.flatMap((effect) => (effect.kind === 'page' ? [effect.cause] : []));

/** Nothing had changed production: the rollback had nothing to undo, said nothing was rolled back, and ended the run. */
function expectNothingUndone(run: Run, askedBy: Actor | null | undefined): void {
  // Asked for by a person: cancelled; automatic (a deploy step failed): failed.
  expect(run.state).toBe(askedBy ? 'cancelled' : 'failed');
  expect(run.rollback).toBeNull();
  expect(rollbackRecords(run)).toEqual([]);
}

describe('run state machine invariants (random event sequences)', () => {
  it('(a)(b)(c)(e) hold on every transition; transition never mutates its input', () => {
    fc.assert(
      fc.property(specName, moves, gaps, (name, plannedMoves, gapsMs) => {
        const { run, trail } = drive(SPECS[name]!, plannedMoves, gapsMs);
        expect(run.seq).toBe(trail.length);
      }),
      { numRuns: 600 },
    );
  });

  it('(a) an ended run refuses every event there is', () => {
    fc.assert(
      fc.property(specName, moves, gaps, (name, plannedMoves, gapsMs) => {
        const { run } = drive(SPECS[name]!, plannedMoves, gapsMs);
        fc.pre(isTerminal(run.state));
        for (const event of everyEvent(run)) {
          expect(transition(run, event, new Date(T0.getTime() + 86_400_000)).ok, `${JSON.stringify(event)} accepted after ${run.state}`).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  /**
   * For (d): sequences that start by passing the pre-checks and getting a GO, so most reach production.
   * Every point where the run was rolling back is where some shorter sequence would have ended: one
   * of them (picked at random) is the run whose rollback is then driven to its end.
   */
  const PREFIX: Move[] = [
    { kind: 'step', outcome: 'succeeded' },
    { kind: 'step', outcome: 'succeeded' },
    { kind: 'approverDecides', decision: 'go' },
  ];
  const deepMoves = moves.map((rest) => [...PREFIX, ...rest]);
  function aRollingBackRun(name: string, plannedMoves: Move[], gapsMs: number[], pick: number): Run {
    const { rollingBack } = drive(SPECS[name]!, plannedMoves, gapsMs);
    fc.pre(rollingBack.length > 0);
    return rollingBack[pick % rollingBack.length]!;
  }

  it('(d) a rollback whose steps succeed and whose validation passes ends rolled_back (paging iff automatic); with nothing changed, it ends the run', () => {
    fc.assert(
      fc.property(
        specName,
        deepMoves,
        gaps,
        fc.nat(),
        fc.constantFrom('succeeded' as const, 'failed' as const),
        (name, plannedMoves, gapsMs, pick, inFlight) => {
          const run = aRollingBackRun(name, plannedMoves, gapsMs, pick);
          // A deploy step still in flight may end either way; the rollback's own steps succeed, and production is healthy again.
          const done = finishRollback(run, (_id, phase) => (phase === 'rollback' ? 'succeeded' : inFlight));
          const spec = SPECS[name]!;
          const undoable = spec.steps.rollback.some((step) => step.undoes?.some((id) => changedProduction(done.run).has(id)));
          if (!undoable) return expectNothingUndone(done.run, run.rollback?.by);
          expect(done.run.state).toBe('rolled_back');
          expect(done.run.rollback?.finishedAt).not.toBeNull();
          expect(done.run.rollback?.validations.at(-1)?.status).toBe('SUCCESS');
          expect(pagesOf(done.lastEffects)).toEqual(done.run.rollback?.by ? [] : ['automatic_rollback']);
          // These specs have one level: its undo step and its checks all ran.
          expect(rollbackRecords(done.run)).toEqual(workerRollbackSteps(spec));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('(d) a rollback whose step fails ends rollback_failed, paging on-call', () => {
    fc.assert(
      fc.property(specName, deepMoves, gaps, fc.nat(), fc.nat(), (name, plannedMoves, gapsMs, pick, pickStep) => {
        const run = aRollingBackRun(name, plannedMoves, gapsMs, pick);
        const spec = SPECS[name]!;
        // One of the rollback steps still to run fails (with a deploy step in flight, all of them are still to run).
        const steps = workerRollbackSteps(spec);
        const remaining = run.cursor?.phase === 'rollback' ? steps.slice(steps.indexOf(run.spec.steps.rollback[run.cursor.index]!.id)) : steps;
        const failing = remaining[pickStep % remaining.length]!;
        const done = finishRollback(run, (id) => (id === failing ? 'failed' : 'succeeded'));
        const undoable = spec.steps.rollback.some((step) => step.undoes?.some((id) => changedProduction(done.run).has(id)));
        if (!undoable) return expectNothingUndone(done.run, run.rollback?.by);
        expect(done.run.state).toBe('rollback_failed');
        if (spec.steps.rollback.find((step) => step.id === failing)?.evidence) {
          // A check that fails is evidence against the level: the validation is PARTIAL, and so the rollback failed.
          expect(done.run.rollback?.validations.at(-1)).toMatchObject({ status: 'PARTIAL', problems: [expect.stringContaining('failed')] });
        } else {
          expect(done.run.failure?.stepId).toBe(failing);
        }
        expect(pagesOf(done.lastEffects)).toEqual(['rollback_failed']);
      }),
      { numRuns: 300 },
    );
  });

  it('(d) a rollback whose validation sees production still failing ends rollback_failed, paging on-call', () => {
    fc.assert(
      fc.property(specName, deepMoves, gaps, fc.nat(), (name, plannedMoves, gapsMs, pick) => {
        const run = aRollingBackRun(name, plannedMoves, gapsMs, pick);
        const done = finishRollback(run, () => 'succeeded', false);
        const undoable = SPECS[name]!.steps.rollback.some((step) => step.undoes?.some((id) => changedProduction(done.run).has(id)));
        if (!undoable) return expectNothingUndone(done.run, run.rollback?.by);
        expect(done.run.state).toBe('rollback_failed');
        expect(done.run.rollback?.validations.at(-1)?.status).toBe('FAILED');
        expect(done.run.rollback?.trafficRestoredAt).toBeNull();
        expect(pagesOf(done.lastEffects)).toEqual(['rollback_failed']);
      }),
      { numRuns: 200 },
    );
  });

  it('(f) replaying the accepted events rebuilds the final run; replaying every offered event does too', () => {
    fc.assert(
      fc.property(specName, moves, gaps, (name, plannedMoves, gapsMs) => {
        const { run, trail, offered } = drive(SPECS[name]!, plannedMoves, gapsMs);
        expect(replay(trail)).toEqual(run);
        expect(replay(offered)).toEqual(run);
      }),
      { numRuns: 300 },
    );
  });

  it('a rollback only ever starts from a state where production was touched', () => {
    fc.assert(
      fc.property(specName, moves, gaps, (name, plannedMoves, gapsMs) => {
        const { states } = drive(SPECS[name]!, plannedMoves, gapsMs);
        states.forEach((state, index) => {
          // (or from a level's validation that did not pass, on to the next level)
          if (state === 'rolling_back')
            expect(['deploying', 'verifying', 'awaiting_promotion', 'monitoring', 'paused', 'validating_rollback']).toContain(states[index - 1]);
          if (state === 'validating_rollback') expect(states[index - 1]).toBe('rolling_back');
          if (state === 'rolled_back') expect(states[index - 1]).toBe('validating_rollback');
          if (state === 'rollback_failed') expect(['rolling_back', 'validating_rollback']).toContain(states[index - 1]);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('the generator reaches every ending, and rollbacks that wait for a running step (so the properties are not vacuous)', () => {
    const seen = new Set<string>();
    const passed = new Set<string>();
    let waited = 0;
    // Every spec gets its own sample, so a long plan (gated, canary) is driven as often as a short one.
    for (const name of Object.keys(SPECS)) {
      for (const [plannedMoves, gapsMs] of fc.sample(fc.tuple(moves, gaps), { numRuns: 600, seed: 20260302 })) {
        const trace = drive(SPECS[name]!, plannedMoves, gapsMs);
        seen.add(trace.run.state);
        for (const state of trace.states) passed.add(state);
        if (trace.rollbackWaitedForAStep) waited++;
      }
    }
    expect([...passed]).toEqual(expect.arrayContaining(['verifying', 'awaiting_promotion', 'staging', 'finalizing', 'validating_rollback']));
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'awaiting_decision',
        'cancelled',
        'deferred',
        'failed',
        'monitoring',
        'no_go',
        'rolled_back',
        'rollback_failed',
        'rolling_back',
        'succeeded',
      ]),
    );
    expect(waited).toBeGreaterThan(0);
  });
});
