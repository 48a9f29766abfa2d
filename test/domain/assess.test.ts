import { describe, expect, it } from 'vitest';
import { assess, type Sample } from '../../src/domain/assess.ts';
import { parseTrigger, type Trigger } from '../../src/domain/trigger.ts';

const trigger = (text: string) => {
  const parsed = parseTrigger(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed as Trigger;
};
const T0 = Date.parse('2026-11-23T14:00:00Z');
/** One check a minute; `values` are the error_rate readings (null: could not be measured). */
const minutes = (values: (number | null)[], metric = 'error_rate'): Sample[] =>
  values.map((value, index) => ({
    seq: index + 1,
    at: new Date(T0 + index * 60_000).toISOString(),
    healthy: true,
    detail: '200',
    readings: [{ metric, value, source: 'sum(rate(errors[1m]))/sum(rate(requests[1m]))', detail: `${value}` }],
  }));

describe('trigger grammar, as the seeds write triggers', () => {
  it.each([
    ['error_rate > 5% for 5m', { kind: 'threshold', metric: 'error_rate', op: '>', value: 0.05, percent: true, forMs: 300_000 }],
    ['availability < 99.9% for 10m', { kind: 'threshold', metric: 'availability', op: '<', value: 0.999, forMs: 600_000 }],
    ['p95_latency > baseline * 1.5 for 5m', { kind: 'baseline', metric: 'p95_latency', op: '>', factor: 1.5, forMs: 300_000 }],
    ['p95_latency >= baseline × 2 for 30s', { kind: 'baseline', op: '>=', factor: 2, forMs: 30_000 }],
    ['queue_depth > 1000 for 2m', { kind: 'threshold', value: 1000, percent: false }],
    ['health failing for 3 checks', { kind: 'health_failing', checks: 3 }],
  ])('%s', (text, expected) => {
    expect(parseTrigger(text)).toMatchObject(expected);
  });

  it.each(['error rate is high', 'error_rate > 5% for ever', 'error_rate > 5%', 'health failing for 0 checks'])('refuses %j with an example', (text) => {
    expect(parseTrigger(text)).toEqual({ error: expect.any(String) });
  });
});

describe('sustained breach', () => {
  const fivePercentFor5m = [trigger('error_rate > 5% for 5m')];

  it('fires only when the condition held for the whole window', () => {
    expect(assess(minutes([0.2, 0.2, 0.2, 0.2, 0.2]), fivePercentFor5m).kind).toBe('healthy'); // 4 minutes
    const fired = assess(minutes([0.01, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]), fivePercentFor5m);
    expect(fired).toMatchObject({ kind: 'breach', heldMs: 300_000, limit: 0.05 });
    expect(fired.kind === 'breach' && fired.evidence.map((sample) => sample.seq)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('a single good sample inside the window resets it', () => {
    expect(assess(minutes([0.2, 0.2, 0.2, 0.01, 0.2, 0.2, 0.2]), fivePercentFor5m).kind).toBe('healthy');
  });

  it('an unmeasurable sample is inconclusive, never healthy, and breaks a breach window', () => {
    const verdict = assess(minutes([0.2, 0.2, 0.2, null]), fivePercentFor5m);
    expect(verdict).toEqual({ kind: 'inconclusive', metrics: ['error_rate'], streak: 1 });
    expect(assess(minutes([0.2, 0.2, null, 0.2, 0.2, 0.2]), fivePercentFor5m).kind).toBe('healthy');
    expect(assess(minutes([0.01, null, null, null]), fivePercentFor5m)).toMatchObject({ kind: 'inconclusive', streak: 3 });
  });

  it('a metric with no reading at all is inconclusive', () => {
    expect(assess(minutes([0.01], 'other_metric'), fivePercentFor5m)).toMatchObject({ kind: 'inconclusive', metrics: ['error_rate'] });
  });

  it('compares with the baseline times its factor, and is inconclusive without a baseline', () => {
    const slower = [trigger('p95_latency > baseline * 1.5 for 5m')];
    const latency = minutes([0.2, 0.31, 0.32, 0.35, 0.33, 0.31, 0.34], 'p95_latency');
    expect(assess(latency, slower, { p95_latency: 0.2 })).toMatchObject({ kind: 'breach', limit: expect.closeTo(0.3, 6) });
    expect(assess(latency, slower, { p95_latency: 0.25 }).kind).toBe('healthy');
    expect(assess(latency, slower, {}).kind).toBe('inconclusive');
  });

  it('availability below its floor', () => {
    expect(assess(minutes(Array(11).fill(0.99), 'availability'), [trigger('availability < 99.9% for 10m')]).kind).toBe('breach');
  });
});
