import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/domain/plan.ts';
import { specFor } from '../../src/domain/spec.ts';
import { batchesOf } from '../../src/domain/strategies/rolling.ts';
import { transition } from '../../src/domain/run.ts';
import { apply, BOB, CAROL, minutes, PLAN_DOCUMENT, requested, step, validated } from './fixtures.ts';
import { CANARY, FLAG, ROLLING, withStrategy } from './strategy-fixtures.ts';

const production = PLAN_DOCUMENT.environments.production;
const cmd = (name: string) => ({ name, run: [name] });
function problems(strategy: object): string[] {
  const result = parsePlan({ ...PLAN_DOCUMENT, environments: { production: { ...production, strategy } } });
  return result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`);
}

describe('rolling', () => {
  it('cuts instances into batches, the last one smaller', () => {
    expect(batchesOf(5, 2)).toEqual([[0, 1], [2, 3], [4]]);
    expect(batchesOf(3, 3)).toEqual([[0, 1, 2]]);
  });

  it('deploys and checks batch by batch; each command sees its batch', () => {
    const spec = specFor(withStrategy(ROLLING), 'production')!;
    expect(spec.steps.deploy.map((s) => s.name)).toEqual([
      'Deploy batch 1/3 (instances 0, 1)',
      'Check batch 1/3 (instances 0, 1)',
      'Deploy batch 2/3 (instances 2, 3)',
      'Check batch 2/3 (instances 2, 3)',
      'Deploy batch 3/3 (instance 4)',
      'Check batch 3/3 (instance 4)',
    ]);
    const third = spec.steps.deploy[4]!.action;
    expect(third.kind === 'command' && third.env).toEqual({
      FLIGHTDECK_BATCH: '3',
      FLIGHTDECK_BATCHES: '3',
      FLIGHTDECK_INSTANCES: '5',
      FLIGHTDECK_BATCH_INSTANCES: '4',
    });
    expect(spec.steps.rollback.map((s) => [s.name, s.undoes])).toEqual([
      ['Put the previous version back on batch 3/3 (instance 4)', ['deploy.4']],
      ['Put the previous version back on batch 2/3 (instances 2, 3)', ['deploy.2']],
      ['Put the previous version back on batch 1/3 (instances 0, 1)', ['deploy.0']],
      ['Validate the rollback', undefined],
    ]);
  });

  it('a failure in batch 2 rolls back batches 2 and 1 only, newest first', () => {
    const waiting = apply(null, [requested(withStrategy(ROLLING)), ...step('pre_checks.0')]).run;
    const failed = apply(waiting, [
      { type: 'decision', decision: 'go', by: BOB, rationale: null },
      ...step('deploy.0'),
      ...step('deploy.1'),
      ...step('deploy.2'),
      ...step('deploy.3', false),
    ]);
    expect(failed.run.state).toBe('rolling_back');
    expect(failed.run.cursor).toMatchObject({ phase: 'rollback', index: 1 });
    expect(failed.effects).toContainEqual({ kind: 'runStep', stepId: 'rollback.1' });
    const undone = apply(failed.run, [...step('rollback.1'), ...step('rollback.2')], minutes(1)).run;
    expect(undone.state).toBe('validating_rollback');
    const done = validated(undone, true, minutes(2)).run;
    expect(done.state).toBe('rolled_back');
    expect(done.steps.filter((s) => s.stepId.startsWith('rollback')).map((s) => s.stepId)).toEqual(['rollback.1', 'rollback.2']);
    // Traffic was back on the old version when the last batch was undone, not when the validation ended.
    expect(done.rollback).toMatchObject({ trafficRestoredAt: minutes(1).toISOString(), finishedAt: minutes(2).toISOString() });
  });

  it('a batch whose deploy failed changed nothing, unless the plan says it may leave some instances changed', () => {
    const failing = (strategy: object) => {
      const waiting = apply(null, [requested(withStrategy(strategy)), ...step('pre_checks.0')]).run;
      return apply(waiting, [
        { type: 'decision', decision: 'go', by: BOB, rationale: null },
        ...step('deploy.0'),
        ...step('deploy.1'),
        ...step('deploy.2', false),
      ]);
    };
    // Batch 2 refused before it did anything: only batch 1 is put back.
    const refused = failing(ROLLING);
    expect(refused.effects).toContainEqual({ kind: 'runStep', stepId: 'rollback.2' });
    expect(refused.run.cursor).toMatchObject({ phase: 'rollback', index: 2 });
    // Batch 2 may have changed some of its instances: it is put back too, first.
    const partial = failing({ ...ROLLING, deployBatch: { ...ROLLING.deployBatch, partialOnFailure: true } });
    expect(partial.effects).toContainEqual({ kind: 'runStep', stepId: 'rollback.1' });
    const done = validated(apply(partial.run, [...step('rollback.1'), ...step('rollback.2')]).run).run;
    expect(done.state).toBe('rolled_back');
    expect(done.steps.filter((s) => s.stepId.startsWith('rollback')).map((s) => s.stepId)).toEqual(['rollback.1', 'rollback.2']);
  });

  it('a batch larger than the fleet is refused with its path', () => {
    expect(problems({ ...ROLLING, batchSize: 6 })).toEqual(['environments.production.strategy.batchSize: must be at most instances (5)']);
  });
});

describe('canary', () => {
  it("expands the seeds' weights into set-weight and hold steps, then promotes", () => {
    const spec = specFor(withStrategy(CANARY), 'production')!;
    expect(spec.steps.deploy.map((s) => s.name)).toEqual([
      'canary-deploy',
      'Send 5% of traffic to the canary',
      'Hold the canary at 5% for 2m',
      'Send 25% of traffic to the canary',
      'Hold the canary at 25% for 5m, then ask to promote',
      'Promote the canary to 100%',
    ]);
    expect(spec.steps.deploy[2]!.action).toEqual({ kind: 'hold', durationMs: 120_000, everyMs: 60_000, promotion: 'auto' });
    // The abort undoes every step that changed production (the canary, its weights, the promotion), never a hold.
    expect(spec.steps.rollback.map((s) => [s.name, s.undoes])).toEqual([
      ['Abort the canary (weight 0, canary removed)', ['deploy.0', 'deploy.1', 'deploy.3', 'deploy.5']],
      ['Validate the rollback', undefined],
    ]);
    expect(spec.steps.finalize).toEqual([]);
  });

  it('keeps the old pool warm until retireOld, after monitoring', () => {
    const spec = specFor(withStrategy({ ...CANARY, retireOld: cmd('retire-old-pool') }), 'production')!;
    expect(spec.steps.finalize.map((s) => s.name)).toEqual(['retire-old-pool']);
  });

  it('defaults to 5 % then 25 % (then 100 %), as the seeds do', () => {
    const { steps: _steps, ...seeded } = CANARY;
    const spec = specFor(withStrategy(seeded), 'production')!;
    expect(
      spec.steps.deploy
        .filter((s) => s.action.kind === 'command' && s.action.env.FLIGHTDECK_WEIGHT)
        .map((s) => s.action.kind === 'command' && s.action.env.FLIGHTDECK_WEIGHT),
    ).toEqual(['5', '25', '100']);
  });

  it('weights out of range or not increasing are refused with their path', () => {
    expect(
      problems({
        ...CANARY,
        steps: [
          { weight: 5, hold: '2m' },
          { weight: 25, hold: '2m' },
          { weight: 250, hold: '2m' },
        ],
      }),
    ).toEqual(['environments.production.strategy.steps[2].weight: must be between 1 and 100']);
    expect(
      problems({
        ...CANARY,
        steps: [
          { weight: 25, hold: '2m' },
          { weight: 5, hold: '2m' },
        ],
      }),
    ).toEqual(['environments.production.strategy.steps[1].weight: must be more than the step before (25)']);
  });

  it('needs monitoring to watch its holds', () => {
    const result = parsePlan({
      ...PLAN_DOCUMENT,
      environments: { production: { ...production, strategy: CANARY, monitoring: undefined, rollbackTriggers: [] } },
    });
    expect(result.ok ? [] : result.problems.map((p) => p.path)).toEqual(['environments.production.monitoring']);
  });
});

describe('feature flag', () => {
  const p = withStrategy(FLAG);
  const waiting = () => apply(null, [requested(p), ...step('pre_checks.0')]).run;
  const goEvent = { type: 'decision', decision: 'go', by: BOB, rationale: null } as const;

  it('deploys dark then flips the flag; the rollback flips it off only if it was flipped on', () => {
    const spec = specFor(p, 'production')!;
    expect(spec.steps.deploy.map((s) => s.name)).toEqual(['deploy-dark', 'Flag on']);
    expect(spec.rollbackLevels).toEqual(['feature_off', 'previous_version']);
    expect(spec.steps.rollback.map((s) => [s.name, s.undoes, s.level])).toEqual([
      ['flag-off', ['deploy.1'], 0],
      ['Validate the rollback', undefined, 0],
      ['undeploy', ['deploy.0'], 1],
      ['Validate the rollback', undefined, 1],
    ]);

    // The dark deploy refused before it did anything: nothing to undo, the run just stops.
    const darkFailed = apply(waiting(), [goEvent, ...step('deploy.0', false)]);
    expect(darkFailed.run.state).toBe('failed');
    expect(darkFailed.effects).toContainEqual({ kind: 'announce', message: 'stopped' });
    expect(darkFailed.run.steps.some((s) => s.stepId.startsWith('rollback'))).toBe(false);

    // The flag never went on: no flag off; the dark build is taken out (the previous version back).
    const flagFailed = apply(waiting(), [goEvent, ...step('deploy.0'), ...step('deploy.1', false)]);
    expect(flagFailed.effects).toContainEqual({ kind: 'runStep', stepId: 'rollback.2' });
    const undeployed = validated(apply(flagFailed.run, step('rollback.2')).run).run;
    expect(undeployed.state).toBe('rolled_back');
    expect(undeployed.rollback?.validations.map((v) => [v.level, v.outcome, v.expected, v.status])).toEqual([[1, 'previous_version', '1.4.1', 'SUCCESS']]);

    const live = apply(waiting(), [goEvent, ...step('deploy.0'), ...step('deploy.1')]).run;
    const rolling = apply(live, [{ type: 'rollback.requested', by: CAROL, reason: 'checkout broken' }]);
    expect(rolling.effects).toContainEqual({ kind: 'runStep', stepId: 'rollback.0' });
  });

  it('the flag off that validates ends there: the build still serves, with its feature off', () => {
    const live = apply(waiting(), [goEvent, ...step('deploy.0'), ...step('deploy.1')]).run;
    const flagOff = apply(live, [{ type: 'rollback.requested', by: CAROL, reason: 'checkout broken' }, ...step('rollback.0')]).run;
    expect(flagOff.state).toBe('validating_rollback');
    const done = validated(flagOff).run;
    expect(done.state).toBe('rolled_back');
    expect(done.rollback?.validations.map((v) => [v.level, v.outcome, v.expected, v.status])).toEqual([[0, 'feature_off', '1.4.2', 'SUCCESS']]);
    expect(done.steps.map((s) => s.stepId)).not.toContain('rollback.2');
  });

  it('the flag off that does not validate brings the previous version back (undeploy), then validates that', () => {
    const live = apply(waiting(), [goEvent, ...step('deploy.0'), ...step('deploy.1')]).run;
    const flagOff = apply(live, [{ type: 'rollback.requested', by: CAROL, reason: 'checkout broken' }, ...step('rollback.0')]).run;
    const stillBroken = validated(flagOff, false);
    expect(stillBroken.run.state).toBe('rolling_back');
    expect(stillBroken.effects).toContainEqual({ kind: 'runStep', stepId: 'rollback.2' });
    const done = validated(apply(stillBroken.run, step('rollback.2')).run).run;
    expect(done.state).toBe('rolled_back');
    expect(done.rollback?.validations.map((v) => [v.level, v.outcome, v.status])).toEqual([
      [0, 'feature_off', 'FAILED'],
      [1, 'previous_version', 'SUCCESS'],
    ]);
  });

  it('undeploy is required: a flag off alone cannot bring the previous version back', () => {
    const { undeploy: _undeploy, ...withoutUndeploy } = FLAG;
    expect(problems(withoutUndeploy)).toEqual(['environments.production.strategy.undeploy: Invalid input: expected object, received undefined']);
  });
});

describe('alternative strategies', () => {
  it('a requester may pick one of the environment’s alternatives; the default is the strategy', () => {
    const p = withStrategy(PLAN_DOCUMENT.environments.production.strategy, { alternatives: [CANARY, ROLLING] });
    expect(specFor(p, 'production')!.strategy).toBe('blue-green');
    expect(specFor(p, 'production', 'canary')!.strategy).toBe('canary');
    expect(specFor(p, 'production', 'rolling')!.steps.deploy).toHaveLength(6);
    expect(specFor(p, 'production', 'feature-flag')).toBeNull();
  });

  it('an alternative of a kind the environment has already is refused', () => {
    const result = parsePlan({ ...PLAN_DOCUMENT, environments: { production: { ...production, alternatives: [ROLLING, { ...ROLLING, batchSize: 1 }] } } });
    expect(result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`)).toEqual([
      'environments.production.alternatives[1].kind: "rolling" is already one of this environment\'s strategies',
    ]);
  });
});

