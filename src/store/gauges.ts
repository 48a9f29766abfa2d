import { count, isNull, min, notInArray } from 'drizzle-orm';
import { TERMINAL_STATES } from '../domain/run-types.ts';
import type { Db } from './db.ts';
import { outbox, runs } from './schema.ts';

/**
 * What /metrics reads at scrape time. Both queries stay on partial indexes (active runs: one_active_run_per_target;
 * pending rows: outbox_pending), so a scrape every few seconds costs next to nothing however long the history.
 */
export async function activeRunsByState(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .select({ state: runs.state, n: count() })
    .from(runs)
    .where(notInArray(runs.state, [...TERMINAL_STATES]))
    .groupBy(runs.state);
  return Object.fromEntries(rows.map((row) => [row.state, Number(row.n)]));
}

/** Seconds since the oldest row the relay has not handed to the queues was written; 0 when it is caught up. */
export async function oldestPendingOutboxAgeSeconds(db: Db, now: Date): Promise<number> {
  const [row] = await db
    .select({ oldest: min(outbox.createdAt) })
    .from(outbox)
    .where(isNull(outbox.relayedAt));
  const oldest = row?.oldest ? new Date(row.oldest) : null;
  return oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1_000) : 0;
}
