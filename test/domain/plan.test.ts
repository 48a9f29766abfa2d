import { describe, expect, it } from 'vitest';
import { parsePlan, type PlanProblem, type StrategyConfig } from '../../src/domain/plan.ts';
import { specFor } from '../../src/domain/spec.ts';
import { buildPlan, planDocument, STEP_NAMES, TRIGGER, type PlanDocument } from './fixtures.ts';

/** The problems of an edited fixture document; fails the test if it validates. */
function problemsOf(edit: (document: PlanDocument) => void): PlanProblem[] {
  const document = planDocument();
  edit(document);
  const result = parsePlan(document);
  if (result.ok) throw new Error('the plan validated, but it should not have');
  return result.problems;
}

/** Loosens the fixture's type so a test can put in what a careless YAML author would. */
function loose(value: unknown): Record<string, unknown> {
  return value as Record<string, unknown>;
}

function blueGreen(strategy: StrategyConfig): Extract<StrategyConfig, { kind: 'blue-green' }> {
  if (strategy.kind !== 'blue-green') throw new Error(`expected blue-green, got ${strategy.kind}`);
  return strategy;
}

describe('parsePlan: a valid plan', () => {
  it('validates and fills in the defaults', () => {
    const plan = buildPlan();
    expect(plan.service).toBe('checkout');
    expect(plan.defaultEnvironment).toBe('production');
    expect(plan.versionPattern).toBe('^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?$');
    expect(plan.deployers).toEqual([]);
    const production = plan.environments.production!;
    const strategy = blueGreen(production.strategy);
    expect(production.requireDecision).toBe(true);
    expect(strategy.switch).toEqual({ name: STEP_NAMES['deploy.2'], run: ['./ctl', 'switch'], env: {}, timeout: 300_000 });
    expect(strategy.checkIdle.http).toEqual({ method: 'GET', url: 'https://idle.example/health', expectStatus: 200, timeout: 5_000 });
    expect(production.monitoring?.inconclusive).toEqual({ after: 3, then: 'rollback' });
    expect(production.monitoring?.metrics).toEqual([]);
  });

  it('reads human durations as milliseconds', () => {
    const production = buildPlan().environments.production!;
    expect(blueGreen(production.strategy).deployIdle).toMatchObject({ timeout: 30_000 });
    expect(blueGreen(production.strategy).checkIdle.interval).toBe(500);
    expect(production.monitoring?.every).toBe(1_000);
    expect(production.monitoring?.for).toBe(5_000);
  });

  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1.5s', 1_500],
  ])('a step timeout of %s is %d ms', (text, ms) => {
    const plan = buildPlan((document) => {
      document.environments.production.strategy.deployIdle.timeout = text;
    });
    expect(blueGreen(plan.environments.production!.strategy).deployIdle).toMatchObject({ timeout: ms });
  });

  it('parses the rollback trigger text into a trigger', () => {
    expect(buildPlan().environments.production!.rollbackTriggers).toEqual([{ kind: 'health_failing', checks: 3, text: TRIGGER }]);
  });

  it('becomes a run spec with numbered steps and a five-check monitoring window', () => {
    const spec = specFor(buildPlan(), 'production')!;
    expect(spec.strategy).toBe('blue-green');
    expect(spec.requireDecision).toBe(true);
    // The plan's steps, and the rollback's validation that the spec adds after them.
    expect(
      Object.fromEntries(
        Object.values(spec.steps)
          .flat()
          .map((step) => [step.id, step.name]),
      ),
    ).toEqual({ ...STEP_NAMES, 'rollback.2': 'Validate the rollback' });
    expect(spec.steps.rollback.map((step) => [step.undoes, step.evidence, step.action.kind])).toEqual([
      [['deploy.2'], undefined, 'command'],
      [undefined, true, 'http'],
      [undefined, undefined, 'validate'],
    ]);
    expect(spec.steps.rollback[2]!.action).toEqual({ kind: 'validate', windowMs: 60_000, everyMs: 15_000 });
    expect(spec.steps.deploy[0]!.action).toEqual({ kind: 'command', argv: ['./ctl', 'deploy'], env: {}, timeoutMs: 30_000 });
    expect(spec.steps.deploy[1]!.action).toMatchObject({ kind: 'http', attempts: 5, intervalMs: 500 });
    expect(spec.monitoring).toMatchObject({ schedule: [{ everyMs: 1_000, untilMs: 5_000 }], checks: 5 });
    expect(spec.approvers).toEqual([{ key: 'bob', ids: { slack: 'U02BOB' } }]);
    expect(spec.onCall).toEqual([{ key: 'carol', ids: { slack: 'U03CAROL' } }]);
    expect(spec.channel).toEqual({ slack: 'C0DEPLOYS' });
  });

  it('has no spec for an environment it does not define', () => {
    expect(specFor(buildPlan(), 'staging')).toBeNull();
  });
});

