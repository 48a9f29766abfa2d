import { describe, expect, it } from 'vitest';
import { replay, transition, type Run, type RunEvent } from '../../src/domain/run.ts';
import {
  ALICE,
  ALL_STEP_IDS,
  atSecond,
  BOB,
  BOB_ON_TEAMS,
  buildPlan,
  buildSpec,
  CAROL,
  check,
  createRun,
  DEPLOY_IDS,
  Flight,
  go,
  kinds,
  MALLORY,
  PRE_CHECK_IDS,
  requestedEvent,
  ROLLBACK_IDS,
  RUN_KEY,
  runSteps,
  snapshot,
  STEP_NAMES,
  T0,
  TRIGGER,
} from './fixtures.ts';

const iso = (date: Date) => date.toISOString();

describe('creating a run', () => {
  it('starts the pre-checks at once and asks for the status message', () => {
    const { run, effects } = createRun();
    expect(effects).toEqual([{ kind: 'refreshStatus' }, { kind: 'runStep', stepId: 'pre_checks.0' }]);
    expect(run).toMatchObject({
      key: RUN_KEY,
      state: 'pre_checks',
      seq: 1,
      requestedAt: iso(T0),
      requestedBy: ALICE,
      cursor: { phase: 'pre_checks', index: 0, startedAt: null, queuedAt: iso(T0) },
      decision: null,
      rollback: null,
      finishedAt: null,
      nextCheck: 1,
    });
  });

  it('refuses to create a run twice, and refuses events for a run that does not exist', () => {
    const { run } = createRun();
    expect(transition(run, requestedEvent(), T0)).toEqual({ ok: false, error: { code: 'not_allowed', message: 'This run already exists.' } });
    expect(transition(null, go(), T0)).toEqual({ ok: false, error: { code: 'not_allowed', message: 'There is no such run.' } });
  });
});

