import { timeOrderedId } from './ids.ts';
import { asc, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { outbox } from './schema.ts';

export interface OutboxRow {
  id: string;
  runId: string;
  queue: string;
  payload: unknown;
  runAt: Date;
  /** The job this row becomes, when several rows may name the same one; null: the row id. */
  jobId: string | null;
}

export function outboxRow(runId: string, queue: string, payload: unknown, runAt: Date, jobId: string | null = null): OutboxRow {
  return { id: timeOrderedId(), runId, queue, payload, runAt, jobId };
}

/**
 * Outbox rows as one JSON parameter, for a statement that inserts them with `jsonb_to_recordset($n::jsonb) as
 * o(id uuid, run_id uuid, queue text, payload jsonb, run_at timestamptz, job_id text)` (a new run, a transition).
 */
export function outboxRecordset(rows: readonly OutboxRow[]): string {
  return JSON.stringify(
    rows.map((row) => ({ id: row.id, run_id: row.runId, queue: row.queue, payload: row.payload, run_at: row.runAt.toISOString(), job_id: row.jobId })),
  );
}

export async function insertOutbox(db: Db, rows: OutboxRow[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(outbox).values(rows.map((row) => ({ ...row, createdAt: now })));
}

/**
 * Hands pending rows to `deliver` and marks them relayed, in one transaction.
 * SKIP LOCKED lets several relays share the work on Postgres; delivery is idempotent
 * (a row's job id is fixed: the row id, or its step's one job), so a crash between deliver and mark repeats nothing.
 */
export async function relayPending(db: Db, limit: number, deliver: (rows: OutboxRow[]) => Promise<void>, now: () => Date): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: outbox.id, runId: outbox.runId, queue: outbox.queue, payload: outbox.payload, runAt: outbox.runAt, jobId: outbox.jobId })
      .from(outbox)
      .where(isNull(outbox.relayedAt))
      .orderBy(asc(outbox.createdAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    if (rows.length === 0) return 0;
    await deliver(rows);
    await tx
      .update(outbox)
      .set({ relayedAt: now() })
      .where(
        inArray(
          outbox.id,
          rows.map((row) => row.id),
        ),
      );
    return rows.length;
  });
}

/** How long a relayed row is kept (to look at); past it the row is only weight: its job is in Redis, and nothing reads it again. */
export const OUTBOX_RETENTION_MS = 60 * 60_000;
const PURGE_BATCH = 10_000;

/**
 * Deletes rows relayed before `cutoff`, found through the primary key: row ids are time-ordered (ids.ts), so
 * "made before the cutoff" is a range of it, and the outbox stays about an hour of rows instead of one per
 * check and transition ever made (a check a minute on 10,000 runs is 14 million a day). A row not relayed yet
 * stays, however old. In batches, so no statement holds many rows at once. Returns how many were deleted.
 */
export async function purgeRelayedOutbox(db: Db, cutoff: Date): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = (await db.execute(purgeBatchQuery(cutoff))) as unknown as { rows: { n: number }[] };
    const count = result.rows[0]!.n;
    deleted += count;
    if (count < PURGE_BATCH) return deleted;
  }
}

/** One batch of the purge, exported so a test can ask the database how it runs it. */
export function purgeBatchQuery(cutoff: Date) {
  // The smallest id made at the cutoff's millisecond: every id made before it is less.
  const hex = cutoff.getTime().toString(16).padStart(12, '0');
  const bound = `${hex.slice(0, 8)}-${hex.slice(8)}-0000-0000-000000000000`;
  return sql`with gone as (
      delete from outbox where id in (select id from outbox where id < ${bound}::uuid and relayed_at < ${cutoff} limit ${PURGE_BATCH}) returning 1
    ) select count(*)::int as n from gone`;
}
