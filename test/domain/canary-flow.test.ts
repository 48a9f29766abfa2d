import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/identity.ts';
import type { Run, RunEvent } from '../../src/domain/run.ts';
import { transition } from '../../src/domain/run.ts';
import { apply, BOB, CAROL, minutes, plan, PLAN_DOCUMENT, requested, step, validated } from './fixtures.ts';
import { CANARY, withStrategy } from './strategy-fixtures.ts';

const production = PLAN_DOCUMENT.environments.production;
const stranger: Actor = { platform: 'slack', id: 'USTRANGER', name: 'stranger' };
const check = (seq: number, healthy = true): RunEvent => ({ type: 'check', seq, healthy, detail: healthy ? '200' : '503' });

/** GO, canary deployed and given 5 %: the run holds at 5 %. */
function holdingAtFive(): Run {
  const waiting = apply(null, [requested(withStrategy(CANARY)), ...step('pre_checks.0')]).run;
  return apply(waiting, [{ type: 'decision', decision: 'go', by: BOB, rationale: null }, ...step('deploy.0'), ...step('deploy.1')], minutes(0)).run;
}

/** Checks `from`..`to` at one a minute after `start`. */
function checks(run: Run, from: number, to: number, start = 0, healthy = true) {
  let result = apply(run, [check(from, healthy)], minutes(start + 1));
  for (let seq = from + 1; seq <= to; seq++) result = apply(result.run, [check(seq, healthy)], minutes(start + 1 + seq - from));
  return result;
}