describe('the happy path', () => {
  it('pre-checks → GO by an approver → deploy steps → monitoring → healthy checks → succeeded', () => {
    const flight = new Flight();

    // Pre-checks, one after the other.
    expect(flight.started('pre_checks.0')).toEqual([]);
    expect(flight.run.cursor?.startedAt).toBe(iso(atSecond(1)));
    expect(flight.send({ type: 'step.succeeded', stepId: 'pre_checks.0', summary: 'run 4711 passed' })).toEqual([
      { kind: 'postLog', text: `✅ ${STEP_NAMES['pre_checks.0']} — run 4711 passed` },
      { kind: 'runStep', stepId: 'pre_checks.1' },
    ]);
    // Waiting for Go/No-Go sets the plan's decision timeout (4h by default) and the first reminder (30m).
    const waitingSince = Date.parse(flight.run.cursor?.startedAt ?? iso(atSecond(4)));
    expect(flight.step('pre_checks.1')).toEqual([
      { kind: 'postLog', text: `✅ ${STEP_NAMES['pre_checks.1']} — exit 0` },
      { kind: 'refreshStatus' },
      { kind: 'scheduleTimer', timer: 'decision_timeout', n: 1, at: new Date(waitingSince + 4 * 3_600_000).toISOString() },
      { kind: 'scheduleTimer', timer: 'decision_reminder', n: 1, at: new Date(waitingSince + 30 * 60_000).toISOString() },
    ]);
    expect(flight.run.state).toBe('awaiting_decision');
    expect(flight.run.cursor).toBeNull();

    // GO, two minutes later (14:02 UTC).
    const decided = flight.send(go(BOB, 'staging is green'), 120_000);
    expect(decided).toEqual([
      { kind: 'postLog', text: 'Decision: GO by bob at 14:02 UTC (“staging is green”)' },
      { kind: 'refreshStatus' },
      { kind: 'runStep', stepId: 'deploy.0' },
    ]);
    expect(flight.run.state).toBe('deploying');
    expect(flight.run.decision).toEqual({ decision: 'go', by: BOB, approver: 'bob', at: iso(flight.now), rationale: 'staging is green' });

    // Deploy steps in order; the last one starts monitoring and schedules check 1 one second later.
    expect(runSteps(flight.step('deploy.0'))).toEqual(['deploy.1']);
    expect(runSteps(flight.step('deploy.1'))).toEqual(['deploy.2']);
    const switched = flight.step('deploy.2');
    const since = flight.now.getTime();
    expect(flight.run.state).toBe('monitoring');
    expect(flight.run.monitoringSince).toBe(iso(flight.now));
    expect(switched).toEqual([
      { kind: 'postLog', text: `✅ ${STEP_NAMES['deploy.2']} — exit 0` },
      { kind: 'refreshStatus' },
      { kind: 'scheduleCheck', seq: 1, at: new Date(since + 1_000).toISOString() },
    ]);

    // Four healthy checks each schedule the next on the schedule's slot.
    for (let seq = 1; seq <= 4; seq++) {
      expect(flight.check(true)).toEqual([{ kind: 'scheduleCheck', seq: seq + 1, at: new Date(since + (seq + 1) * 1_000).toISOString() }]);
      expect(flight.run.state).toBe('monitoring');
    }

    // The fifth, the last of "every 1s for 5s", ends the run.
    expect(flight.check(true)).toEqual([{ kind: 'refreshStatus' }, { kind: 'announce', message: 'success' }, { kind: 'targetFreed' }]);
    expect(flight.run.state).toBe('succeeded');
    expect(flight.run.finishedAt).toBe(iso(flight.now));
    expect(flight.run.samples.map((sample) => [sample.seq, sample.healthy])).toEqual([1, 2, 3, 4, 5].map((seq) => [seq, true]));
    expect(flight.run.steps.map((step) => [step.stepId, step.name, step.ok])).toEqual(
      [...PRE_CHECK_IDS, ...DEPLOY_IDS].map((stepId) => [stepId, STEP_NAMES[stepId], true]),
    );
    expect(flight.run.seq).toBe(flight.trail.length);
  });

  it('a step record keeps when the step started and finished', () => {
    const flight = new Flight();
    flight.started('pre_checks.0');
    flight.send({ type: 'step.succeeded', stepId: 'pre_checks.0', summary: 'ok' }, 7_000);
    expect(flight.run.steps).toEqual([
      { stepId: 'pre_checks.0', name: STEP_NAMES['pre_checks.0'], ok: true, startedAt: iso(atSecond(1)), finishedAt: iso(atSecond(8)), summary: 'ok' },
    ]);
  });

  it('an environment that needs no decision goes from the pre-checks straight to the deploy steps', () => {
    const spec = buildSpec(
      buildPlan((document) => {
        (document.environments.production as Record<string, unknown>).requireDecision = false;
      }),
    );
    expect(spec.requireDecision).toBe(false);
    const flight = new Flight({ spec });
    flight.step('pre_checks.0');
    expect(runSteps(flight.step('pre_checks.1'))).toEqual(['deploy.0']);
    expect(flight.run.state).toBe('deploying');
    expect(flight.run.decision).toBeNull();
  });

  it('without monitoring, the last deploy step succeeds the run', () => {
    const spec = buildSpec(
      buildPlan((document) => {
        delete (document.environments.production as { monitoring?: unknown }).monitoring;
        document.environments.production.rollbackTriggers = [];
      }),
    );
    const flight = new Flight({ spec }).toDecision();
    flight.send(go());
    flight.steps(DEPLOY_IDS.slice(0, 2));
    expect(flight.step('deploy.2')).toEqual([
      { kind: 'postLog', text: `✅ ${STEP_NAMES['deploy.2']} — exit 0` },
      { kind: 'refreshStatus' },
      { kind: 'announce', message: 'success' },
      { kind: 'targetFreed' },
    ]);
    expect(flight.run.state).toBe('succeeded');
  });
});

