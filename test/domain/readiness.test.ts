import { describe, expect, it } from 'vitest';
import { judgePrerequisite, readinessOf, scoreIn } from '../../src/domain/readiness.ts';
import { statusCard } from '../../src/domain/messages/status-card.ts';
import { plain } from '../../src/domain/cards.ts';
import { parsePlan } from '../../src/domain/plan.ts';
import type { RunEvent } from '../../src/domain/run.ts';
import { specFor } from '../../src/domain/spec.ts';
import { apply, BOB, plan, PLAN_DOCUMENT, requested, step } from './fixtures.ts';

const production = PLAN_DOCUMENT.environments.production;
const gated = (extra: object) => plan({ environments: { production: { ...production, ...extra } } });
const READINESS = {
  threshold: 75,
  prerequisites: [
    { name: 'CI green on main', run: ['ci-status'], points: 40, critical: true },
    { name: 'Coverage', run: ['coverage'], points: 30, minScore: 80 },
    { name: 'Load test', http: { url: 'http://perf/report' }, points: 30 },
  ],
};
const succeeded = (stepId: string, output = ''): RunEvent[] => [
  { type: 'step.started', stepId },
  { type: 'step.succeeded', stepId, summary: 'exit 0', output },
];
const failed = (stepId: string): RunEvent[] => [
  { type: 'step.started', stepId },
  { type: 'step.failed', stepId, summary: 'exit 1: red' },
];

describe('readiness scoring', () => {
  it('reads the last number a check printed as its score', () => {
    expect(scoreIn('lines: 1200, coverage: 83.4%')).toBe(83.4);
    expect(scoreIn('no numbers here')).toBeNull();
    expect(judgePrerequisite({ points: 10, critical: false, minScore: 80 }, true, 'exit 0', 'coverage 72%')).toEqual({
      ok: false,
      summary: 'score 72, below 80',
    });
    expect(judgePrerequisite({ points: 10, critical: false, minScore: 80 }, true, 'exit 0', 'coverage 91%')).toEqual({
      ok: true,
      summary: 'score 91 (needs 80)',
    });
    expect(judgePrerequisite({ points: 10, critical: false, minScore: 80 }, true, 'exit 0', '')).toMatchObject({ ok: false });
  });

  it('READY, CONDITIONAL and NOT READY', () => {
    const steps = specFor(gated({ readiness: READINESS }), 'production')!.steps.pre_checks;
    const record = (index: number, ok: boolean) => ({
      stepId: steps[index]!.id,
      name: steps[index]!.name,
      ok,
      startedAt: '',
      finishedAt: '',
      summary: ok ? 'ok' : 'red',
    });
    expect(readinessOf(steps, [record(0, true), record(1, true), record(2, true), record(3, true)], 75)).toEqual({
      score: 100,
      threshold: 75,
      verdict: 'READY',
      failing: [],
    });
    expect(readinessOf(steps, [record(0, true), record(1, true), record(2, true), record(3, false)], 75)).toMatchObject({ score: 70, verdict: 'NOT_READY' });
    expect(readinessOf(steps, [record(0, true), record(1, true), record(2, true), record(3, false)], 70)).toMatchObject({
      score: 70,
      verdict: 'CONDITIONAL',
      failing: [{ name: 'Load test', critical: false }],
    });
    expect(readinessOf(steps, [record(0, true), record(1, false), record(2, true), record(3, true)], 50)).toMatchObject({
      score: 60,
      verdict: 'NOT_READY',
      failing: [{ name: 'CI green on main', critical: true }],
    });
  });

  it('a plan without prerequisites has no readiness verdict', () => {
    expect(readinessOf(specFor(plan(), 'production')!.steps.pre_checks, [], 75)).toBeNull();
  });

  it('prerequisite problems are reported with their path', () => {
    const result = parsePlan({
      ...PLAN_DOCUMENT,
      environments: { production: { ...production, readiness: { prerequisites: [{ name: 'x', run: ['y'], points: 0 }] } } },
    });
    expect(result.ok ? [] : result.problems.map((problem) => problem.path)).toEqual(['environments.production.readiness.prerequisites[0].points']);
  });
});

