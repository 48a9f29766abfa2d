import { describe, expect, it } from 'vitest';
import { checkCount, checkOffset, paceAt, scheduleProblems } from '../../src/domain/schedule.ts';

const m = 60_000;
const h = 60 * m;
/** The seeds' decaying schedule. */
const SEEDS = [
  { everyMs: 1 * m, untilMs: 1 * h },
  { everyMs: 5 * m, untilMs: 8 * h },
  { everyMs: 15 * m, untilMs: 24 * h },
];

describe('the decaying monitoring schedule', () => {
  it('checks every minute for the first hour, every 5 minutes to 8 hours, every 15 to 24 hours', () => {
    expect(checkOffset(SEEDS, 1)).toBe(1 * m);
    expect(checkOffset(SEEDS, 60)).toBe(1 * h);
    expect(checkOffset(SEEDS, 61)).toBe(1 * h + 5 * m);
    expect(checkOffset(SEEDS, 60 + 84)).toBe(8 * h);
    expect(checkOffset(SEEDS, 60 + 84 + 1)).toBe(8 * h + 15 * m);
    expect(checkOffset(SEEDS, 60 + 84 + 64)).toBe(24 * h);
  });

  it('ends after its last check', () => {
    expect(checkCount(SEEDS)).toBe(60 + 84 + 64);
    expect(checkOffset(SEEDS, checkCount(SEEDS) + 1)).toBeNull();
  });

  it('offsets are strictly increasing and follow the pace in force', () => {
    let previous = 0;
    for (let seq = 1; seq <= checkCount(SEEDS); seq++) {
      const offset = checkOffset(SEEDS, seq)!;
      expect(offset).toBeGreaterThan(previous);
      expect(offset - previous).toBe(paceAt(SEEDS, previous)!.everyMs);
      previous = offset;
    }
  });

  it('a single pace is the plain "every X for Y" window', () => {
    expect(checkCount([{ everyMs: 1_000, untilMs: 5_000 }])).toBe(5);
    expect(checkOffset([{ everyMs: 1_000, untilMs: 5_000 }], 5)).toBe(5_000);
  });

  it('refuses schedules that go backwards or whose pace does not fit', () => {
    expect(scheduleProblems(SEEDS)).toEqual([]);
    expect(
      scheduleProblems([
        { everyMs: m, untilMs: h },
        { everyMs: m, untilMs: h },
      ]),
    ).toEqual(['step 2: "until" must be later than the step before']);
    expect(scheduleProblems([{ everyMs: 2 * h, untilMs: h }])).toEqual(['step 1: "every" is longer than the step lasts']);
  });
});
