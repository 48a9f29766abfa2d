import { describe, expect, it } from 'vitest';
import { overdueWork } from '../../src/domain/overdue.ts';
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
