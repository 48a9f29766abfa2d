import { DEPLOY_ENDINGS } from './dora.ts';
import type { Effect } from './effects.ts';
import { afterRollbackLock } from './lock.ts';
import { isTerminal, type Run } from './run-types.ts';

/**
 * What every ending of a run asks for, whatever ended it (a step, a check, a decision, a timer, a
 * cancel): `transition` adds these when a run goes from active to ended. The run frees its target, so
 * the starts queued behind it get their turn; but a run that ended in a rollback locks its target
 * instead when its plan says `lockAfterRollback`, until someone unlocks it with a reason (and the
 * unlock gives the queued starts their turn). A run that changed production (it succeeded or rolled
 * back: what DORA counts as a deploy) schedules its post-deployment review when its plan asks for one.
 */
export function endingEffects(before: Run | null, after: Run, now: Date): Effect[] {
  if (!before || isTerminal(before.state) || !isTerminal(after.state)) return [];
  return [...targetEffects(after, now), ...reviewEffects(after, now)];
}

/** The review reminder, `review.after` from the ending: not a transition (the run has ended), a delayed job of its own. */
function reviewEffects(after: Run, now: Date): Effect[] {
  if (!after.spec.review || !DEPLOY_ENDINGS.includes(after.state)) return [];
  return [{ kind: 'scheduleReview', at: new Date(now.getTime() + after.spec.review.afterMs).toISOString() }];
}

function targetEffects(after: Run, now: Date): Effect[] {
  if (after.spec.lockAfterRollback && (after.state === 'rolled_back' || after.state === 'rollback_failed')) {
    const unlock = `/deploy unlock ${after.service} ${after.environment} <reason>`;
    return [
      { kind: 'lockTarget', lock: afterRollbackLock(after, now) },
      {
        kind: 'postLog',
        text: `🔒 ${after.service} ${after.environment} is locked until someone unlocks it with a reason (on-call, approvers or admins): ${unlock}`,
      },
    ];
  }
  return [{ kind: 'targetFreed' }];
}
