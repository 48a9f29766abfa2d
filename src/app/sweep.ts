import { overdueWork } from '../domain/overdue.ts';
import { activeRuns, lockRun } from '../store/runs.ts';
import { persistEffects } from './apply-effects.ts';
import type { AppContext } from './context.ts';

/**
 * Worker, every so often: re-enqueue the work of active runs that is overdue by more than `graceMs`
 * (see domain/overdue.ts). Returns how many jobs it re-enqueued.
 */
export async function sweepOverdue(ctx: AppContext, graceMs: number): Promise<number> {
  let enqueued = 0;
  for (const candidate of await activeRuns(ctx.db)) {
    if (overdueWork(candidate, ctx.clock.now(), graceMs).length === 0) continue;
    enqueued += await ctx.db.transaction(async (tx) => {
      const run = await lockRun(tx, candidate.id);
      if (!run) return 0;
      const now = ctx.clock.now();
      const effects = overdueWork(run, now, graceMs);
      await persistEffects(tx, run, effects, now);
      if (effects.length) ctx.log.warn({ run: run.key, effects }, 'overdue work re-enqueued (were queue jobs lost?)');
      return effects.length;
    });
  }
  if (enqueued) ctx.kickRelay();
  return enqueued;
}
