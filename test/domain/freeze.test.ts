import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import {
  activeFreeze,
  describeWindow,
  formatFreezeEnd,
  freezeGate,
  freezesFor,
  freezeWindowSchema,
  occurrenceAt,
  wallClockInstant,
  type FreezeWindow,
} from '../../src/domain/freeze.ts';
import type { Actor } from '../../src/domain/identity.ts';
import { statusCard } from '../../src/domain/messages/status-card.ts';
import { planCard } from '../../src/domain/plan-card.ts';
import { parsePlan } from '../../src/domain/plan.ts';
import { deploymentReport } from '../../src/domain/reports/deployment-report.ts';
import { quorumOf } from '../../src/domain/run-approval.ts';
import type { RunEvent } from '../../src/domain/run.ts';
import { specFor } from '../../src/domain/spec.ts';
import { ALICE, apply, BOB, plan, PLAN_DOCUMENT, requested, step, T0 } from './fixtures.ts';

function window(document: Record<string, unknown>): FreezeWindow {
  return freezeWindowSchema.parse({ name: 'Freeze', ...document });
}
const weekly = (zone: string, from: string, to: string) => window({ zone, weekly: { from, to } });
const dated = (zone: string, from: string, to: string) => window({ zone, from, to });
const at = (iso: string) => new Date(iso);
const utc = (time: DateTime | undefined) => time?.toUTC().toISO({ suppressMilliseconds: true });
/** When the freeze in force at `iso` ends, in UTC; null when none is. */
const endsAt = (windows: FreezeWindow[], iso: string) => utc(activeFreeze(windows, at(iso))?.endsAt) ?? null;
const hours = (occurrence: { start: DateTime; end: DateTime }) => occurrence.end.diff(occurrence.start, 'hours').hours;

function problemsOf(freezes: unknown[]) {
  const result = parsePlan({ ...PLAN_DOCUMENT, freezes });
  if (result.ok) throw new Error('the plan validated, but it should not have');
  return result.problems;
}

