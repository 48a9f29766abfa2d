import { describe, expect, it } from 'vitest';
import { overdueReview, overdueWork, REVIEW_RESENDS, workDueAt, type Review } from '../../src/domain/overdue.ts';
import type { Run } from '../../src/domain/run.ts';
import { apply, awaitingDecision, BOB, minutes, monitoring, T0 } from './fixtures.ts';

describe('overdue work', () => {
  it('a queued step nobody started is overdue after the grace period', () => {
    const deploying = apply(awaitingDecision(), [{ type: 'decision', decision: 'go', by: BOB, rationale: null }]).run;
    expect(overdueWork(deploying, minutes(1), 5 * 60_000)).toEqual([]);
    expect(overdueWork(deploying, minutes(6), 5 * 60_000)).toEqual([{ kind: 'runStep', stepId: 'deploy.0' }]);
  });

  it('a running step is not overdue: a dead worker’s step is BullMQ’s stalled-job business', () => {
    const running = apply(awaitingDecision(), [
      { type: 'decision', decision: 'go', by: BOB, rationale: null },
      { type: 'step.started', stepId: 'deploy.0' },
    ]).run;
    expect(overdueWork(running, minutes(60), 60_000)).toEqual([]);
  });

  it('a check whose slot passed long ago is enqueued again, now, for the same seq', () => {
    const watching = monitoring(); // first check due one minute after T0
    expect(overdueWork(watching, minutes(2), 5 * 60_000)).toEqual([]);
    expect(overdueWork(watching, minutes(7), 5 * 60_000)).toEqual([{ kind: 'scheduleCheck', seq: 1, at: minutes(7).toISOString() }]);
  });

  it('a decision reminder, then the decision timeout, whose jobs were lost are enqueued again', () => {
    const waiting = awaitingDecision(); // waiting since T0: reminders every 30m, timeout at 4h
    expect(overdueWork(waiting, minutes(31), 5 * 60_000)).toEqual([]);
    expect(overdueWork(waiting, minutes(36), 5 * 60_000)).toEqual([{ kind: 'scheduleTimer', timer: 'decision_reminder', n: 1, at: minutes(36).toISOString() }]);
    const reminded = apply(waiting, [{ type: 'timer', timer: 'decision_reminder', n: 1 }], minutes(36)).run;
    expect(overdueWork(reminded, minutes(40), 5 * 60_000)).toEqual([]);
    expect(overdueWork(reminded, minutes(246), 5 * 60_000)).toEqual([
      { kind: 'scheduleTimer', timer: 'decision_timeout', n: 1, at: minutes(246).toISOString() },
    ]);
  });

  it('ended runs owe nothing', () => {
    expect(overdueWork({ ...monitoring(), state: 'succeeded' }, new Date(T0.getTime() + 86_400_000), 1)).toEqual([]);
  });
});

describe('when a run’s work is due (stored with the snapshot, so the sweeper reads only overdue runs)', () => {
  const deploying = () => apply(awaitingDecision(), [{ type: 'decision', decision: 'go', by: BOB, rationale: null }]).run;
  const running = () => apply(deploying(), [{ type: 'step.started', stepId: 'deploy.0' }]).run;
  const reminded = () => apply(awaitingDecision(), [{ type: 'timer', timer: 'decision_reminder', n: 1 }], minutes(36)).run;
  const RUNS: Record<string, () => Run> = {
    'a queued step': deploying,
    'a running step': running,
    'the first check': monitoring,
    'a decision, reminders to come': awaitingDecision,
    'a decision, reminded once': reminded,
    'an ended run': () => ({ ...monitoring(), state: 'succeeded' }),
  };
  const GRACES = [1, 60_000, 5 * 60_000];
  const TIMES = Array.from({ length: 300 }, (_, i) => minutes(i));

  it.each(Object.entries(RUNS))('%s: overdue exactly when more than the grace has passed since its due time', (_, make) => {
    const run = make();
    const due = workDueAt(run);
    for (const grace of GRACES)
      for (const now of TIMES) {
        const overdue = due !== null && now.getTime() - Date.parse(due) > grace;
        expect(overdueWork(run, now, grace).length > 0, `${now.toISOString()} grace ${grace}`).toBe(overdue);
      }
  });

  it('is the earliest of the work a run waits for, and none for work a job already holds', () => {
    expect(workDueAt(deploying())).toBe(deploying().cursor!.queuedAt);
    expect(workDueAt(running())).toBeNull(); // a dead worker's step is BullMQ's stalled-job business
    expect(workDueAt(monitoring())).toBe(minutes(1).toISOString());
    expect(workDueAt(awaitingDecision())).toBe(minutes(30).toISOString()); // the reminder before the 4-hour timeout
    expect(workDueAt(reminded())).toBe(minutes(60).toISOString());
    expect(workDueAt({ ...monitoring(), state: 'succeeded' })).toBeNull();
  });
});

describe('overdue review reminders', () => {
  const GRACE = 5 * 60_000;
  // Scheduled at T0 (the run's end), due two days later.
  const review: Review = { runId: 'r1', dueAt: minutes(2 * 24 * 60).toISOString(), queuedAt: T0.toISOString(), resent: 0, postedAt: null };
  const at = (minutesAfterDue: number) => new Date(Date.parse(review.dueAt) + minutesAfterDue * 60_000);

  it('is overdue only a grace period after it was due, and never once posted', () => {
    expect(overdueReview(review, at(-60), GRACE)).toBe(false);
    expect(overdueReview(review, at(5), GRACE)).toBe(false);
    expect(overdueReview(review, at(6), GRACE)).toBe(true);
    expect(overdueReview({ ...review, postedAt: at(0).toISOString() }, at(60), GRACE)).toBe(false);
  });

  it('once enqueued again, waits a grace period from then, and gives up after REVIEW_RESENDS tries', () => {
    const resent = { ...review, resent: 1, queuedAt: at(6).toISOString() };
    expect(overdueReview(resent, at(10), GRACE)).toBe(false);
    expect(overdueReview(resent, at(12), GRACE)).toBe(true);
    expect(overdueReview({ ...resent, resent: REVIEW_RESENDS }, at(600), GRACE)).toBe(false);
  });
});