describe('Go/No-Go decisions', () => {
  it.each([
    ['the requester', ALICE],
    ['on-call', CAROL],
    ['a stranger', MALLORY],
    ['the approver’s name on a platform the plan has no id for', BOB_ON_TEAMS],
  ])('refuses a decision by %s with "forbidden", and the run is untouched', (_who, actor) => {
    const flight = new Flight().toDecision();
    const before = snapshot(flight.run);
    const result = transition(flight.run, go(actor), atSecond(60));
    expect(result).toEqual({ ok: false, error: { code: 'forbidden', message: 'Only approvers may decide Go/No-Go on this run (bob).' } });
    expect(flight.run).toEqual(before);
    // The approver can still decide, and the refused attempt left no trace in the sequence.
    const decided = transition(flight.run, go(BOB), atSecond(61));
    expect(decided.ok && decided.run.seq).toBe(before.seq + 1);
  });

  it('a second decision is refused as already decided and names who decided first, and when', () => {
    const flight = new Flight().toDecision();
    flight.send(go(BOB, 'looks good'), 180_000); // 14:03:04
    const first = flight.run.decision!;
    const second = transition(flight.run, { type: 'decision', decision: 'no_go', by: BOB, rationale: 'changed my mind' }, atSecond(300));
    expect(second).toEqual({
      ok: false,
      error: { code: 'already_decided', message: 'Already decided: GO by bob at 14:03 UTC (“looks good”).', decision: first },
    });
  });

  it('a decision while the pre-checks still run is not allowed', () => {
    const { run } = createRun();
    expect(transition(run, go(), atSecond(1))).toEqual({
      ok: false,
      error: { code: 'not_allowed', message: `${RUN_KEY} is not waiting for a Go/No-Go decision (it is pre checks).` },
    });
  });

  it.each([
    ['no_go', 'no_go', 'NO-GO'],
    ['defer', 'deferred', 'DEFER'],
  ] as const)('%s ends the run (%s), runs nothing, and is final', (decision, state, label) => {
    const flight = new Flight().toDecision();
    const effects = flight.send({ type: 'decision', decision, by: BOB, rationale: 'freeze week' });
    expect(effects).toEqual([
      { kind: 'postLog', text: `Decision: ${label} by bob at 14:00 UTC (“freeze week”)` },
      { kind: 'refreshStatus' },
      { kind: 'targetFreed' },
    ]);
    expect(flight.run).toMatchObject({ state, finishedAt: iso(flight.now), cursor: null, decision: { decision, by: BOB } });

    const attempts: RunEvent[] = [
      go(),
      { type: 'step.started', stepId: 'deploy.0' },
      { type: 'step.succeeded', stepId: 'deploy.0', summary: 'ok' },
      check(1, true),
      { type: 'rollback.requested', by: CAROL, reason: null },
      { type: 'cancel.requested', by: ALICE, reason: null },
    ];
    for (const event of attempts) expect(flight.offer(event).ok, event.type).toBe(false);
    expect(flight.run.state).toBe(state);
  });
});

