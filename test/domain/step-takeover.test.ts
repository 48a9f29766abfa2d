import { describe, expect, it } from 'vitest';
import { replay, transition } from '../../src/domain/run.ts';
import { apply, minutes, requested, T0 } from './fixtures.ts';

/** `step.started` for a step already started: a later start of its job takes it over; any other job is a duplicate. */
describe('a step started again', () => {
  const running = () => apply(null, [requested(), { type: 'step.started', stepId: 'pre_checks.0', attempt: 1 }]).run;

  it('by a later start of its job (its worker died, or the attempt failed) is a take-over', () => {
    const taken = transition(running(), { type: 'step.started', stepId: 'pre_checks.0', attempt: 2 }, minutes(1));
    expect(taken).toMatchObject({ ok: true, effects: [] });
    expect(taken.ok && taken.run.cursor).toMatchObject({ startedAt: minutes(1).toISOString(), attempt: 2 });
  });

  it('by another job at the same start count is a duplicate: stale, and the step stays as it was', () => {
    const run = running();
    expect(transition(run, { type: 'step.started', stepId: 'pre_checks.0', attempt: 1 }, minutes(1))).toMatchObject({ ok: false, error: { code: 'stale' } });
    expect(run.cursor).toMatchObject({ startedAt: T0.toISOString(), attempt: 1 });
  });

  it('without a start count (events of older releases) is accepted as before', () => {
    const old = apply(null, [requested(), { type: 'step.started', stepId: 'pre_checks.0' }]).run;
    expect(transition(old, { type: 'step.started', stepId: 'pre_checks.0' }, minutes(1)).ok).toBe(true);
    expect(transition(old, { type: 'step.started', stepId: 'pre_checks.0', attempt: 1 }, minutes(1)).ok).toBe(true);
  });

  it('replay keeps the take-over and skips the duplicate', () => {
    const events = [
      requested(),
      { type: 'step.started', stepId: 'pre_checks.0', attempt: 1 },
      { type: 'step.started', stepId: 'pre_checks.0', attempt: 1 },
      { type: 'step.started', stepId: 'pre_checks.0', attempt: 2 },
    ] as const;
    const rebuilt = replay(events.map((event, index) => ({ event, at: minutes(index) })));
    expect(rebuilt?.cursor).toMatchObject({ startedAt: minutes(3).toISOString(), attempt: 2 });
  });
});
