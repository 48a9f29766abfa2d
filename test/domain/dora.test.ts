import { describe, expect, it } from 'vitest';
import { doraFigures, frequencyBucket, median, MINIMUM_DEPLOYS, type RunOutcome } from '../../src/domain/dora.ts';
import type { RunState } from '../../src/domain/run.ts';

/**
 * DORA figures on generated histories whose answers are known by construction: deploys placed on chosen
 * days, failures with chosen breach, rollback and restore times, commits made a chosen time before.
 */

const NOW = new Date('2026-12-01T00:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

let serial = 0;
function outcome(state: RunState, finishedMsAgo: number, extra: Partial<RunOutcome> = {}): RunOutcome {
  serial += 1;
  return {
    key: `api-${serial}`,
    service: 'api',
    environment: 'production',
    version: `1.0.${serial}`,
    state,
    finishedAt: ago(finishedMsAgo),
    firstBreachAt: null,
    rollbackStartedAt: null,
    trafficRestoredAt: null,
    commitAt: null,
    ...extra,
  };
}

/** A deploy rolled back by a trigger: breach at `breach` ago, rollback `detect` later, traffic back `remediate` after that, validated `validate` after. */
function rolledBack(breachMsAgo: number, detect: number, remediate: number, validate: number, state: RunState = 'rolled_back'): RunOutcome {
  const breach = NOW.getTime() - breachMsAgo;
  return outcome(state, breachMsAgo - detect - remediate - validate, {
    firstBreachAt: new Date(breach).toISOString(),
    rollbackStartedAt: new Date(breach + detect).toISOString(),
    trafficRestoredAt: state === 'rolled_back' ? new Date(breach + detect + remediate).toISOString() : null,
  });
}

describe('DORA figures from Flightdeck runs', () => {
  it('with no deploys says so and gives no level', () => {
    const figures = doraFigures([], NOW, 90);
    expect(figures.deploys).toBe(0);
    expect(figures.enough).toBe(false);
    expect(figures.frequency).toMatchObject({ successes: 0, bucket: 'yearly' });
    expect(figures.leadTime).toEqual({ medianMs: null, known: 0, unknown: 0, level: null });
    expect(figures.changeFailureRate).toEqual({ failed: 0, of: 0, rate: null, level: null });
    expect(figures.recovery).toEqual({ medianMs: null, recovered: 0, unrecovered: 0, level: null });
  });

  it('counts only runs that changed production, in the window', () => {
    const history = [
      outcome('succeeded', 1 * DAY),
      outcome('succeeded', 2 * DAY),
      rolledBack(3 * DAY, 60_000, 5_000, 60_000),
      outcome('failed', 4 * DAY), // stopped before production changed
      outcome('cancelled', 4 * DAY),
      outcome('no_go', 4 * DAY),
      outcome('succeeded', 100 * DAY), // before the window
    ];
    const figures = doraFigures(history, NOW, 90);
    expect(figures.deploys).toBe(3);
    expect(figures.changeFailureRate).toMatchObject({ failed: 1, of: 3 });
    expect(figures.changeFailureRate.rate).toBeCloseTo(1 / 3);
    expect(figures.frequency.successes).toBe(2);
  });

  it('gives no level under the minimum number of deploys, and levels from it', () => {
    const few = Array.from({ length: MINIMUM_DEPLOYS - 1 }, (_, index) => outcome('succeeded', (index + 1) * HOUR));
    expect(doraFigures(few, NOW, 7).enough).toBe(false);
    expect(doraFigures(few, NOW, 7).changeFailureRate.level).toBeNull();
    const enough = [...few, outcome('succeeded', 10 * HOUR)];
    expect(doraFigures(enough, NOW, 7)).toMatchObject({ enough: true, changeFailureRate: { rate: 0, level: 'elite' } });
  });

  it('puts the frequency in the fourkeys bucket: daily, weekly, monthly, yearly', () => {
    const to = NOW.getTime();
    const from = to - 28 * DAY;
    const onDays = (days: number[]) => days.map((day) => to - day * DAY - HOUR);
    // Four weeks with deploys on 3 distinct days each (two deploys on one of them count once).
    expect(frequencyBucket(onDays([0, 1, 2, 2, 7, 8, 9, 14, 15, 16, 21, 22, 23]), from, to)).toBe('daily');
    // Weeks with 2, 1, 1 and 0 deploy days: the median week has 1.
    expect(frequencyBucket(onDays([0, 1, 7, 14]), from, to)).toBe('weekly');
    // Weeks with 2, 1, 0, 0: the median week has half a day, not a weekly cadence; the month has three.
    expect(frequencyBucket(onDays([0, 1, 7]), from, to)).toBe('monthly');
    // The same two weeks doubled: the median week still has deploys, but on fewer than 3 days.
    expect(frequencyBucket(onDays([0, 1, 7, 8, 14, 21]), from, to)).toBe('weekly');
    // Once in 28 days: the median week has none; the one month has one.
    expect(frequencyBucket(onDays([3]), from, to)).toBe('monthly');
    // Over 90 days, one deploy: two of three months have none.
    expect(frequencyBucket(onDays([3]), to - 90 * DAY, to)).toBe('yearly');
  });

  it('takes the lead time from the commit time, and says unknown without one', () => {
    const history = [
      outcome('succeeded', 1 * DAY, { commitAt: ago(1 * DAY + 2 * HOUR) }),
      outcome('succeeded', 2 * DAY, { commitAt: ago(2 * DAY + 4 * HOUR) }),
      outcome('succeeded', 3 * DAY, { commitAt: ago(3 * DAY + 30 * HOUR) }),
      outcome('succeeded', 4 * DAY),
      outcome('succeeded', 5 * DAY),
    ];
    const { leadTime } = doraFigures(history, NOW, 30);
    expect(leadTime).toEqual({ medianMs: 4 * HOUR, known: 3, unknown: 2, level: 'elite' });
    const slow = history.map((run, index) => ({ ...run, commitAt: ago(index * DAY + 10 * DAY) }));
    expect(doraFigures(slow, NOW, 30).leadTime.level).toBe('medium');
    const none = history.map((run) => ({ ...run, commitAt: null }));
    expect(doraFigures(none, NOW, 30).leadTime).toEqual({ medianMs: null, known: 0, unknown: 5, level: null });
  });

  it('measures recovery from the first breach to a validated rollback, or to the next success', () => {
    const history = [
      outcome('succeeded', 20 * DAY),
      // Breach, 2 min to detect, 10 s to restore traffic, 1 min to validate: recovered 3m10s after the breach.
      rolledBack(10 * DAY, 2 * 60_000, 10_000, 60_000),
      // The rollback failed at 5 days ago; the next success, 2 hours after it ended, recovered production.
      rolledBack(5 * DAY, 30_000, 0, 60_000, 'rollback_failed'),
      outcome('succeeded', 5 * DAY - 2 * HOUR - 90_000),
      // A human rolled this one back (no breach): measured from the rollback's start.
      outcome('rolled_back', 1 * DAY, { rollbackStartedAt: ago(1 * DAY + 5 * 60_000), trafficRestoredAt: ago(1 * DAY + 4 * 60_000) }),
    ];
    const figures = doraFigures(history, NOW, 30);
    expect(figures.failures).toEqual([
      { key: history[1]!.key, detectMs: 2 * 60_000, remediateMs: 10_000, recoveryMs: 2 * 60_000 + 10_000 + 60_000 },
      { key: history[2]!.key, detectMs: 30_000, remediateMs: null, recoveryMs: 2 * HOUR + 90_000 },
      { key: history[4]!.key, detectMs: null, remediateMs: 60_000, recoveryMs: 5 * 60_000 },
    ]);
    expect(figures.recovery).toEqual({ medianMs: 5 * 60_000, recovered: 3, unrecovered: 0, level: 'elite' });
    expect(figures.changeFailureRate).toMatchObject({ failed: 3, of: 5, rate: 0.6, level: 'low' });
  });

  it('leaves a failed rollback with no later success unrecovered', () => {
    const history = [
      ...Array.from({ length: 5 }, (_, index) => outcome('succeeded', (10 + index) * DAY)),
      rolledBack(1 * DAY, 60_000, 0, 60_000, 'rollback_failed'),
    ];
    const figures = doraFigures(history, NOW, 30);
    expect(figures.recovery).toEqual({ medianMs: null, recovered: 0, unrecovered: 1, level: null });
    expect(figures.failures[0]).toMatchObject({ recoveryMs: null, remediateMs: null });
  });

  it('does not take a success on another target, or before the failure, as its recovery', () => {
    const failure = rolledBack(2 * DAY, 60_000, 0, 60_000, 'rollback_failed');
    const elsewhere = { ...outcome('succeeded', 1 * DAY), environment: 'staging' };
    const before = outcome('succeeded', 3 * DAY);
    expect(doraFigures([before, failure, elsewhere], NOW, 30).failures[0]!.recoveryMs).toBeNull();
  });

  it('medians of even and odd counts', () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