describe('failures and rollbacks', () => {
  it('a failing pre-check ends the run as failed: production was never touched, nothing to roll back', () => {
    const flight = new Flight();
    flight.step('pre_checks.0');
    const effects = flight.step('pre_checks.1', 'failed', 'HTTP 502');
    // The channel and the requester are told (the stopped card); on-call is not paged for it.
    expect(effects).toEqual([
      { kind: 'postLog', text: `❌ ${STEP_NAMES['pre_checks.1']} — HTTP 502` },
      { kind: 'refreshStatus' },
      { kind: 'announce', message: 'stopped' },
      { kind: 'targetFreed' },
    ]);
    expect(flight.run).toMatchObject({
      state: 'failed',
      rollback: null,
      failure: { stepId: 'pre_checks.1', name: STEP_NAMES['pre_checks.1'], message: 'HTTP 502' },
    });
  });

  it('a deploy step that fails before the switch changed nothing: the run ends failed, nothing is undone, nobody is paged', () => {
    const flight = new Flight().toDecision();
    flight.send(go());
    flight.step('deploy.0');
    const failed = flight.step('deploy.1', 'failed', 'idle slot answered 500');
    expect(flight.run.state).toBe('failed');
    expect(runSteps(failed)).toEqual([]);
    expect(kinds(failed)).not.toContain('page');
    expect(failed).toContainEqual({ kind: 'announce', message: 'stopped' });
    expect(flight.run.failure).toEqual({ stepId: 'deploy.1', name: STEP_NAMES['deploy.1'], message: 'idle slot answered 500' });
    expect(flight.run.rollback).toBeNull();
    // The step after the failed one never runs.
    expect(flight.offer({ type: 'step.started', stepId: 'deploy.2' })).toMatchObject({ ok: false, error: { code: 'stale' } });
  });

  it('a rollback runs its steps in order, validates production, and only then says rolled back; an automatic one pages on-call', () => {
    const flight = new Flight().toMonitoring();
    flight.check(false);
    flight.check(false);
    const fired = flight.check(false);
    expect(runSteps(fired)).toEqual(['rollback.0']);
    expect(flight.run.rollback).toMatchObject({ by: null, trigger: TRIGGER, startedAt: iso(flight.now), finishedAt: null });

    expect(runSteps(flight.step('rollback.0'))).toEqual(['rollback.1']);
    const undoneAt = iso(flight.now);
    const validating = flight.step('rollback.1');
    expect(flight.run.state).toBe('validating_rollback');
    expect(kinds(validating)).toEqual(['postLog', 'refreshStatus', 'postLog', 'scheduleCheck']);
    expect(flight.run.rollback?.trafficRestoredAt).toBeNull();

    const done = flight.validate(true);
    expect(flight.run.state).toBe('rolled_back');
    expect(flight.run.rollback).toMatchObject({ trafficRestoredAt: undoneAt, finishedAt: iso(flight.now) });
    expect(flight.run.rollback?.validations.map((validation) => validation.status)).toEqual(['SUCCESS']);
    expect(done).toContainEqual({ kind: 'announce', message: 'rollback' });
    expect(done.filter((effect) => effect.kind === 'page')).toEqual([expect.objectContaining({ kind: 'page', cause: 'automatic_rollback' })]);
    expect(flight.run.steps.map((step) => `${step.stepId}:${step.ok}`)).toEqual([...PRE_CHECK_IDS, ...DEPLOY_IDS, ...ROLLBACK_IDS].map((id) => `${id}:true`));
  });

  it('a rollback whose validation fails ends rollback_failed, pages on-call, and never says restored', () => {
    const flight = new Flight().toMonitoring();
    for (let i = 0; i < 3; i++) flight.check(false);
    flight.steps(ROLLBACK_IDS);
    const done = flight.validate(false);
    expect(flight.run.state).toBe('rollback_failed');
    expect(flight.run.rollback?.validations.at(-1)).toMatchObject({ status: 'FAILED', problems: ['health check failing: GET /health → 503 (check 8)'] });
    expect(flight.run.rollback?.trafficRestoredAt).toBeNull();
    expect(done).toContainEqual({ kind: 'announce', message: 'rollback_failed' });
    expect(done).toContainEqual(expect.objectContaining({ kind: 'page', cause: 'rollback_failed', reason: expect.stringContaining('health check failing') }));
  });

  it('a failing rollback step ends the run rollback_failed and pages on-call urgently', () => {
    const flight = new Flight().toMonitoring();
    for (let i = 0; i < 3; i++) flight.check(false);
    const broken = flight.step('rollback.0', 'failed', 'router unreachable');
    expect(flight.run.state).toBe('rollback_failed');
    expect(flight.run.failure).toEqual({ stepId: 'rollback.0', name: STEP_NAMES['rollback.0'], message: 'router unreachable' });
    expect(flight.run.rollback?.trafficRestoredAt).toBeNull();
    expect(flight.run.rollback?.finishedAt).toBe(iso(flight.now));
    expect(broken).toContainEqual({ kind: 'announce', message: 'rollback_failed' });
    expect(broken).toContainEqual({
      kind: 'page',
      cause: 'rollback_failed',
      reason: `Rollback of ${RUN_KEY} (checkout 2.3.0 in production) did not restore production: "${STEP_NAMES['rollback.0']}" failed: router unreachable. Production needs a human now.`,
    });
    expect(runSteps(broken)).toEqual([]);
    expect(flight.offer({ type: 'step.started', stepId: 'rollback.1' }).ok).toBe(false);
  });
});