describe('parsePlan: problems carry their path in the file', () => {
  it('a step timeout that is not a duration', () => {
    const problems = problemsOf((document) => {
      document.environments.production.strategy.deployIdle.timeout = '5 minutes';
    });
    expect(problems).toEqual([
      { path: 'environments.production.strategy.deployIdle.timeout', message: '"5 minutes" is not a duration; write it like 500ms, 30s, 5m or 2h' },
    ]);
  });

  it.each(['0s', '-5s', '5', 'soon'])('a zero, negative or unitless duration (%j) is refused', (text) => {
    const problems = problemsOf((document) => {
      document.environments.production.monitoring.every = text;
    });
    expect(problems.map((problem) => problem.path)).toContain('environments.production.monitoring.every');
  });

  it('an http pre-check step is addressed by its index', () => {
    const problems = problemsOf((document) => {
      loose(document.environments.production.preChecks[1]!).attempts = 0;
    });
    expect(problems.map((problem) => problem.path)).toEqual(['environments.production.preChecks[1].attempts']);
  });

  it('an approver who is not among the people', () => {
    const problems = problemsOf((document) => {
      document.approvers = ['bob', 'dave'];
    });
    expect(problems).toEqual([{ path: 'approvers[1]', message: '"dave" is not listed under people or groups' }]);
  });

  it('on-call and deployers are checked against the people too', () => {
    const problems = problemsOf((document) => {
      document.onCall = ['eve'];
      loose(document).deployers = ['alice', 'zed'];
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'onCall[0]', message: '"eve" is not listed under people or groups' },
        { path: 'deployers[1]', message: '"zed" is not listed under people or groups' },
      ]),
    );
    expect(problems).toHaveLength(2);
  });

  it('no approvers at all', () => {
    const problems = problemsOf((document) => {
      document.approvers = [];
    });
    expect(problems).toEqual([{ path: 'approvers', message: 'a plan needs at least one approver' }]);
  });

  it('a trigger Flightdeck does not understand', () => {
    const problems = problemsOf((document) => {
      document.environments.production.rollbackTriggers = [TRIGGER, 'when errors look bad'];
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('environments.production.rollbackTriggers[1]');
    expect(problems[0]!.message).toContain('"when errors look bad" is not a trigger Flightdeck understands');
  });

  it('a trigger on a metric that monitoring does not measure', () => {
    const problems = problemsOf((document) => {
      document.environments.production.rollbackTriggers = ['error_rate > 5% for 5m'];
    });
    expect(problems).toEqual([{ path: 'environments.production.rollbackTriggers[0]', message: 'reads error_rate, which monitoring.metrics does not measure' }]);
  });

  it('a versionPattern that is not a regular expression', () => {
    const problems = problemsOf((document) => {
      loose(document).versionPattern = '^(\\d+';
    });
    expect(problems).toEqual([{ path: 'versionPattern', message: 'is not a valid regular expression' }]);
  });

  it('a defaultEnvironment that is not one of the environments', () => {
    const problems = problemsOf((document) => {
      loose(document).defaultEnvironment = 'prod';
    });
    expect(problems).toEqual([{ path: 'defaultEnvironment', message: '"prod" is not one of the environments' }]);
  });

  it('an unknown key (a typo) is a problem at its place, not silently ignored', () => {
    const problems = problemsOf((document) => {
      loose(document.environments.production).rollbackTrigger = [TRIGGER];
    });
    expect(problems).toEqual([{ path: 'environments.production.rollbackTrigger', message: 'is not a key here; did you mean "rollbackTriggers"?' }]);
  });

  it('an unknown key far from every allowed one lists the allowed keys; inside a step it suggests the step’s own keys', () => {
    const problems = problemsOf((document) => {
      loose(document).colour = 'blue';
      loose(document.environments.production.strategy.switchBack).timout = '5s';
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'colour', message: expect.stringMatching(/^is not a key here \(allowed: service, description, .*freezes, commits\)$/) },
        { path: 'environments.production.strategy.switchBack.timout', message: 'is not a key here; did you mean "timeout"?' },
      ]),
    );
  });

  it('an unknown strategy kind', () => {
    const problems = problemsOf((document) => {
      loose(document.environments.production.strategy).kind = 'recreate';
    });
    expect(problems.map((problem) => problem.path)).toEqual(['environments.production.strategy.kind']);
  });

  it('monitoring needs either every+for or a schedule', () => {
    const problems = problemsOf((document) => {
      loose(document.environments.production.monitoring).every = undefined;
    });
    expect(problems).toEqual([{ path: 'environments.production.monitoring', message: '"every" and "for" go together' }]);
  });

  it('a bad service name', () => {
    const problems = problemsOf((document) => {
      document.service = 'Checkout Service';
    });
    expect(problems).toEqual([{ path: 'service', message: 'a service name is lower-case letters, digits and dashes' }]);
  });

  it('reports every field-level problem at once', () => {
    const problems = problemsOf((document) => {
      document.service = 'Checkout';
      document.environments.production.strategy.deployIdle.timeout = '5 minutes';
      loose(document.environments.production.strategy.switchBack).timeout = 'later';
    });
    expect(problems.map((problem) => problem.path).sort()).toEqual([
      'environments.production.strategy.deployIdle.timeout',
      'environments.production.strategy.switchBack.timeout',
      'service',
    ]);
  });
});
