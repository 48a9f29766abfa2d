import { describe, expect, it } from 'vitest';
import { plain } from '../../src/domain/cards.ts';
import { statusCard } from '../../src/domain/messages/status-card.ts';
import { upcomingCard } from '../../src/domain/messages/announcements.ts';
import { overdueWork } from '../../src/domain/overdue.ts';
import { transition, type RunEvent } from '../../src/domain/run.ts';
import { ALICE, apply, minutes, requested, T0 } from './fixtures.ts';

const at = minutes(60).toISOString();
const scheduledRequest = (): RunEvent => {
  const event = requested();
  if (event.type !== 'requested') throw new Error('requested');
  return { ...event, run: { ...event.run, scheduled: { at, shown: 'Mon 23 Nov 2026 16:00 Europe/Berlin (15:00 UTC)' } } };
};

describe('a scheduled start', () => {
  it('waits in scheduled, announces itself, and sets its start timer', () => {
    const created = apply(null, [scheduledRequest()], T0);
    expect(created.run.state).toBe('scheduled');
    expect(created.effects).toEqual([
      { kind: 'refreshStatus' },
      { kind: 'announce', message: 'scheduled' },
      { kind: 'scheduleTimer', timer: 'scheduled_start', n: 1, at },
    ]);
    expect(statusCard(created.run).title).toBe('🗓️ Scheduled: api 1.4.2 → production at Mon 23 Nov 2026 16:00 Europe/Berlin (15:00 UTC)');
    const upcoming = upcomingCard(created.run);
    expect(upcoming.title).toBe('Upcoming Deployment: api 1.4.2 - Mon 23 Nov 2026 16:00 Europe/Berlin (15:00 UTC)');
    expect(upcoming.body.map(plain)[0]).toBe('We will be deploying api 1.4.2 to production at Mon 23 Nov 2026 16:00 Europe/Berlin (15:00 UTC).');
  });

  it('begins with its pre-checks when the timer goes off', () => {
    const created = apply(null, [scheduledRequest()], T0).run;
    const started = apply(created, [{ type: 'timer', timer: 'scheduled_start', n: 1 }], minutes(60));
    expect(started.run.state).toBe('pre_checks');
    expect(started.effects).toContainEqual({ kind: 'runStep', stepId: 'pre_checks.0' });
    // A second delivery of the same timer is stale.
    expect(transition(started.run, { type: 'timer', timer: 'scheduled_start', n: 1 }, minutes(61)).ok).toBe(false);
  });

  it('can be cancelled before its time; the timer is then stale', () => {
    const created = apply(null, [scheduledRequest()], T0).run;
    const cancelled = apply(created, [{ type: 'cancel.requested', by: ALICE, reason: 'moved to Thursday' }], minutes(5)).run;
    expect(cancelled.state).toBe('cancelled');
    expect(transition(cancelled, { type: 'timer', timer: 'scheduled_start', n: 1 }, minutes(60)).ok).toBe(false);
  });

  it('a start timer lost with Redis is enqueued again once overdue', () => {
    const created = apply(null, [scheduledRequest()], T0).run;
    expect(overdueWork(created, minutes(59), 60_000)).toEqual([]);
    expect(overdueWork(created, minutes(62), 60_000)).toEqual([{ kind: 'scheduleTimer', timer: 'scheduled_start', n: 1, at: minutes(62).toISOString() }]);
  });
});

describe('a scheduled start meets a lock', () => {
  it('does not start when its target was locked since; it says why', () => {
    const created = apply(null, [scheduledRequest()], T0).run;
    const blocked = apply(
      created,
      [{ type: 'timer', timer: 'scheduled_start', n: 1, blockedBy: 'api production is locked by bob: “incident 42”.' }],
      minutes(60),
    );
    expect(blocked.run.state).toBe('cancelled');
    expect(blocked.run.cancelled?.reason).toBe('not started at its scheduled time: api production is locked by bob: “incident 42”.');
    expect(blocked.effects.some((effect) => effect.kind === 'runStep')).toBe(false);
  });
});