describe('monitoring', () => {
  it('three failing checks in a row fire the trigger and roll back, with the trigger and the evidence on the run', () => {
    const flight = new Flight().toMonitoring();
    flight.check(false);
    flight.check(false);
    expect(flight.run.state).toBe('monitoring');
    const fired = flight.check(false);
    expect(flight.run.state).toBe('rolling_back');
    expect(flight.run.rollback).toMatchObject({ trigger: TRIGGER, by: null, startedAt: iso(flight.now) });
    // The reason says it once: how many checks, and the last detail (not every check's text again).
    expect(flight.run.rollback?.reason).toBe(`trigger "${TRIGGER}" fired (3 checks failed in a row over 2s; the last: GET /health → 503 (check 3))`);
    expect(flight.run.rollback?.evidence.map((sample) => [sample.seq, sample.healthy])).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
    expect(fired).toEqual([
      { kind: 'postLog', text: `🚨 ${flight.run.rollback!.reason}` },
      { kind: 'refreshStatus' },
      { kind: 'runStep', stepId: 'rollback.0' },
    ]);
    flight.steps(ROLLBACK_IDS);
    flight.validate(true);
    expect(flight.run.state).toBe('rolled_back');
    expect(flight.effects).toContainEqual(
      expect.objectContaining({ kind: 'page', cause: 'automatic_rollback', reason: expect.stringContaining(flight.run.rollback!.reason) }),
    );
  });

  it('a failing check that does not complete the trigger is logged and monitoring goes on', () => {
    const flight = new Flight().toMonitoring();
    const effects = flight.check(false);
    expect(effects).toEqual([
      { kind: 'postLog', text: '⚠️ Health check 1 failed: GET /health → 503 (check 1)' },
      { kind: 'scheduleCheck', seq: 2, at: new Date(Date.parse(flight.run.monitoringSince!) + 2_000).toISOString() },
    ]);
  });

  it('two failures, a success, two failures: no rollback, the success reset the window', () => {
    // A longer window (10 checks), so the fifth check is not the last.
    const spec = buildSpec(
      buildPlan((document) => {
        document.environments.production.monitoring.for = '10s';
      }),
    );
    const flight = new Flight({ spec }).toMonitoring();
    for (const healthy of [false, false, true, false, false]) {
      const effects = flight.check(healthy);
      expect(runSteps(effects)).toEqual([]);
      expect(flight.run.state).toBe('monitoring');
    }
    expect(flight.run.nextCheck).toBe(6);
    // One more failure makes three in a row since the reset: now it fires, with only those three as evidence.
    flight.check(false);
    expect(flight.run.state).toBe('rolling_back');
    expect(flight.run.rollback?.evidence.map((sample) => sample.seq)).toEqual([4, 5, 6]);
  });

  it('drops a check with the wrong seq as stale', () => {
    const flight = new Flight().toMonitoring();
    const before = snapshot(flight.run);
    expect(flight.offer(check(2, true))).toEqual({ ok: false, error: { code: 'stale', message: `Check 2 is not due on ${RUN_KEY}.` } });
    expect(flight.offer(check(0, false))).toMatchObject({ ok: false, error: { code: 'stale' } });
    flight.check(true);
    // A repeated check job for the slot already taken.
    expect(flight.offer(check(1, false))).toMatchObject({ ok: false, error: { code: 'stale' } });
    expect(flight.run.samples).toHaveLength(1);
    expect(flight.run.seq).toBe(before.seq + 1);
  });

  it('a check before monitoring began is stale', () => {
    const flight = new Flight().toDecision();
    flight.send(go());
    expect(flight.offer(check(1, false))).toMatchObject({ ok: false, error: { code: 'stale' } });
  });
});

