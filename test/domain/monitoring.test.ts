import { describe, expect, it } from 'vitest';
import type { Reading } from '../../src/domain/assess.ts';
import { transition, type Run, type RunEvent } from '../../src/domain/run.ts';
import { apply, awaitingDecision, BOB, plan, PLAN_DOCUMENT, requested, step, T0 } from './fixtures.ts';

const production = PLAN_DOCUMENT.environments.production;
const metricsPlan = plan({
  environments: {
    production: {
      ...production,
      monitoring: {
        check: { url: 'http://prod/health' },
        metrics: [{ metric: 'error_rate', prometheus: { query: 'sum(rate(http_errors_total[1m])) / sum(rate(http_requests_total[1m]))' } }],
        schedule: [
          { every: '1m', until: '10m' },
          { every: '5m', until: '30m' },
        ],
        inconclusive: { after: 3 },
      },
      rollbackTriggers: ['error_rate > 5% for 5m', 'health failing for 3 checks'],
    },
  },
});

function monitoringRun(): Run {
  const waiting = apply(null, [requested(metricsPlan), ...step('pre_checks.0')]).run;
  return apply(waiting, [{ type: 'decision', decision: 'go', by: BOB, rationale: null }, ...step('deploy.0'), ...step('deploy.1'), ...step('deploy.2')]).run;
}
const reading = (value: number | null): Reading => ({
  metric: 'error_rate',
  value,
  source: 'sum(rate(http_errors_total[1m])) / …',
  detail: value === null ? 'Prometheus unreachable' : `${value}`,
});
const check = (seq: number, value: number | null): RunEvent => ({ type: 'check', seq, healthy: true, detail: 'GET /health → 200', readings: [reading(value)] });
const minute = (n: number) => new Date(T0.getTime() + n * 60_000);

/** Feeds checks at their minutes; returns the last result. */
function feed(run: Run, values: (number | null)[]) {
  let last = transition(run, check(run.nextCheck, values[0]!), minute(run.nextCheck));
  for (const value of values.slice(1)) {
    if (!last.ok) throw new Error(last.error.message);
    last = transition(last.run, check(last.run.nextCheck, value), minute(last.run.nextCheck));
  }
  if (!last.ok) throw new Error(last.error.message);
  return last;
}

describe('monitoring that decides', () => {
  it('schedules checks on the decaying schedule, counted from the switch', () => {
    const run = monitoringRun();
    expect(run.monitoringSince).toBe(T0.toISOString());
    const after10 = feed(run, Array(10).fill(0.001));
    expect(after10.effects).toContainEqual({ kind: 'scheduleCheck', seq: 11, at: new Date(T0.getTime() + 15 * 60_000).toISOString() });
    const done = feed(after10.run, Array(4).fill(0.001));
    expect(done.run.state).toBe('succeeded');
    expect(done.run.samples.at(-1)!.seq).toBe(14);
  });

  it('an error rate of 20% held for five minutes rolls back, and the reason carries the numbers', () => {
    const result = feed(monitoringRun(), [0.001, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(result.run.state).toBe('rolling_back');
    expect(result.run.rollback).toMatchObject({
      trigger: 'error_rate > 5% for 5m',
      reason: 'trigger "error_rate > 5% for 5m" fired (error_rate was 20%, 20%, 20%, 20%, 20%, 20% (> 5%) for 5m)',
    });
    expect(result.run.rollback!.evidence.map((sample) => sample.seq)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('a breach shorter than the window does not roll back', () => {
    expect(feed(monitoringRun(), [0.2, 0.2, 0.2, 0.2, 0.2, 0.01]).run.state).toBe('monitoring');
  });

  it('three inconclusive checks in a row roll back as the plan says; fewer only log', () => {
    const two = feed(monitoringRun(), [0.001, null, null]);
    expect(two.run.state).toBe('monitoring');
    expect(two.effects).toContainEqual({ kind: 'postLog', text: '❔ Check 3 inconclusive: error_rate could not be measured' });
    const three = feed(two.run, [null]);
    expect(three.run.state).toBe('rolling_back');
    expect(three.run.rollback?.reason).toBe('monitoring inconclusive for 3 checks in a row (error_rate could not be measured)');
  });

  it('an inconclusive last check does not count as success: monitoring goes on until it clears', () => {
    const nearlyDone = feed(monitoringRun(), Array(13).fill(0.001));
    const unsure = feed(nearlyDone.run, [null]);
    expect(unsure.run.state).toBe('monitoring');
    expect(unsure.effects).toContainEqual(expect.objectContaining({ kind: 'scheduleCheck', seq: 15, at: new Date(T0.getTime() + 35 * 60_000).toISOString() }));
    expect(feed(unsure.run, [0.001]).run.state).toBe('succeeded');
  });

  it('a plan whose trigger reads a metric nobody measures is refused', () => {
    expect(() => plan({ environments: { production: { ...production, rollbackTriggers: ['error_rate > 5% for 5m'] } } })).toThrow(
      /reads error_rate, which monitoring.metrics does not measure/,
    );
  });

  it('a baseline is measured just before traffic moves, and its numbers are kept on the run', () => {
    const withBaseline = plan({
      environments: {
        production: {
          ...production,
          monitoring: {
            check: { url: 'http://prod/health' },
            metrics: [{ metric: 'p95_latency', prometheus: { query: 'q' } }],
            baseline: { window: '5m', every: '30s' },
            every: '1m',
            for: '5m',
          },
          rollbackTriggers: ['p95_latency > baseline * 1.5 for 5m'],
        },
      },
    });
    const steps =
      requested(withBaseline).type === 'requested' ? (requested(withBaseline) as Extract<RunEvent, { type: 'requested' }>).run.spec.steps.deploy : [];
    expect(steps.map((step) => [step.id, step.name])).toEqual([
      ['deploy.0', 'Deploy idle'],
      ['deploy.1', 'Check idle'],
      ['deploy.2', 'Measure the baseline on the current version'],
      ['deploy.3', 'Switch'],
    ]);
    expect(steps[2]!.action).toEqual({ kind: 'baseline', windowMs: 300_000, everyMs: 30_000 });
    const waiting = apply(null, [requested(withBaseline), ...step('pre_checks.0')]).run;
    const measured = apply(waiting, [
      { type: 'decision', decision: 'go', by: BOB, rationale: null },
      ...step('deploy.0'),
      ...step('deploy.1'),
      { type: 'step.started', stepId: 'deploy.2' },
      { type: 'step.succeeded', stepId: 'deploy.2', summary: 'baseline', baselines: { p95_latency: 0.12 } },
    ]);
    expect(measured.run.baselines).toEqual({ p95_latency: 0.12 });
  });

  it('a baseline trigger without a way to measure the baseline is refused', () => {
    expect(() =>
      plan({
        environments: {
          production: {
            ...production,
            monitoring: { check: { url: 'x' }, metrics: [{ metric: 'p95_latency', prometheus: { query: 'q' } }], every: '1m', for: '5m' },
            rollbackTriggers: ['p95_latency > baseline * 1.5 for 5m'],
          },
        },
      }),
    ).toThrow(/monitoring.baseline must say how to measure it/);
  });

  it('the skeleton plan without metrics still decides on health alone', () => {
    expect(awaitingDecision().spec.monitoring?.metrics).toEqual([]);
  });
});
