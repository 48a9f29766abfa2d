import { describe, expect, it } from 'vitest';
import { parseStartTime } from '../../src/domain/start-time.ts';

const NOW = new Date('2026-11-23T10:00:00Z'); // 11:00 in Berlin, 05:00 in New York

describe('--at: when a scheduled start happens', () => {
  it('a date, a time and a zone', () => {
    expect(parseStartTime('2026-11-24 14:00 Europe/Berlin', null, NOW)).toEqual({
      ok: true,
      at: '2026-11-24T13:00:00.000Z',
      zone: 'Europe/Berlin',
      shown: 'Tue 24 Nov 2026 14:00 Europe/Berlin (13:00 UTC)',
    });
  });

  it('a bare time is in the requester’s zone, the next one to come', () => {
    expect(parseStartTime('14:00', 'Europe/Berlin', NOW)).toMatchObject({ ok: true, at: '2026-11-23T13:00:00.000Z' });
    expect(parseStartTime('09:00', 'Europe/Berlin', NOW)).toMatchObject({ ok: true, at: '2026-11-24T08:00:00.000Z' });
    expect(parseStartTime('tomorrow 09:30 America/New_York', null, NOW)).toMatchObject({ ok: true, at: '2026-11-24T14:30:00.000Z' });
  });

  it('an ISO time with its offset', () => {
    expect(parseStartTime('2026-11-23T10:05:30Z', null, NOW)).toMatchObject({ ok: true, at: '2026-11-23T10:05:30.000Z', zone: 'UTC' });
    expect(parseStartTime('2026-11-23T12:05:00+01:00', null, NOW)).toMatchObject({ ok: true, at: '2026-11-23T11:05:00.000Z' });
  });

  it('asks for a zone when neither the text nor the requester has one', () => {
    expect(parseStartTime('14:00', null, NOW)).toEqual({ ok: false, message: 'In which time zone is 14:00? Add one, e.g. --at "14:00 Europe/Berlin".' });
  });

  it('across DST: a skipped local time is refused; the day after a change keeps wall-clock time', () => {
    const spring = new Date('2026-03-28T10:00:00Z');
    expect(parseStartTime('2026-03-29 02:30 Europe/Berlin', null, spring)).toEqual({
      ok: false,
      message: '02:30 does not exist on 2026-03-29 in Europe/Berlin (the clocks go forward then). Pick another time.',
    });
    expect(parseStartTime('2026-03-29 09:00 Europe/Berlin', null, spring)).toMatchObject({ ok: true, at: '2026-03-29T07:00:00.000Z' }); // CEST, UTC+2
    expect(parseStartTime('2026-03-28 12:00 Europe/Berlin', null, spring)).toMatchObject({ ok: true, at: '2026-03-28T11:00:00.000Z' }); // still CET
    const autumn = new Date('2026-10-24T10:00:00Z');
    expect(parseStartTime('tomorrow 09:00 Europe/Berlin', null, autumn)).toMatchObject({ ok: true, at: '2026-10-25T08:00:00.000Z' }); // back to CET
  });

  it.each([
    ['2026-11-23 10:59 Europe/Berlin', 'is not in the future'],
    ['2027-02-01 10:00 UTC', 'is more than 30 days away'],
    ['14:00 Mars/Olympus', '"Mars/Olympus" is not a time zone'],
    ['25:00 UTC', 'is not a time of day'],
    ['next tuesday', 'is not a time'],
    ['2026-02-30 10:00 UTC', 'is not a date'],
  ])('refuses %j', (text, reason) => {
    const result = parseStartTime(text, 'Europe/Berlin', NOW);
    expect(result.ok ? null : result.message).toContain(reason);
  });
});

describe('--at close to now', () => {
  it('a time a few seconds away is refused as too close; one in the past as not in the future', () => {
    expect(parseStartTime('2026-11-23T10:00:03Z', null, NOW)).toMatchObject({ ok: false, message: expect.stringContaining('is only moments away') });
    expect(parseStartTime('2026-11-23T09:59:00Z', null, NOW)).toMatchObject({ ok: false, message: expect.stringContaining('is not in the future') });
    expect(parseStartTime('2026-11-23T10:00:10Z', null, NOW)).toMatchObject({ ok: true });
  });
});