describe('freeze windows as a plan writes them', () => {
  it('reads weekly windows (any case, short or long weekday names) and dated ones; the zone is named as IANA names it', () => {
    expect(window({ zone: 'europe/berlin', weekly: { from: 'friday 15:00', to: 'Mon 9:00' } })).toEqual({
      name: 'Freeze',
      zone: 'Europe/Berlin',
      environments: null,
      kind: 'weekly',
      from: { weekday: 5, hour: 15, minute: 0 },
      to: { weekday: 1, hour: 9, minute: 0 },
    });
    const holiday = window({ zone: 'America/New_York', from: '2026-12-20 00:00', to: '2027-01-04 09:00', environments: ['production'] });
    expect(holiday).toMatchObject({
      kind: 'dated',
      from: { year: 2026, month: 12, day: 20, hour: 0, minute: 0 },
      to: { year: 2027, month: 1, day: 4, hour: 9 },
      environments: ['production'],
    });
    expect(describeWindow(weekly('Europe/Berlin', 'Fri 15:00', 'Mon 09:00'))).toBe('Fri 15:00 – Mon 09:00 Europe/Berlin, every week');
    expect(describeWindow(holiday)).toBe('2026-12-20 00:00 – 2027-01-04 09:00 America/New_York');
  });

  it('a plan without freezes has none', () => {
    expect(plan().freezes).toEqual([]);
  });

  it.each([
    [
      { name: 'Weekend', zone: 'Mars/Olympus_Mons', weekly: { from: 'Fri 15:00', to: 'Mon 09:00' } },
      'freezes[0].zone',
      '"Mars/Olympus_Mons" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)',
    ],
    [
      { name: 'Weekend', zone: '+02:00', weekly: { from: 'Fri 15:00', to: 'Mon 09:00' } },
      'freezes[0].zone',
      '"+02:00" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)',
    ],
    [
      { name: 'Weekend', zone: 'UTC', weekly: { from: 'Fry 15:00', to: 'Mon 09:00' } },
      'freezes[0].weekly.from',
      '"Fry 15:00" is not a weekday and time; write a weekday and a 24-hour time, like Fri 15:00',
    ],
    [
      { name: 'Weekend', zone: 'UTC', weekly: { from: 'Fri 15:00', to: 'Mon 24:00' } },
      'freezes[0].weekly.to',
      '"Mon 24:00" is not a weekday and time; write a weekday and a 24-hour time, like Fri 15:00',
    ],
    [
      { name: 'Weekend', zone: 'UTC', weekly: { from: 'Fri 3pm', to: 'Mon 09:00' } },
      'freezes[0].weekly.from',
      '"Fri 3pm" is not a weekday and time; write a weekday and a 24-hour time, like Fri 15:00',
    ],
    [
      { name: 'Weekend', zone: 'UTC', weekly: { from: 'Mon 09:00', to: 'mon 9:00' } },
      'freezes[0].weekly',
      'from and to are the same time: a weekly window must end at another time (a freeze without end is a dated window)',
    ],
    [
      { name: 'Holidays', zone: 'UTC', from: '2026-02-30 00:00', to: '2026-03-04 09:00' },
      'freezes[0].from',
      '"2026-02-30 00:00" is not a date and time; write a date and a 24-hour time, like 2026-12-20 00:00',
    ],
    [
      { name: 'Holidays', zone: 'UTC', from: '2026-12-20', to: '2027-01-04 09:00' },
      'freezes[0].from',
      '"2026-12-20" is not a date and time; write a date and a 24-hour time, like 2026-12-20 00:00',
    ],
    [{ name: 'Holidays', zone: 'UTC', from: '2027-01-04 09:00', to: '2026-12-20 00:00' }, 'freezes[0].to', 'must be after from (2027-01-04 09:00)'],
    [{ name: 'Holidays', zone: 'UTC', from: '2026-12-20 00:00' }, 'freezes[0].to', 'a dated window needs from and to'],
    [
      { name: 'Both', zone: 'UTC', weekly: { from: 'Fri 15:00', to: 'Mon 09:00' }, from: '2026-12-20 00:00', to: '2027-01-04 09:00' },
      'freezes[0]',
      'give weekly: { from, to } (recurring) or from and to (dated), not both',
    ],
    [{ name: 'Neither', zone: 'UTC' }, 'freezes[0]', 'a freeze window needs weekly: { from, to } (recurring) or from and to (dated)'],
    [
      { name: 'Weekend', zone: 'UTC', weekly: { from: 'Fri 15:00', to: 'Mon 09:00' }, environments: ['prod'] },
      'freezes[0].environments[0]',
      '"prod" is not one of the environments',
    ],
  ])('%j is refused with its path', (freeze, path, message) => {
    expect(problemsOf([freeze])).toEqual([{ path, message }]);
  });

  it('a dated window may start in a skipped hour (it starts at the jump); names must differ', () => {
    // 02:30 does not exist in Berlin on 2026-03-29, but 02:30 → 03:10 is still a (short) window: it starts at the jump.
    expect(() => dated('Europe/Berlin', '2026-03-29 02:30', '2026-03-29 03:10')).not.toThrow();
    const twice = { name: 'Weekend', zone: 'UTC', weekly: { from: 'Fri 15:00', to: 'Mon 09:00' } };
    expect(problemsOf([twice, twice])).toEqual([{ path: 'freezes[1].name', message: '"Weekend" names another freeze window already' }]);
  });

  it('a window applies to the environments it names, or to all', () => {
    const staging = { ...PLAN_DOCUMENT.environments.production, channel: { slack: 'CSTAGING' } };
    const p = plan({
      environments: { production: PLAN_DOCUMENT.environments.production, staging },
      freezes: [
        { name: 'Company holidays', zone: 'UTC', from: '2026-12-20 00:00', to: '2027-01-04 09:00' },
        { name: 'Weekend', zone: 'UTC', weekly: { from: 'Fri 15:00', to: 'Mon 09:00' }, environments: ['production'] },
      ],
    });
    expect(freezesFor(p, 'production').map((freeze) => freeze.name)).toEqual(['Company holidays', 'Weekend']);
    expect(freezesFor(p, 'staging').map((freeze) => freeze.name)).toEqual(['Company holidays']);
  });
});