describe('canary holds', () => {
  it('a hold is watched by checks on its own pace, then moves on by itself', () => {
    const holding = holdingAtFive();
    expect(holding.state).toBe('verifying');
    expect(holding.watch).toMatchObject({ stepId: 'deploy.2', firstSeq: 1, checks: 2 });
    const after = checks(holding, 1, 2);
    expect(after.run.state).toBe('deploying');
    expect(after.effects).toContainEqual({ kind: 'runStep', stepId: 'deploy.3' });
    expect(after.run.steps.at(-1)).toMatchObject({ stepId: 'deploy.2', ok: true, summary: '2 checks healthy' });
  });

  it('a manual step asks to promote; approvers promote, others are refused; then the final monitoring', () => {
    const atTwentyFive = apply(checks(holdingAtFive(), 1, 2).run, step('deploy.3'), minutes(3)).run;
    const asked = checks(atTwentyFive, 3, 7, 3);
    expect(asked.run.state).toBe('awaiting_promotion');
    expect(asked.effects).toContainEqual({ kind: 'postLog', text: expect.stringContaining('Canary looks healthy. Increase traffic?') });
    expect(asked.effects.some((effect) => effect.kind === 'scheduleCheck')).toBe(true);

    const refused = transition(asked.run, { type: 'promotion', action: 'promote', by: CAROL }, minutes(9));
    expect(refused.ok ? null : refused.error).toMatchObject({ code: 'forbidden' });

    const promoted = apply(asked.run, [{ type: 'promotion', action: 'promote', by: BOB }], minutes(9));
    expect(promoted.run.state).toBe('deploying');
    expect(promoted.effects).toContainEqual({ kind: 'runStep', stepId: 'deploy.5' });
    // The check queued while waiting is abandoned: it is stale when it comes.
    expect(transition(promoted.run, check(8), minutes(10)).ok).toBe(false);

    const watching = apply(promoted.run, step('deploy.5'), minutes(10)).run;
    expect(watching.state).toBe('monitoring');
    expect(watching.watch).toMatchObject({ stepId: null, firstSeq: 9, checks: 5 });
    expect(checks(watching, 9, 13, 10).run.state).toBe('succeeded');
  });

  it('hold keeps the canary at its weight for another window', () => {
    const atTwentyFive = apply(checks(holdingAtFive(), 1, 2).run, step('deploy.3'), minutes(3)).run;
    const asked = checks(atTwentyFive, 3, 7, 3).run;
    const held = apply(asked, [{ type: 'promotion', action: 'hold', by: BOB }], minutes(9));
    expect(held.run.state).toBe('verifying');
    expect(held.run.watch).toMatchObject({ stepId: 'deploy.4', firstSeq: 9, since: minutes(9).toISOString() });
    expect(held.effects).toContainEqual({ kind: 'scheduleCheck', seq: 9, at: minutes(10).toISOString() });
    expect(checks(held.run, 9, 13, 9).run.state).toBe('awaiting_promotion');
  });

  it('a trigger during a hold rolls the canary back at once', () => {
    const atTwentyFive = apply(checks(holdingAtFive(), 1, 2).run, step('deploy.3'), minutes(3)).run;
    const failing = checks(atTwentyFive, 3, 5, 3, false);
    expect(failing.run.state).toBe('rolling_back');
    expect(failing.run.rollback?.trigger).toBe('health failing for 3 checks');
    expect(failing.effects).toContainEqual({ kind: 'runStep', stepId: 'rollback.0' });
    const aborted = apply(failing.run, step('rollback.0'), minutes(7)).run;
    expect(aborted.state).toBe('validating_rollback');
    const done = validated(aborted, true, minutes(8));
    expect(done.run.state).toBe('rolled_back');
    expect(done.effects).toContainEqual(expect.objectContaining({ kind: 'page', cause: 'automatic_rollback' }));
  });

  it('after the promotion to 100 %, the abort still brings the old pool back (it is kept warm until retireOld)', () => {
    const atTwentyFive = apply(checks(holdingAtFive(), 1, 2).run, step('deploy.3'), minutes(3)).run;
    const asked = checks(atTwentyFive, 3, 7, 3).run;
    const promoted = apply(asked, [{ type: 'promotion', action: 'promote', by: BOB }, ...step('deploy.5')], minutes(9)).run;
    expect(promoted.state).toBe('monitoring');
    const failing = checks(promoted, 9, 11, 9, false);
    expect(failing.run.state).toBe('rolling_back');
    expect(failing.effects).toContainEqual({ kind: 'runStep', stepId: 'rollback.0' });
    const done = validated(apply(failing.run, step('rollback.0'), minutes(13)).run, true, minutes(14)).run;
    expect(done.state).toBe('rolled_back');
  });

  it('the Roll back button during a hold does not wait for the hold to end', () => {
    const rolled = apply(holdingAtFive(), [{ type: 'rollback.requested', by: CAROL, reason: 'looks odd' }], minutes(1));
    expect(rolled.run.state).toBe('rolling_back');
    expect(rolled.effects).toContainEqual({ kind: 'runStep', stepId: 'rollback.0' });
  });

  it('promotion is refused unless the run is waiting for it', () => {
    const result = transition(holdingAtFive(), { type: 'promotion', action: 'promote', by: BOB }, minutes(1));
    expect(result.ok ? null : result.error.message).toBe('api-1 is not waiting to be promoted (it is verifying).');
  });
});

