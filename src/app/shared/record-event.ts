import type { Run, RunEvent, TransitionResult } from '../../domain/run.ts';
import { transition } from '../../domain/run.ts';
import { appendEventIfAt, wasEventSaved } from '../../store/append-event.ts';
import { isConnectionLost } from '../../store/errors.ts';
import { appendEvent, lockRun, lockRunSeen } from '../../store/runs.ts';
import { outboxOnly, outboxRowsFor, persistEffects } from '../apply-effects.ts';
import type { AppContext } from './context.ts';
import { metricsOf, observeTransition } from './run-metrics.ts';

/**
 * The one write path for an existing run: ask the domain, then save the event, the new snapshot and its
 * effects (outbox rows; a page it opens, a lock it takes) at once. A refused event writes nothing. What
 * follows a run's end (its queued starts' turn) is one of those effects, so a crash after the commit loses
 * nothing.
 *
 * Given the run as its caller read it (not its id), the common transition (outbox rows only, and its
 * decision row) is decided from that run and written in one statement that succeeds only if the run is
 * still at that seq (store/append-event.ts): one round trip, no snapshot read again. When the run moved meanwhile,
 * the domain refused (the refusal may be the stale read's), or the effects write more, it is decided again
 * the long way: the row locked (reading only its seq, and the snapshot only if it moved: lockRunSeen), the
 * domain asked, everything written in one transaction. A connection lost under the one statement, or under
 * the transaction once the domain decided (its COMMIT included), is resolved by looking for its event
 * (store/append-event.ts wasEventSaved): a click is then told what happened.
 */
export async function recordEvent(ctx: AppContext, runOrId: Run | string, event: RunEvent): Promise<TransitionResult> {
  const now = ctx.clock.now();
  const seen = typeof runOrId === 'string' ? null : runOrId;
  const quick = seen ? transition(seen, event, now) : null;
  if (seen && quick?.ok && outboxOnly(quick.effects)) {
    const written = await appendEventIfAt(ctx.db, seen.seq, quick.run, event, outboxRowsFor(quick.run, quick.effects, now), now).catch(
      async (error: unknown) => {
        // Lost under the write: it may have committed (Postgres ends a session after the commit it is in). Look, once
        // it can no longer be in flight: saved → it was recorded; not saved → decide again the long way; cannot ask → the caller cannot tell either.
        if (!isConnectionLost(error)) throw error;
        ctx.log.warn({ err: error, run: seen.key, event: event.type }, 'the connection was lost under a transition; looking for its event');
        const saved = await wasEventSaved(ctx.db, seen.id, quick.run.seq, event, now).catch(() => null);
        if (saved === null) throw error;
        return saved;
      },
    );
    if (written) return recorded(ctx, seen, quick, event);
  }
  let before: Run | null = null;
  let decided: (TransitionResult & { ok: true }) | null = null;
  const decideLocked = () =>
    ctx.db.transaction(async (tx) => {
      const run = seen ? await lockRunSeen(tx, seen) : await lockRun(tx, runOrId as string);
      before = run;
      const outcome = transition(run, event, now);
      if (!outcome.ok) return outcome;
      decided = outcome;
      await appendEvent(tx, outcome.run, event, now);
      await persistEffects(tx, outcome.run, outcome.effects, now);
      return outcome;
    });
  const result = await decideLocked().catch(async (error: unknown) => {
    // Lost once the domain had decided (under a write or its COMMIT): saved → recorded; not saved → nothing of it was
    // written, decided once more; cannot ask → the caller cannot tell. Lost before it decided, nothing was written either way.
    const lost = decided as (TransitionResult & { ok: true }) | null;
    if (!lost || !isConnectionLost(error)) throw error;
    ctx.log.warn({ err: error, run: lost.run.key, event: event.type }, 'the connection was lost under a transition; looking for its event');
    const saved = await wasEventSaved(ctx.db, lost.run.id, lost.run.seq, event, now).catch(() => null);
    if (saved === null) throw error;
    return saved ? lost : decideLocked();
  });
  return result.ok ? recorded(ctx, before, result, event) : result;
}

function recorded(ctx: AppContext, before: Run | null, result: TransitionResult & { ok: true }, event: RunEvent): TransitionResult {
  ctx.kickRelay();
  observeTransition(metricsOf(ctx), before, result.run, result.effects);
  ctx.log.info({ run: result.run.key, event: event.type, state: result.run.state }, 'run event');
  return result;
}