describe('recurring windows', () => {
  const weekend = weekly('Europe/Berlin', 'Fri 15:00', 'Mon 09:00');

  it('Fri 15:00 – Mon 09:00 Berlin in an ordinary November week (CET, UTC+1), wrapping the end of the week', () => {
    expect(endsAt([weekend], '2026-11-20T13:59:59Z')).toBeNull(); // Fri 14:59:59
    expect(endsAt([weekend], '2026-11-20T14:00:00Z')).toBe('2026-11-23T08:00:00Z'); // Fri 15:00 → Mon 09:00
    expect(endsAt([weekend], '2026-11-22T23:30:00Z')).toBe('2026-11-23T08:00:00Z'); // Mon 00:30, after the week wrapped
    expect(endsAt([weekend], '2026-11-23T07:59:59Z')).toBe('2026-11-23T08:00:00Z');
    expect(endsAt([weekend], '2026-11-23T08:00:00Z')).toBeNull(); // the end is not frozen
    expect(endsAt([weekend], '2026-11-25T12:00:00Z')).toBeNull(); // Wednesday
  });

  it('a window within one day, and one from Monday 10:00 to the next Monday 09:00', () => {
    const lunch = weekly('UTC', 'Wed 12:00', 'Wed 14:00');
    expect(endsAt([lunch], '2026-11-25T13:00:00Z')).toBe('2026-11-25T14:00:00Z');
    expect(endsAt([lunch], '2026-11-26T13:00:00Z')).toBeNull();
    const allButAnHour = weekly('UTC', 'Mon 10:00', 'Mon 09:00');
    expect(endsAt([allButAnHour], '2026-11-23T08:00:00Z')).toBe('2026-11-23T09:00:00Z'); // started last Monday
    expect(endsAt([allButAnHour], '2026-11-23T09:30:00Z')).toBeNull(); // the hour open each week
    expect(endsAt([allButAnHour], '2026-11-23T10:00:00Z')).toBe('2026-11-30T09:00:00Z');
  });

  it('across the autumn change in Berlin (last Sunday of October): 66 h of wall clock, 67 h elapsed', () => {
    const occurrence = occurrenceAt(weekend, DateTime.fromISO('2026-10-24T12:00:00Z'))!;
    expect(utc(occurrence.start)).toBe('2026-10-23T13:00:00Z'); // Fri 15:00 CEST (UTC+2)
    expect(utc(occurrence.end)).toBe('2026-10-26T08:00:00Z'); // Mon 09:00 CET (UTC+1)
    expect(hours(occurrence)).toBe(67);
    expect(occurrence.end.toFormat('ccc HH:mm')).toBe('Mon 09:00');
    expect(endsAt([weekend], '2026-10-23T12:59:00Z')).toBeNull();
    expect(endsAt([weekend], '2026-10-26T07:59:00Z')).toBe('2026-10-26T08:00:00Z');
    expect(endsAt([weekend], '2026-10-26T08:00:00Z')).toBeNull();
  });

  it('across the spring change in Berlin (last Sunday of March): 65 h elapsed', () => {
    const occurrence = occurrenceAt(weekend, DateTime.fromISO('2026-03-28T12:00:00Z'))!;
    expect(utc(occurrence.start)).toBe('2026-03-27T14:00:00Z'); // Fri 15:00 CET
    expect(utc(occurrence.end)).toBe('2026-03-30T07:00:00Z'); // Mon 09:00 CEST
    expect(hours(occurrence)).toBe(65);
  });

  it('across both changes in New York (second Sunday of March, first Sunday of November)', () => {
    const nights = weekly('America/New_York', 'Fri 18:00', 'Mon 06:00');
    const autumn = occurrenceAt(nights, DateTime.fromISO('2026-10-31T12:00:00Z'))!;
    expect([utc(autumn.start), utc(autumn.end), hours(autumn)]).toEqual(['2026-10-30T22:00:00Z', '2026-11-02T11:00:00Z', 61]);
    const spring = occurrenceAt(nights, DateTime.fromISO('2026-03-07T12:00:00Z'))!;
    expect([utc(spring.start), utc(spring.end), hours(spring)]).toEqual(['2026-03-06T23:00:00Z', '2026-03-09T10:00:00Z', 59]);
  });

  it('a boundary in the hour the clocks skip is the jump itself (Berlin 02:30 on 2026-03-29 → 03:00 CEST)', () => {
    const night = weekly('Europe/Berlin', 'Sun 02:30', 'Sun 05:00');
    expect(endsAt([night], '2026-03-29T00:59:59Z')).toBeNull();
    expect(endsAt([night], '2026-03-29T01:00:00Z')).toBe('2026-03-29T03:00:00Z'); // 03:00 CEST, the first moment past 02:30
    expect(endsAt([night], '2026-03-22T01:30:00Z')).toBe('2026-03-22T04:00:00Z'); // a week before: 02:30 CET as written
    expect(endsAt([night], '2026-03-22T01:29:00Z')).toBeNull();
    // Ending in the skipped hour: the freeze is over when the clocks jump past it.
    const saturday = weekly('Europe/Berlin', 'Sat 12:00', 'Sun 02:30');
    expect(endsAt([saturday], '2026-03-29T00:30:00Z')).toBe('2026-03-29T01:00:00Z');
    expect(endsAt([saturday], '2026-03-29T01:00:00Z')).toBeNull();
    // New York skips 02:00–03:00 on 2026-03-08: 02:15 comes at 03:00 EDT (07:00 UTC).
    expect(utc(wallClockInstant('America/New_York', { year: 2026, month: 3, day: 8, hour: 2, minute: 15 }))).toBe('2026-03-08T07:00:00Z');
  });

  it('a boundary in the hour the clocks repeat is its first pass (Berlin 02:30 on 2026-10-25 is 00:30 UTC, not 01:30)', () => {
    const night = weekly('Europe/Berlin', 'Sun 02:30', 'Sun 04:00');
    expect(endsAt([night], '2026-10-25T00:29:00Z')).toBeNull();
    expect(endsAt([night], '2026-10-25T00:30:00Z')).toBe('2026-10-25T03:00:00Z'); // 02:30 CEST
    expect(endsAt([night], '2026-10-25T01:45:00Z')).toBe('2026-10-25T03:00:00Z'); // 02:45 CET, the second pass, still inside
    expect(utc(wallClockInstant('America/New_York', { year: 2026, month: 11, day: 1, hour: 1, minute: 30 }))).toBe('2026-11-01T05:30:00Z'); // 01:30 EDT
  });
});