describe('late and duplicated jobs', () => {
  it('a duplicated step.succeeded is stale, and does not run the next step twice', () => {
    const flight = new Flight().toDecision();
    flight.send(go());
    flight.step('deploy.0');
    const before = snapshot(flight.run);
    expect(flight.offer({ type: 'step.succeeded', stepId: 'deploy.0', summary: 'exit 0' })).toEqual({
      ok: false,
      error: { code: 'stale', message: "Step deploy.0 is not the run's current step." },
    });
    expect(flight.run).toEqual(before);
  });

  it('a result for a step that is not the current one is stale, whatever the phase', () => {
    const flight = new Flight();
    for (const stepId of ALL_STEP_IDS.filter((id) => id !== 'pre_checks.0')) {
      for (const event of [
        { type: 'step.started', stepId },
        { type: 'step.succeeded', stepId, summary: 'ok' },
        { type: 'step.failed', stepId, summary: 'no' },
      ] satisfies RunEvent[]) {
        expect(flight.offer(event), `${event.type} ${stepId}`).toMatchObject({ ok: false, error: { code: 'stale' } });
      }
    }
    expect(flight.offer({ type: 'step.started', stepId: 'deploy.17' })).toMatchObject({ ok: false, error: { code: 'stale' } });
    expect(flight.run.seq).toBe(1);
  });

  it('a step started twice (a worker died mid-step) is accepted again', () => {
    const flight = new Flight();
    flight.started('pre_checks.0');
    flight.started('pre_checks.0');
    expect(flight.run.cursor?.startedAt).toBe(iso(atSecond(2)));
  });
});