describe('inconclusive monitoring that pauses for a human', () => {
  const pausing = plan({
    environments: {
      production: {
        ...production,
        monitoring: { ...production.monitoring, metrics: [{ metric: 'error_rate', prometheus: { query: 'q' } }], inconclusive: { after: 2, then: 'pause' } },
        rollbackTriggers: ['error_rate > 5% for 2m'],
      },
    },
  });
  const unmeasured = (seq: number): RunEvent => ({
    type: 'check',
    seq,
    healthy: true,
    detail: '200',
    readings: [{ metric: 'error_rate', value: null, source: 'q', detail: 'no data' }],
  });
  const measured = (seq: number, value: number): RunEvent => ({
    type: 'check',
    seq,
    healthy: true,
    detail: '200',
    readings: [{ metric: 'error_rate', value, source: 'q', detail: `error_rate = ${value}` }],
  });

  function monitoringRun(): Run {
    const waiting = apply(null, [requested(pausing), ...step('pre_checks.0')]).run;
    return apply(
      waiting,
      [{ type: 'decision', decision: 'go', by: BOB, rationale: null }, ...step('deploy.0'), ...step('deploy.1'), ...step('deploy.2')],
      minutes(0),
    ).run;
  }

  it('pauses after N inconclusive checks, pages once, keeps checking, and resumes on a human', () => {
    const first = apply(monitoringRun(), [unmeasured(1)], minutes(1)).run;
    const paused = apply(first, [unmeasured(2)], minutes(2));
    expect(paused.run.state).toBe('paused');
    expect(paused.effects.filter((effect) => effect.kind === 'page')).toHaveLength(1);
    expect(paused.effects).toContainEqual({ kind: 'scheduleCheck', seq: 3, at: minutes(3).toISOString() });

    const still = apply(paused.run, [unmeasured(3), unmeasured(4), measured(5, 0.001), measured(6, 0.001)], minutes(6));
    expect(still.run.state).toBe('paused');
    expect(still.effects.some((effect) => effect.kind === 'page' || effect.kind === 'announce')).toBe(false);

    const refused = transition(still.run, { type: 'resume', by: stranger, reason: null }, minutes(7));
    expect(refused.ok ? null : refused.error.code).toBe('forbidden');
    const resumed = apply(still.run, [{ type: 'resume', by: CAROL, reason: 'Prometheus was restarted' }], minutes(7));
    expect(resumed.run).toMatchObject({ state: 'monitoring', paused: null, samples: [] });
    expect(apply(resumed.run, [measured(7, 0.001)], minutes(7)).run.state).toBe('succeeded');
  });

  it('a breach while paused still rolls back', () => {
    const paused = apply(monitoringRun(), [unmeasured(1), unmeasured(2)], minutes(2)).run;
    const breaching = apply(paused, [measured(3, 0.2)], minutes(3)).run;
    const rolled = apply(breaching, [measured(4, 0.2)], minutes(5));
    expect(rolled.run.state).toBe('rolling_back');
    expect(rolled.run.paused).toBeNull();
  });

  it('only a paused run can be resumed', () => {
    const result = transition(monitoringRun(), { type: 'resume', by: CAROL, reason: null }, minutes(1));
    expect(result.ok ? null : result.error.message).toBe('api-1 is not paused (it is monitoring).');
  });
});

describe('a window never ends on a check whose numbers are over a limit', () => {
  const metered = plan({
    environments: {
      production: {
        ...production,
        monitoring: { ...production.monitoring, metrics: [{ metric: 'error_rate', prometheus: { query: 'q' } }] },
        rollbackTriggers: ['error_rate > 5% for 10m'],
      },
    },
  });
  const reading = (seq: number, value: number): RunEvent => ({
    type: 'check',
    seq,
    healthy: true,
    detail: '200',
    readings: [{ metric: 'error_rate', value, source: 'q', detail: `error_rate = ${value}` }],
  });

  it('keeps watching past the last slot while the error rate is over 5 %, and ends once it is not', () => {
    const waiting = apply(null, [requested(metered), ...step('pre_checks.0')]).run;
    const watching = apply(
      waiting,
      [{ type: 'decision', decision: 'go', by: BOB, rationale: null }, ...step('deploy.0'), ...step('deploy.1'), ...step('deploy.2')],
      minutes(0),
    ).run;
    let run = watching;
    for (let seq = 1; seq <= 4; seq++) run = apply(run, [reading(seq, 0.001)], minutes(seq)).run;
    const overLimit = apply(run, [reading(5, 0.2)], minutes(5));
    expect(overLimit.run.state).toBe('monitoring');
    expect(overLimit.effects).toContainEqual({ kind: 'scheduleCheck', seq: 6, at: minutes(6).toISOString() });
    expect(apply(overLimit.run, [reading(6, 0.001)], minutes(6)).run.state).toBe('succeeded');
  });
});