describe('dated windows', () => {
  const holidays = dated('Europe/Berlin', '2026-12-20 00:00', '2027-01-04 09:00');

  it('are read in their zone', () => {
    expect(endsAt([holidays], '2026-12-19T22:59:59Z')).toBeNull();
    expect(endsAt([holidays], '2026-12-19T23:00:00Z')).toBe('2027-01-04T08:00:00Z');
    expect(endsAt([holidays], '2027-01-04T08:00:00Z')).toBeNull();
  });

  it('span a DST change by the wall clock (Berlin, 2026-10-24 12:00 → 10-26 12:00 is 49 h)', () => {
    const occurrence = occurrenceAt(dated('Europe/Berlin', '2026-10-24 12:00', '2026-10-26 12:00'), DateTime.fromISO('2026-10-25T00:00:00Z'))!;
    expect(hours(occurrence)).toBe(49);
  });

  it('when it ends, in the window’s zone and in UTC, with the year when it is not this year', () => {
    const active = activeFreeze([holidays], at('2026-12-24T12:00:00Z'))!;
    expect(formatFreezeEnd(active.endsAt, at('2026-12-24T12:00:00Z'))).toBe('Mon 4 Jan 2027 09:00 Europe/Berlin (08:00 UTC)');
    expect(formatFreezeEnd(active.endsAt, at('2027-01-02T12:00:00Z'))).toBe('Mon 4 Jan 09:00 Europe/Berlin (08:00 UTC)');
    const evening = activeFreeze([dated('America/Los_Angeles', '2026-12-31 20:00', '2027-01-03 20:00')], at('2027-01-02T00:00:00Z'))!;
    expect(formatFreezeEnd(evening.endsAt, at('2027-01-02T00:00:00Z'))).toBe('Sun 3 Jan 20:00 America/Los_Angeles (Mon 4 Jan 04:00 UTC)');
  });
});