describe('the readiness gate in a run', () => {
  const p = gated({ readiness: READINESS });
  const checked = (outcomes: RunEvent[]) => apply(null, [requested(p), ...succeeded('pre_checks.0'), ...outcomes]);

  it('a failing non-critical prerequisite that takes the score below the threshold stops the run', () => {
    const result = checked([...succeeded('pre_checks.1'), ...succeeded('pre_checks.2', 'coverage 85%'), ...failed('pre_checks.3')]);
    expect(result.run.state).toBe('failed');
    expect(result.run.readiness).toMatchObject({ score: 70, verdict: 'NOT_READY' });
  });

  it('the same with a threshold of 70 is CONDITIONAL: it waits for a GO, and the approvers see why', () => {
    const lenient = gated({ readiness: { ...READINESS, threshold: 70 } });
    const result = apply(null, [
      requested(lenient),
      ...succeeded('pre_checks.0'),
      ...succeeded('pre_checks.1'),
      ...succeeded('pre_checks.2', 'coverage 85%'),
      ...failed('pre_checks.3'),
    ]);
    expect(result.run.state).toBe('awaiting_decision');
    expect(result.run.readiness?.verdict).toBe('CONDITIONAL');
    expect(result.effects).toContainEqual({ kind: 'postLog', text: '🟡 Readiness: CONDITIONAL (70/100, needs 70); failing: Load test: exit 1: red' });
    expect(statusCard(result.run).body.map(plain)).toContain('Readiness: CONDITIONAL (70/100, needs 70); failing: Load test: exit 1: red');
    // The status card's GO carries the form that asks for the acknowledgement (Teams renders it in the card).
    expect(statusCard(result.run).buttons[0]).toMatchObject({ action: 'run.go', form: { decision: 'go', acknowledge: [{ name: 'Load test' }] } });
  });

  it('a failing critical prerequisite stops the run before any approval, listing the blockers', () => {
    const result = checked([...failed('pre_checks.1'), ...succeeded('pre_checks.2', 'coverage 85%'), ...succeeded('pre_checks.3')]);
    expect(result.run.state).toBe('failed');
    expect(result.run.failure?.message).toBe('NOT READY (60/100, needs 75); blockers: CI green on main (critical): exit 1: red');
    expect(result.effects.some((effect) => effect.kind === 'scheduleTimer')).toBe(false);
  });
});

describe('staging and smoke tests', () => {
  const staged = gated({
    staging: { deploy: [{ name: 'Deploy to staging', run: ['deploy', 'staging'] }], smokeTests: [{ name: 'home page', http: { url: 'http://staging/' } }] },
    smokeTests: [{ name: 'checkout', http: { url: 'http://prod/checkout', maxLatency: '800ms' } }],
  });

  it('staging deploy and validation run after the pre-checks, before the approval', () => {
    const spec = specFor(staged, 'production')!;
    expect(spec.steps.staging.map((s) => s.name)).toEqual(['Deploy to staging', 'Staging smoke test: home page']);
    expect(spec.steps.deploy.at(-1)?.name).toBe('Smoke test: checkout');
    const waiting = apply(null, [requested(staged), ...step('pre_checks.0'), ...step('staging.0'), ...step('staging.1')]).run;
    expect(waiting.state).toBe('awaiting_decision');
    expect(statusCard(waiting).body.map(plain)).toContain('Staging: ✅ Deploy to staging · ✅ Staging smoke test: home page');
  });

  it('a failing staging smoke test stops the run; no approval is asked', () => {
    const result = apply(null, [requested(staged), ...step('pre_checks.0'), ...step('staging.0'), ...step('staging.1', false)]);
    expect(result.run.state).toBe('failed');
    expect(result.effects.some((effect) => effect.kind === 'scheduleTimer')).toBe(false);
  });

  it('a failing production smoke test rolls back', () => {
    const waiting = apply(null, [requested(staged), ...step('pre_checks.0'), ...step('staging.0'), ...step('staging.1')]).run;
    const result = apply(waiting, [
      { type: 'decision', decision: 'go', by: BOB, rationale: null },
      ...step('deploy.0'),
      ...step('deploy.1'),
      ...step('deploy.2'),
      ...step('deploy.3', false),
    ]);
    expect(result.run.state).toBe('rolling_back');
    expect(result.run.rollback?.reason).toBe('step "Smoke test: checkout" failed');
  });
});