describe('strategy slots', () => {
  it('a deploy slot may be an HTTP call to a deploy API', () => {
    const dispatch = { name: 'Dispatch the deploy workflow', http: { method: 'POST', url: 'https://api.example/deploy', expectStatus: 204 } };
    const spec = specFor(withStrategy({ ...FLAG, deploy: dispatch }), 'production')!;
    expect(spec.steps.deploy[0]).toMatchObject({
      name: 'Dispatch the deploy workflow',
      action: { kind: 'http', probe: { method: 'POST', expectStatus: 204 } },
    });
  });

  it('a rolling deploy of one batch keeps the plan’s own step names', () => {
    const spec = specFor(withStrategy({ ...ROLLING, instances: 3, batchSize: 3 }), 'production')!;
    expect(spec.steps.deploy.map((s) => s.name)).toEqual(['deploy-batch', 'check-batch']);
    expect(spec.steps.rollback.map((s) => s.name)).toEqual(['undo-batch', 'Validate the rollback']);
  });
});

describe('blue-green keeps the old slot warm through monitoring, then retires it', () => {
  const retiring = () => withStrategy({ ...PLAN_DOCUMENT.environments.production.strategy, retireOld: { name: 'Retire the old slot', run: ['retire'] } });
  const monitored = () => {
    const waiting = apply(null, [requested(retiring()), ...step('pre_checks.0')]).run;
    return apply(
      waiting,
      [{ type: 'decision', decision: 'go', by: BOB, rationale: null }, ...step('deploy.0'), ...step('deploy.1'), ...step('deploy.2')],
      minutes(0),
    ).run;
  };
  const checks = (run: ReturnType<typeof monitored>) => {
    let result = apply(run, [{ type: 'check', seq: 1, healthy: true, detail: '200' }], minutes(1));
    for (let seq = 2; seq <= 5; seq++) result = apply(result.run, [{ type: 'check', seq, healthy: true, detail: '200' }], minutes(seq));
    return result;
  };

  it('retires after the monitoring window; the run succeeds when that is done', () => {
    expect(specFor(retiring(), 'production')!.steps.finalize.map((s) => s.name)).toEqual(['Retire the old slot']);
    const watched = checks(monitored());
    expect(watched.run.state).toBe('finalizing');
    expect(watched.effects).toContainEqual({ kind: 'runStep', stepId: 'finalize.0' });
    const done = apply(watched.run, step('finalize.0'), minutes(6));
    expect(done.run.state).toBe('succeeded');
    expect(done.effects).toContainEqual({ kind: 'announce', message: 'success' });
  });

  it('a retire that fails leaves the deployment standing, with a warning; no rollback', () => {
    const done = apply(checks(monitored()).run, step('finalize.0', false), minutes(6));
    expect(done.run.state).toBe('succeeded');
    expect(done.effects).toContainEqual({ kind: 'postLog', text: '⚠️ Retire the old slot failed (exit 1: boom); the deployment stands. Tidy up by hand.' });
    const refused = transition(checks(monitored()).run, { type: 'rollback.requested', by: CAROL, reason: null }, minutes(6));
    expect(refused.ok).toBe(false);
  });
});
