import { outcomeOf } from '../domain/dora.ts';
import { workDueAt } from '../domain/overdue.ts';
import type { Run, RunEvent } from '../domain/run-types.ts';
import { and, eq, sql, TransactionRollbackError } from 'drizzle-orm';
import { namedQuery, type Db } from './db.ts';
import { outboxRecordset, type OutboxRow } from './outbox.ts';
import { withoutSpec } from './run-specs.ts';
import { decisionRowOf } from './runs.ts';
import { runEvents, runs } from './schema.ts';

/**
 * A transition in one statement, so one round trip instead of a transaction's six: the run's row moves to
 * the new snapshot only if it is still at `fromSeq` (compare and set: a concurrent writer's update is waited
 * for and then fails the condition), and its event, its decision row (a GO that settled the run) and its
 * outbox rows are inserted from that update's row, so either all of it is written or none. It commits on
 * its own. The (run, seq) key of run_events still refuses a second writer of the same step; the outbox
 * trigger notifies the relay.
 */
const APPEND_IF_AT = `with moved as (
    update runs set state = $3, seq = $4, snapshot = $5::jsonb, outcome = $6::jsonb, work_due_at = $16::timestamptz, updated_at = $7::timestamptz
    where id = $1::uuid and seq = $2
    returning id
  ), event as (
    insert into run_events (run_id, seq, type, payload, at) select id, $4, $8, $9::jsonb, $7::timestamptz from moved
  ), decided as (
    insert into decisions (run_id, decision, by_platform, by_id, by_name, rationale, at)
    select id, $11, $12, $13, $14, $15, $7::timestamptz from moved where $11::text is not null
  ), queued as (
    insert into outbox (id, run_id, queue, payload, run_at, created_at, job_id)
    select o.id, o.run_id, o.queue, o.payload, o.run_at, $7::timestamptz, o.job_id
    from moved, jsonb_to_recordset($10::jsonb) as o(id uuid, run_id uuid, queue text, payload jsonb, run_at timestamptz, job_id text)
  )
  select count(*)::int as moved from moved`;

/**
 * Saves `run` (the transition of the run at `fromSeq` by `event`) with its outbox rows, unless the run moved
 * past `fromSeq` meanwhile: then nothing is written and the answer is false (decide again from the run as it is).
 */
export async function appendEventIfAt(db: Db, fromSeq: number, run: Run, event: RunEvent, outbox: readonly OutboxRow[], at: Date): Promise<boolean> {
  const outcome = outcomeOf(run);
  const decided = decisionRowOf(run, event);
  const rows = await namedQuery(db)<{ moved: number }>('append-event-if-at', APPEND_IF_AT, [
    run.id,
    fromSeq,
    run.state,
    run.seq,
    JSON.stringify(withoutSpec(run)),
    outcome ? JSON.stringify(outcome) : null,
    at.toISOString(),
    event.type,
    JSON.stringify(event),
    outboxRecordset(outbox),
    decided?.decision ?? null,
    decided?.byPlatform ?? null,
    decided?.byId ?? null,
    decided?.byName ?? null,
    decided?.rationale ?? null,
    workDueAt(run),
  ]);
  return rows[0]!.moved === 1;
}

/**
 * After a connection was lost under appendEventIfAt: whether that write of `event` as the run's event `seq`
 * at `at` was saved. The write may still be in flight on a session whose client is gone; it holds the run's
 * row lock until it ends, so the row is locked first (waiting for it; lock timeout 1.5 s), then the event is
 * looked for, payload and all. Rolled back, so it leaves nothing. Throws when the database cannot be asked
 * or the wait passes its lock timeout.
 */
export async function wasEventSaved(db: Db, runId: string, seq: number, event: RunEvent, at: Date): Promise<boolean> {
  let found = false;
  await db
    .transaction(async (tx) => {
      await tx.execute(sql`set local lock_timeout = '1500ms'`);
      await tx.select({ id: runs.id }).from(runs).where(eq(runs.id, runId)).for('update');
      const rows = await tx
        .select({ seq: runEvents.seq })
        .from(runEvents)
        .where(and(eq(runEvents.runId, runId), eq(runEvents.seq, seq), eq(runEvents.at, at), sql`${runEvents.payload} = ${JSON.stringify(event)}::jsonb`));
      found = rows.length === 1;
      tx.rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof TransactionRollbackError)) throw error;
    });
  return found;
}
