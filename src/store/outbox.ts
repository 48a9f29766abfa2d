import { randomUUID } from 'node:crypto';
import { asc, inArray, isNull } from 'drizzle-orm';
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
  return { id: randomUUID(), runId, queue, payload, runAt, jobId };
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
