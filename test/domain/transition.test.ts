import { describe, expect, it } from 'vitest';
import { replay, transition, type RunEvent } from '../../src/domain/run.ts';
import { alice, apply, awaitingDecision, bob, carol, minutes, monitoring, requested, step, T0 } from './support.ts';

const go: RunEvent = { type: 'decision', decision: 'go', by: bob, rationale: 'staging green' };
const check = (seq: number, healthy: boolean): RunEvent => ({ type: 'check', seq, healthy, detail: healthy ? '200' : '500' });

describe('run transitions', () => {
  it('a created run starts its pre-checks and asks for a status message', () => {
    const result = transition(null, requested(), T0);
    expect(result.ok && result.run.state).toBe('pre_checks');
    expect(result.ok && result.effects).toEqual([{ kind: 'refreshStatus' }, { kind: 'runStep', stepId: 'pre_checks.0' }]);
  });

  it('waits for a decision after the pre-checks, and only GO starts production steps', () => {
    const waiting = awaitingDecision();
    expect(waiting.state).toBe('awaiting_decision');
    const decided = apply(waiting, [go]);
    expect(decided.run.state).toBe('deploying');
    expect(decided.effects).toContainEqual({ kind: 'runStep', stepId: 'deploy.0' });
    expect(decided.run.decision).toMatchObject({ decision: 'go', by: bob, rationale: 'staging green' });
  });

  it('refuses a decision from someone who is not an approver, and changes nothing', () => {
    const result = transition(awaitingDecision(), { type: 'decision', decision: 'go', by: alice, rationale: null }, T0);
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('a second decision is refused and names the first', () => {
    const decided = apply(awaitingDecision(), [go]).run;
    const second = transition(decided, { type: 'decision', decision: 'no_go', by: bob, rationale: null }, T0);
    expect(second).toMatchObject({ ok: false, error: { code: 'already_decided', message: expect.stringContaining('GO by bob at 14:00') } });
  });

  it.each([
    ['no_go', 'no_go'],
    ['defer', 'deferred'],
  ] as const)('%s ends the run as %s with no production step', (decision, state) => {
    const result = apply(awaitingDecision(), [{ type: 'decision', decision, by: bob, rationale: null }]);
    expect(result.run.state).toBe(state);
    expect(result.effects.some((effect) => effect.kind === 'runStep')).toBe(false);
  });

  it('after the deploy steps it monitors, and succeeds after the window of healthy checks', () => {
    const watching = monitoring();
    expect(watching.state).toBe('monitoring');
    let run = watching;
    for (let seq = 1; seq <= 4; seq++) run = apply(run, [check(seq, true)], minutes(seq)).run;
    const last = apply(run, [check(5, true)], minutes(5));
    expect(last.run.state).toBe('succeeded');
    expect(last.effects).toContainEqual({ kind: 'announce', message: 'success' });
  });

  it('three failing checks in a row fire the trigger and roll back, then page on-call', () => {
    const rolling = apply(monitoring(), [check(1, false), check(2, false), check(3, false)]);
    expect(rolling.run.state).toBe('rolling_back');
    expect(rolling.run.rollback).toMatchObject({ trigger: 'health failing for 3 checks' });
    expect(rolling.run.rollback?.evidence.map((sample) => sample.seq)).toEqual([1, 2, 3]);
    expect(rolling.effects).toContainEqual({ kind: 'runStep', stepId: 'rollback.0' });
    const done = apply(rolling.run, step('rollback.0'), minutes(4));
    expect(done.run.state).toBe('rolled_back');
    expect(done.effects).toContainEqual({ kind: 'announce', message: 'rollback' });
    expect(done.effects.some((effect) => effect.kind === 'page')).toBe(true);
  });

  it('a good check inside the window resets it', () => {
    const result = apply(monitoring(), [check(1, false), check(2, false), check(3, true), check(4, false)]);
    expect(result.run.state).toBe('monitoring');
  });

  it('drops a check for the wrong slot and a repeated step result as stale', () => {
    expect(transition(monitoring(), check(2, true), T0)).toMatchObject({ ok: false, error: { code: 'stale' } });
    const afterFirst = apply(awaitingDecision(), [go, ...step('deploy.0')]).run;
    expect(transition(afterFirst, { type: 'step.succeeded', stepId: 'deploy.0', summary: 'again' }, T0)).toMatchObject({ ok: false, error: { code: 'stale' } });
  });

  it('a failing deploy step rolls back; a failing rollback step ends rollback_failed and pages', () => {
    const failed = apply(awaitingDecision(), [go, ...step('deploy.0'), ...step('deploy.1', false)]);
    expect(failed.run.state).toBe('rolling_back');
    const broken = apply(failed.run, step('rollback.0', false));
    expect(broken.run.state).toBe('rollback_failed');
    expect(broken.effects).toContainEqual(expect.objectContaining({ kind: 'page', reason: expect.stringContaining('FAILED') }));
  });

  it('a failing pre-check stops the run before any approval is asked', () => {
    const result = apply(null, [requested(), ...step('pre_checks.0', false)]);
    expect(result.run.state).toBe('failed');
    expect(result.run.failure).toMatchObject({ stepId: 'pre_checks.0' });
  });

  it('a manual rollback while a deploy step runs waits for that step, then undoes it', () => {
    const inFlight = apply(awaitingDecision(), [go, { type: 'step.started', stepId: 'deploy.0' }]).run;
    const asked = apply(inFlight, [{ type: 'rollback.requested', by: carol, reason: 'wrong build' }]);
    expect(asked.run.state).toBe('rolling_back');
    expect(asked.effects.some((effect) => effect.kind === 'runStep')).toBe(false);
    const finished = apply(asked.run, [{ type: 'step.succeeded', stepId: 'deploy.0', summary: 'ok' }]);
    expect(finished.effects).toContainEqual({ kind: 'runStep', stepId: 'rollback.0' });
    expect(finished.run.rollback?.reason).toContain('wrong build');
  });

  it('rollback is refused before anything was deployed, and for people who are neither approver nor on-call', () => {
    expect(transition(awaitingDecision(), { type: 'rollback.requested', by: carol, reason: null }, T0)).toMatchObject({ ok: false, error: { message: expect.stringContaining('/deploy cancel') } });
    expect(transition(monitoring(), { type: 'rollback.requested', by: alice, reason: null }, T0)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('cancel works before production is touched and is refused after GO with a hint to roll back', () => {
    expect(apply(awaitingDecision(), [{ type: 'cancel.requested', by: alice, reason: null }]).run.state).toBe('cancelled');
    const deploying = apply(awaitingDecision(), [go]).run;
    expect(transition(deploying, { type: 'cancel.requested', by: alice, reason: null }, T0)).toMatchObject({ ok: false, error: { message: expect.stringContaining('/deploy rollback api-1') } });
  });

  it('replaying the events rebuilds the same run', () => {
    const events: RunEvent[] = [requested(), ...step('pre_checks.0'), go, ...step('deploy.0'), ...step('deploy.1'), ...step('deploy.2'), check(1, false), check(2, true)];
    const folded = apply(null, events, T0).run;
    expect(replay(events.map((event) => ({ event, at: T0 })))).toEqual(folded);
  });
});