describe('manual rollback', () => {
  function deployStepInFlight(): Flight {
    const flight = new Flight().toDecision();
    flight.send(go());
    flight.started('deploy.0');
    return flight;
  }

  it('asked for while a deploy step runs, waits for that step, then undoes it', () => {
    const flight = deployStepInFlight();
    const asked = flight.send({ type: 'rollback.requested', by: CAROL, reason: 'wrong build' });
    expect(asked).toEqual([{ kind: 'postLog', text: '↩️ Rollback requested by carol: wrong build' }, { kind: 'refreshStatus' }]);
    expect(flight.run.state).toBe('rolling_back');
    expect(flight.run.rollback).toMatchObject({ reason: 'manual rollback by carol: wrong build', by: CAROL, trigger: null });
    expect(flight.run.cursor).toMatchObject({ phase: 'deploy', index: 0 });

    // Nothing of the rollback may start while deploy.0 runs.
    expect(flight.offer({ type: 'step.started', stepId: 'rollback.0' })).toMatchObject({ ok: false, error: { code: 'stale' } });
    expect(flight.offer({ type: 'rollback.requested', by: BOB, reason: null })).toEqual({
      ok: false,
      error: { code: 'not_allowed', message: `${RUN_KEY} is already rolling back.` },
    });

    // deploy.0 finishes: now, and only now, the rollback looks at what changed, and no further deploy step runs.
    const finished = flight.send({ type: 'step.succeeded', stepId: 'deploy.0', summary: 'deployed' });
    expect(runSteps(finished)).toEqual([]);

    // deploy.0 (the idle slot) changed no production traffic: there is nothing to undo, and a rollback asked for by a person ends cancelled.
    expect(flight.run.state).toBe('cancelled');
    expect(finished).toContainEqual({ kind: 'postLog', text: `ℹ️ Nothing to roll back: no step of ${RUN_KEY} had changed production.` });
    expect(flight.run.cancelled).toEqual({ by: CAROL, reason: 'manual rollback by carol: wrong build (before production changed)' });
    expect(flight.run.steps.map((step) => step.stepId)).toEqual([...PRE_CHECK_IDS, 'deploy.0']);
  });

  it('asked for while the switch runs, waits for it, then switches back and validates', () => {
    const flight = new Flight().toDecision();
    flight.send(go());
    flight.steps(['deploy.0', 'deploy.1']);
    flight.started('deploy.2');
    flight.send({ type: 'rollback.requested', by: CAROL, reason: 'wrong build' });
    expect(runSteps(flight.send({ type: 'step.succeeded', stepId: 'deploy.2', summary: 'switched' }))).toEqual(['rollback.0']);
    flight.steps(ROLLBACK_IDS);
    const done = flight.validate(true);
    expect(flight.run.state).toBe('rolled_back');
    // A manual rollback tells the channel and the requester; on-call is not paged (the plan may opt in).
    expect(kinds(done)).not.toContain('page');
  });

  it('the step in flight failing also hands over to the rollback, which undoes a switch that may have changed production in part', () => {
    const partial = buildSpec(buildPlan((document) => Object.assign(document.environments.production.strategy.switch, { partialOnFailure: true })));
    const flight = new Flight({ spec: partial }).toDecision();
    flight.send(go());
    flight.steps(['deploy.0', 'deploy.1']);
    flight.started('deploy.2');
    flight.send({ type: 'rollback.requested', by: BOB, reason: null });
    const finished = flight.send({ type: 'step.failed', stepId: 'deploy.2', summary: 'exit 2' });
    expect(runSteps(finished)).toEqual(['rollback.0']);
    expect(flight.run.state).toBe('rolling_back');
    expect(flight.run.rollback?.reason).toBe('manual rollback by bob');
  });

  it('with a deploy step queued but not started, ends at once: nothing changed production; the queued job is then stale', () => {
    const flight = new Flight().toDecision();
    flight.send(go());
    const asked = flight.send({ type: 'rollback.requested', by: CAROL, reason: null });
    expect(runSteps(asked)).toEqual([]);
    expect(flight.run.state).toBe('cancelled');
    expect(flight.offer({ type: 'step.started', stepId: 'deploy.0' })).toMatchObject({ ok: false, error: { code: 'stale' } });
  });

  it('during monitoring, rolls back at once and later checks are stale', () => {
    const flight = new Flight().toMonitoring();
    flight.check(true);
    const asked = flight.send({ type: 'rollback.requested', by: BOB, reason: 'p95 doubled' });
    expect(runSteps(asked)).toEqual(['rollback.0']);
    expect(flight.run.rollback).toMatchObject({ reason: 'manual rollback by bob: p95 doubled', by: BOB, trigger: null, evidence: [] });
    expect(flight.offer(check(2, true))).toMatchObject({ ok: false, error: { code: 'stale' } });
  });

  it('is refused for someone who is neither an approver nor on-call', () => {
    const flight = new Flight().toMonitoring();
    expect(flight.offer({ type: 'rollback.requested', by: ALICE, reason: null })).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'Only approvers, on-call and admins may roll back this run (bob, carol).' },
    });
    expect(flight.run.state).toBe('monitoring');
  });

  it.each([
    ['during the pre-checks', (flight: Flight) => flight],
    ['while waiting for Go/No-Go', (flight: Flight) => flight.toDecision()],
  ])('is refused %s: nothing has been deployed, cancel instead', (_when, setUp) => {
    const flight = setUp(new Flight());
    expect(flight.offer({ type: 'rollback.requested', by: BOB, reason: null })).toEqual({
      ok: false,
      error: { code: 'not_allowed', message: `${RUN_KEY} cannot be rolled back: nothing has been deployed yet; use /deploy cancel ${RUN_KEY}.` },
    });
  });

  it('is refused once the run has ended', () => {
    const flight = new Flight().toMonitoring();
    for (let i = 0; i < 5; i++) flight.check(true);
    expect(flight.run.state).toBe('succeeded');
    expect(flight.offer({ type: 'rollback.requested', by: BOB, reason: null })).toEqual({
      ok: false,
      error: { code: 'not_allowed', message: `${RUN_KEY} cannot be rolled back: it has ended (succeeded).` },
    });
  });
});

