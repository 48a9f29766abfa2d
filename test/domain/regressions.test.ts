import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/domain/command.ts';
import { parsePlan } from '../../src/domain/plan.ts';
import { deploymentReport } from '../../src/domain/reports/deployment-report.ts';
import { scheduleProblems } from '../../src/domain/schedule.ts';
import { transition, type RunEvent } from '../../src/domain/run.ts';
import { ALICE, apply, awaitingDecision, BOB, minutes, monitoring, plan, PLAN_DOCUMENT, requested, step } from './fixtures.ts';

/** Each of these was a bug found by the domain tests; each test fails on the code before its fix. */
const production = PLAN_DOCUMENT.environments.production;

describe('domain regressions', () => {
  it('an empty monitoring schedule is refused at load (it made the switch throw)', () => {
    expect(scheduleProblems([])).toEqual(['a schedule needs at least one step']);
    const result = parsePlan({ ...PLAN_DOCUMENT, environments: { production: { ...production, monitoring: { check: { url: 'x' }, schedule: [] } } } });
    expect(result.ok ? [] : result.problems).toContainEqual({
      path: 'environments.production.monitoring.schedule',
      message: 'a schedule needs at least one step',
    });
  });

  it('a mistake inside a pre-check is reported with its own path and message', () => {
    const result = parsePlan({
      ...PLAN_DOCUMENT,
      environments: {
        production: {
          ...production,
          preChecks: [
            { name: 'a', run: ['x'], timeout: '5 minutes' },
            { name: 'b', http: { url: 'u', timeout: 'soon' } },
          ],
        },
      },
    });
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((problem) => problem.path)).toEqual([
      'environments.production.preChecks[0].timeout',
      'environments.production.preChecks[1].http.timeout',
    ]);
    expect(problems[0]!.message).toContain('"5 minutes" is not a duration');
  });

  it('a failing deploy step refreshes the status message as the rollback starts', () => {
    const deploying = apply(awaitingDecision(), [{ type: 'decision', decision: 'go', by: BOB, rationale: null }]).run;
    expect(apply(deploying, step('deploy.0', false)).effects).toContainEqual({ kind: 'refreshStatus' });
  });

  it('without a decision, moving from pre-checks to deploying refreshes the status message', () => {
    const noDecision = plan({ environments: { production: { ...production, requireDecision: false } } });
    const result = apply(null, [requested(noDecision), ...step('pre_checks.0')]);
    expect(result.run.state).toBe('deploying');
    expect(result.effects).toContainEqual({ kind: 'refreshStatus' });
  });

  it('a run does not succeed on a failing last check', () => {
    const check = (seq: number, healthy: boolean): RunEvent => ({ type: 'check', seq, healthy, detail: healthy ? '200' : '500' });
    const last = apply(monitoring(), [check(1, true), check(2, true), check(3, true), check(4, false), check(5, false)], minutes(5));
    expect(last.run.state).toBe('monitoring');
    expect(last.effects).toContainEqual(expect.objectContaining({ kind: 'scheduleCheck', seq: 6 }));
    expect(transition(last.run, check(6, false), minutes(6))).toMatchObject({ ok: true, run: { state: 'rolling_back' } });
  });

  it('the report tells a decision that never came from one that was not required', () => {
    const cancelled = apply(awaitingDecision(), [{ type: 'cancel.requested', by: ALICE, reason: null }]).run;
    expect(deploymentReport(cancelled)).toContain('**Go/No-Go**: none (the run ended before a decision)');
  });

  it('curly single quotes group a reason; an empty reason is no reason', () => {
    expect(parseCommand('rollback api-7 ‘wrong build’')).toEqual({ kind: 'rollback', run: 'api-7', reason: 'wrong build' });
    expect(parseCommand('cancel api-7 ""')).toEqual({ kind: 'cancel', run: 'api-7', reason: null });
  });
});
