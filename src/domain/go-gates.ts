import { activeFreeze, frozenSummary, type FreezeWindow } from './freeze.ts';
import { isActive, lockedSummary, type Lock } from './lock.ts';

/**
 * Locks and freeze windows are checked when a run starts, but a run may wait hours for its Go/No-Go,
 * and a GO is what deploys. So a GO is judged again against the target's lock and the freezes in force
 * when it is given. The use case gathers these facts into the decision event (app/on-action.ts); the
 * event keeps them, so replaying the audit trail judges the GO exactly as it was judged.
 */
export interface GoGates {
  /** The run's target's lock as the store had it (held by anyone, a rollback's included); an expired one is just inactive. */
  lock: Lock | null;
  /** The freeze windows for the run's environment in the plan as it is now: freezes are not frozen into the spec, so a window added while the run waits still counts. */
  freezes: FreezeWindow[];
}

/**
 * What a GO given `now` would deploy into, one line each in the words a refused start uses; empty when
 * nothing stands in the way. An emergency run was let into the freeze it names: that freeze does not
 * stop its GO, but another freeze or a lock does.
 */
export function goBlockers(run: { emergency: { freeze?: string } | null }, gates: GoGates | undefined, now: Date): string[] {
  if (!gates) return [];
  const blockers: string[] = [];
  if (gates.lock && isActive(gates.lock, now)) blockers.push(`🔒 ${lockedSummary(gates.lock, now)}`);
  const frozen = activeFreeze(
    gates.freezes.filter((window) => window.name !== run.emergency?.freeze),
    now,
  );
  if (frozen) blockers.push(`${frozenSummary(frozen, now)}.`);
  return blockers;
}
