import type { Run, RunEvent, TransitionResult } from '../../domain/run.ts';
import { transition } from '../../domain/run.ts';
import { appendEvent, lockRun, lockRunSeen } from '../../store/runs.ts';
import { persistEffects } from '../apply-effects.ts';
import type { AppContext } from './context.ts';
import { metricsOf, observeTransition } from './run-metrics.ts';

/**
 * The one write path for an existing run: lock it, ask the domain, then save the event, the new
 * snapshot and its effects (outbox rows; a lock it takes) in one transaction. A refused event writes
 * nothing. What follows a run's end (its queued starts' turn) is one of those effects, so a crash
 * after the commit loses nothing. Given the run as the caller read it (not its id), the lock reads only
 * its seq and keeps that run when nothing moved it since (store/runs.ts lockRunSeen): a check, a step
 * or a click then reads its run's snapshot once, not twice.
 */
export async function recordEvent(ctx: AppContext, runOrId: Run | string, event: RunEvent): Promise<TransitionResult> {
  const now = ctx.clock.now();
  let before: Run | null = null;
  const result = await ctx.db.transaction(async (tx) => {
    const run = typeof runOrId === 'string' ? await lockRun(tx, runOrId) : await lockRunSeen(tx, runOrId);
    before = run;
    const outcome = transition(run, event, now);
    if (!outcome.ok) return outcome;
    await appendEvent(tx, outcome.run, event, now);
    await persistEffects(tx, outcome.run, outcome.effects, now);
    return outcome;
  });
  if (result.ok) {
    ctx.kickRelay();
    observeTransition(metricsOf(ctx), before, result.run, result.effects);
    ctx.log.info({ run: result.run.key, event: event.type, state: result.run.state }, 'run event');
  }
  return result;
}
