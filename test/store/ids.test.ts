import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../../src/store/ids.ts';

describe('time-ordered ids (UUID version 7)', () => {
  it('are UUIDs of version 7 and variant 10, carrying the time to the millisecond', () => {
    const at = Date.UTC(2026, 11, 2, 14, 30, 0, 123);
    const id = timeOrderedId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sort as text (and as Postgres orders uuids) in the order they were made, across milliseconds', () => {
    const made = Array.from({ length: 2_000 }, (_, i) => timeOrderedId(1_796_000_000_000 + Math.floor(i / 10)));
    const byMs = (id: string) => id.slice(0, 13);
    expect([...made].sort().map(byMs)).toEqual(made.map(byMs));
  });

  it('do not repeat within a millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => timeOrderedId(1_796_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