describe('cancel', () => {
  it('by the requester during the pre-checks ends the run; the running pre-check’s result is then stale', () => {
    const flight = new Flight();
    flight.started('pre_checks.0');
    const effects = flight.send({ type: 'cancel.requested', by: ALICE, reason: 'wrong build' });
    expect(effects).toEqual([{ kind: 'postLog', text: 'Cancelled by alice: wrong build' }, { kind: 'refreshStatus' }, { kind: 'targetFreed' }]);
    expect(flight.run).toMatchObject({ state: 'cancelled', cancelled: { by: ALICE, reason: 'wrong build' }, cursor: null, finishedAt: iso(flight.now) });
    expect(flight.offer({ type: 'step.succeeded', stepId: 'pre_checks.0', summary: 'ok' })).toMatchObject({ ok: false, error: { code: 'stale' } });
  });

  it('by an approver while waiting for Go/No-Go', () => {
    const flight = new Flight().toDecision();
    flight.send({ type: 'cancel.requested', by: BOB, reason: null });
    expect(flight.run.state).toBe('cancelled');
    expect(flight.offer(go())).toMatchObject({ ok: false });
  });

  it('is refused for someone who neither started the run nor approves', () => {
    const flight = new Flight().toDecision();
    expect(flight.offer({ type: 'cancel.requested', by: CAROL, reason: null })).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'Only the person who started the run, an approver or an admin may cancel it.' },
    });
    expect(flight.run.state).toBe('awaiting_decision');
  });

  it.each([
    ['after GO', (flight: Flight) => flight.toDecision().send(go())],
    ['while a deploy step runs', (flight: Flight) => (flight.toDecision().send(go()), flight.started('deploy.0'))],
    ['during monitoring', (flight: Flight) => flight.toMonitoring()],
  ])('is refused %s, with a hint to roll back instead', (_when, setUp) => {
    const flight = new Flight();
    setUp(flight);
    expect(flight.offer({ type: 'cancel.requested', by: ALICE, reason: null })).toEqual({
      ok: false,
      error: { code: 'not_allowed', message: `${RUN_KEY} is already changing production; use /deploy rollback ${RUN_KEY} instead.` },
    });
  });

  it('is refused once the run has ended', () => {
    const flight = new Flight().toDecision();
    flight.send({ type: 'decision', decision: 'no_go', by: BOB, rationale: 'not today' });
    expect(flight.offer({ type: 'cancel.requested', by: ALICE, reason: null })).toEqual({
      ok: false,
      error: { code: 'not_allowed', message: `${RUN_KEY} has already ended (NO-GO).` },
    });
  });
});

describe('replay', () => {
  it('rebuilds the run from its events, at every point of its life', () => {
    const flight = new Flight().toDecision();
    const snapshots: Run[] = [snapshot(flight.run)];
    const script: RunEvent[] = [
      go(MALLORY), // refused
      go(BOB, 'ship it'),
      { type: 'step.started', stepId: 'deploy.0' },
      { type: 'step.succeeded', stepId: 'deploy.0', summary: 'ok' },
      { type: 'step.succeeded', stepId: 'deploy.0', summary: 'duplicate' }, // refused
      { type: 'step.started', stepId: 'deploy.1' },
      { type: 'step.succeeded', stepId: 'deploy.1', summary: 'ok' },
      { type: 'step.started', stepId: 'deploy.2' },
      { type: 'step.succeeded', stepId: 'deploy.2', summary: 'ok' },
      check(1, true),
      check(2, false),
      check(2, false), // refused
      check(3, false),
      check(4, false),
      { type: 'step.started', stepId: 'rollback.0' },
      { type: 'step.succeeded', stepId: 'rollback.0', summary: 'ok' },
      { type: 'step.started', stepId: 'rollback.1' },
      { type: 'step.succeeded', stepId: 'rollback.1', summary: 'ok' },
      check(5, true), // refused: the validation skips the check monitoring had queued
      ...[6, 7, 8, 9].map((seq) => check(seq, true)), // the window: a check every 15s for 1m
    ];
    for (const event of script) if (flight.offer(event).ok) snapshots.push(snapshot(flight.run));
    expect(flight.run.state).toBe('rolled_back');
    expect(flight.trail.length).toBe(flight.offered.length - 4);

    expect(replay(flight.trail)).toEqual(flight.run);
    // Offering the refused events again changes nothing: replay drops them as the store did.
    expect(replay(flight.offered)).toEqual(flight.run);
    // Every prefix of the trail rebuilds the run as it was then.
    const offset = flight.trail.length - snapshots.length;
    snapshots.forEach((expected, index) => expect(replay(flight.trail.slice(0, offset + index + 1))).toEqual(expected));
  });

  it('an empty history is no run', () => {
    expect(replay([])).toBeNull();
  });
});
