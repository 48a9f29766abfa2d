import { describe, expect, it } from 'vitest';
import { endingEffects } from '../../src/domain/run-ending.ts';
import type { Run } from '../../src/domain/run.ts';
import { monitoring, T0 } from './fixtures.ts';

describe('what every ending of a run asks for', () => {
  const active = monitoring();
  const locking = (run: Run): Run => ({ ...run, spec: { ...run.spec, lockAfterRollback: true } });

  it('a run that ends frees its target, whatever the ending', () => {
    for (const state of ['succeeded', 'failed', 'no_go', 'deferred', 'cancelled', 'rolled_back', 'rollback_failed'] as const) {
      expect(endingEffects(active, { ...active, state }, T0)).toEqual([{ kind: 'targetFreed' }]);
    }
  });

  it('a run that ends in a rollback locks its target instead when its plan says lockAfterRollback, and says so in its thread', () => {
    for (const state of ['rolled_back', 'rollback_failed'] as const) {
      const effects = endingEffects(locking(active), { ...locking(active), state }, T0);
      expect(effects).toEqual([
        {
          kind: 'lockTarget',
          lock: expect.objectContaining({
            service: active.service,
            environment: active.environment,
            kind: 'after_rollback',
            runKey: active.key,
            until: null,
            since: T0.toISOString(),
          }),
        },
        { kind: 'postLog', text: expect.stringContaining(`/deploy unlock ${active.service} ${active.environment} <reason>`) },
      ]);
    }
    expect(endingEffects(locking(active), { ...locking(active), state: 'succeeded' }, T0)).toEqual([{ kind: 'targetFreed' }]);
  });

  it('asks nothing of a run that goes on, or of one that had ended already', () => {
    expect(endingEffects(active, { ...active, state: 'rolling_back' }, T0)).toEqual([]);
    const ended: Run = { ...active, state: 'cancelled' };
    expect(endingEffects(ended, ended, T0)).toEqual([]);
  });
});