describe('overlapping windows', () => {
  const weekend = { ...weekly('Europe/Berlin', 'Fri 15:00', 'Mon 09:00'), name: 'Weekend' };
  const holidays = { ...dated('Europe/Berlin', '2026-12-20 00:00', '2027-01-04 09:00'), name: 'Holidays' };
  const tokyoNight = { ...weekly('Asia/Tokyo', 'Sat 00:00', 'Sat 06:00'), name: 'Tokyo batch' };

  it('the one that ends last is reported', () => {
    const active = activeFreeze([weekend, holidays], at('2026-12-26T12:00:00Z'))!; // a Saturday inside both
    expect(active.window.name).toBe('Holidays');
    expect(utc(active.endsAt)).toBe('2027-01-04T08:00:00Z');
    // Zones mix: Saturday 01:00 in Tokyo is Friday 17:00 in Berlin, inside the weekend, which ends later.
    expect(activeFreeze([tokyoNight, weekend], at('2026-11-20T16:00:00Z'))?.window.name).toBe('Weekend');
  });

  it('a window that begins as another ends carries the freeze on: it ends when the last one does', () => {
    const mondayRelease = { ...weekly('Europe/Berlin', 'Mon 09:00', 'Mon 11:00'), name: 'Monday release train' };
    const active = activeFreeze([weekend, mondayRelease], at('2026-11-21T12:00:00Z'))!;
    expect(active.window.name).toBe('Weekend');
    expect(active.windows.map((freeze) => freeze.name)).toEqual(['Weekend', 'Monday release train']);
    expect(utc(active.endsAt)).toBe('2026-11-23T10:00:00Z');
  });

  it('windows that cover the whole week between them end nowhere near: the chain is followed a long way, then given up', () => {
    const first = { ...weekly('UTC', 'Mon 00:00', 'Thu 00:00'), name: 'A' };
    const second = { ...weekly('UTC', 'Thu 00:00', 'Mon 00:00'), name: 'B' };
    const active = activeFreeze([first, second], at('2026-11-24T00:00:00Z'))!;
    expect(active.endsAt.toUTC().year).toBeGreaterThanOrEqual(2027);
  });
});

describe('the start gate', () => {
  const people = { alice: { slack: 'U01ALICE' }, bob: { slack: 'U02BOB' }, carol: { slack: 'U03CAROL' }, dave: { slack: 'UDAVE' } };
  const always = dated('Europe/Berlin', '2000-01-01 00:00', '2100-01-01 00:00');
  const holidays = { ...dated('Europe/Berlin', '2026-12-20 00:00', '2027-01-04 09:00'), name: 'Holiday freeze' };
  const now = at('2026-12-28T12:00:00Z');
  const gate = (options: { freezes?: FreezeWindow[]; emergency?: string | null; requester?: Actor; planOverrides?: Record<string, unknown> } = {}) =>
    freezeGate({
      freezes: options.freezes ?? [holidays],
      spec: specFor(plan({ people, approvers: ['bob', 'dave'], ...options.planOverrides }), 'production')!,
      requester: options.requester ?? ALICE,
      target: 'api production',
      now,
      emergency: options.emergency ?? null,
    });

  it('inside a freeze a start is refused with the window and its end', () => {
    expect(gate()).toEqual({
      allowed: false,
      reason:
        '❄️ Frozen: Holiday freeze until Mon 4 Jan 2027 09:00 Europe/Berlin (08:00 UTC). To deploy anyway, add --emergency "why"; it will need one more approver.',
    });
  });

  it('with --emergency it is allowed and marked with the window; outside a freeze --emergency is refused', () => {
    const allowed = gate({ emergency: '  checkout is down  ' });
    expect(allowed).toMatchObject({ allowed: true, emergency: { justification: 'checkout is down', freeze: 'Holiday freeze' } });
    expect(gate({ freezes: [] })).toMatchObject({ allowed: true, emergency: null });
    expect(gate({ freezes: [], emergency: 'checkout is down' })).toEqual({
      allowed: false,
      reason: 'No freeze is in force on api production now, so this is not an emergency start: start it without --emergency.',
    });
  });

  it('an emergency run needs one more GO than the plan’s quorum', () => {
    const allowed = gate({ freezes: [always], emergency: 'checkout is down' });
    if (!allowed.allowed) throw new Error(allowed.reason);
    const requested: RunEvent = {
      type: 'requested',
      run: {
        id: '11111111-1111-4111-8111-111111111111',
        key: 'api-1',
        service: 'api',
        version: '1.4.2',
        environment: 'production',
        platform: 'slack',
        requestedBy: ALICE,
        spec: allowed.spec,
        emergency: allowed.emergency,
      },
    };
    const waiting = apply(null, [requested, ...step('pre_checks.0')], T0).run;
    expect(waiting.emergency).toEqual({ justification: 'checkout is down', freeze: 'Freeze' });
    expect(quorumOf(waiting)).toBe(2);
    expect(apply(waiting, [{ type: 'decision', decision: 'go', by: BOB, rationale: null }], T0).run.state).toBe('awaiting_decision');
  });

  it('in an environment that asks for no decision, an emergency run asks for one GO', () => {
    const production = { ...PLAN_DOCUMENT.environments.production, requireDecision: false };
    const allowed = gate({ emergency: 'checkout is down', planOverrides: { environments: { production } } });
    if (!allowed.allowed) throw new Error(allowed.reason);
    expect(allowed.spec.requireDecision).toBe(true);
    const requested: RunEvent = {
      type: 'requested',
      run: {
        id: '11111111-1111-4111-8111-111111111111',
        key: 'api-1',
        service: 'api',
        version: '1.4.2',
        environment: 'production',
        platform: 'slack',
        requestedBy: ALICE,
        spec: allowed.spec,
        emergency: allowed.emergency,
      },
    };
    const waiting = apply(null, [requested, ...step('pre_checks.0')], T0).run;
    expect(waiting.state).toBe('awaiting_decision');
    expect(quorumOf(waiting)).toBe(1);
    expect(apply(waiting, [{ type: 'decision', decision: 'go', by: BOB, rationale: null }], T0).run.state).toBe('deploying');
  });

  it('an emergency start is refused when the plan has too few approvers to reach the larger quorum', () => {
    const bobOnly = gate({ emergency: 'checkout is down', planOverrides: { approvers: ['bob'] } });
    expect(bobOnly).toEqual({
      allowed: false,
      reason:
        'An emergency start on api production needs GO from 2 approvers, and the plan has 1 who may approve your run (bob). Ask another approver to start it.',
    });
    // The requester does not count unless the plan allows self-approval.
    const bobStarts = gate({ emergency: 'checkout is down', requester: BOB });
    expect(bobStarts).toMatchObject({ allowed: false, reason: expect.stringContaining('the plan has 1 who may approve your run (dave)') });
  });
});

