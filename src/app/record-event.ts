import type { RunEvent, TransitionResult } from '../domain/run.ts';
import { isTerminal, transition } from '../domain/run.ts';
import { appendEvent, lockRun } from '../store/runs.ts';
import { persistEffects } from './apply-effects.ts';
import type { AppContext } from './context.ts';
import { lockAfterRollback } from './on-lock.ts';
import { startQueued } from './queued-starts.ts';

/**
 * The one write path for an existing run: lock it, ask the domain, then save the event,
 * the new snapshot and the outbox rows for its effects in one transaction. A refused
 * event writes nothing.
 */
export async function recordEvent(ctx: AppContext, runId: string, event: RunEvent): Promise<TransitionResult> {
  const now = ctx.clock.now();
  let ended = false;
  const result = await ctx.db.transaction(async (tx) => {
    const run = await lockRun(tx, runId);
    const outcome = transition(run, event, now);
    if (!outcome.ok) return outcome;
    await appendEvent(tx, outcome.run, event, now);
    await persistEffects(tx, outcome.run, outcome.effects, now);
    // Detected here rather than as a domain effect: a run that just ended in a rollback may lock its target (plan option), in this transaction.
    ended = run !== null && !isTerminal(run.state) && isTerminal(outcome.run.state);
    if (ended) await lockAfterRollback(tx, outcome.run, now);
    return outcome;
  });
  if (result.ok) {
    ctx.kickRelay();
    ctx.log.info({ run: result.run.key, event: event.type, state: result.run.state }, 'run event');
    // The target is free again (unless that rollback locked it): a start queued behind this run may go now; the sweeper would later.
    if (ended) await startQueued(ctx, result.run).catch((error: unknown) => ctx.log.error({ err: error, run: result.run.key }, 'queued starts not tried; the sweeper will'));
  }
  return result;
}