describe('an emergency run, shown everywhere', () => {
  const emergencyRun = () => {
    const p = plan({
      people: { alice: { slack: 'U01ALICE' }, bob: { slack: 'U02BOB' }, carol: { slack: 'U03CAROL' }, dave: { slack: 'UDAVE' } },
      approvers: ['bob', 'dave'],
    });
    const requested: RunEvent = {
      type: 'requested',
      run: {
        id: '11111111-1111-4111-8111-111111111111',
        key: 'api-1',
        service: 'api',
        version: '1.4.2',
        environment: 'production',
        platform: 'slack',
        requestedBy: ALICE,
        spec: specFor(p, 'production')!,
        emergency: { justification: 'checkout is down', freeze: 'Holiday freeze' },
      },
    };
    return apply(null, [requested, ...step('pre_checks.0')], T0).run;
  };

  it('the status card says EMERGENCY with the freeze and the justification, and that two GOs are needed', () => {
    const body = statusCard(emergencyRun()).body.map((paragraph) =>
      paragraph.map((part) => (typeof part === 'string' ? part : `@${part.mention.name}`)).join(''),
    );
    expect(body).toContain('🚨 EMERGENCY (freeze: Holiday freeze): checkout is down');
    expect(body).toContain('Approvers (GO from 2 needed): @bob, @dave');
  });

  it('the deployment report has an Emergency line; a run without one has none', () => {
    expect(deploymentReport(emergencyRun())).toContain(
      '**Emergency**: 🚨 started inside the freeze "Holiday freeze" with --emergency: “checkout is down” (one more approver was required)',
    );
    expect(deploymentReport(apply(null, [requested()]).run)).not.toContain('Emergency');
  });

  it('the plan card lists the environment’s freeze windows', () => {
    const p = plan({ freezes: [{ name: 'Weekend', zone: 'Europe/Berlin', weekly: { from: 'Fri 15:00', to: 'Mon 09:00' } }] });
    const text = JSON.stringify(planCard(p, 'production', specFor(p, 'production')!).body);
    expect(text).toContain('Freeze windows: no start inside one, unless --emergency');
    expect(text).toContain('• Weekend — Fri 15:00 – Mon 09:00 Europe/Berlin, every week');
    expect(JSON.stringify(planCard(plan(), 'production', specFor(plan(), 'production')!).body)).not.toContain('Freeze');
  });
});
