import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, isNull, lte, or } from 'drizzle-orm';
import type { Actor } from '../domain/identity.ts';
import type { Lock, Target } from '../domain/lock.ts';
import type { Db } from './db.ts';
import { lockEvents, locks, queuedStarts } from './schema.ts';

/** Queries about locks, their audit trail and the starts queued behind them. Each takes the database (or a transaction) first. */

type LockRow = typeof locks.$inferSelect;

function lockOf(row: LockRow): Lock {
  return {
    service: row.service,
    environment: row.environment,
    by: row.by,
    reason: row.reason,
    since: row.since.toISOString(),
    until: row.until?.toISOString() ?? null,
    kind: row.kind,
    runKey: row.runKey,
  };
}

function rowOf(lock: Lock): LockRow {
  return { ...lock, since: new Date(lock.since), until: lock.until ? new Date(lock.until) : null };
}

const at = (target: Target) => and(eq(locks.service, target.service), eq(locks.environment, target.environment));
const activeAt = (now: Date) => or(isNull(locks.until), gt(locks.until, now));

/** The target's lock row, expired or not, held until the transaction ends: lock, unlock and the sweeper take turns on it. */
export async function lockRowFor(db: Db, target: Target): Promise<Lock | null> {
  const [row] = await db.select().from(locks).where(at(target)).for('update');
  return row ? lockOf(row) : null;
}

/** Inserts the lock unless the target has a row already (maybe one committed a moment ago): true when this one is in. */
export async function insertLockIfAbsent(db: Db, lock: Lock): Promise<boolean> {
  const inserted = await db.insert(locks).values(rowOf(lock)).onConflictDoNothing().returning({ service: locks.service });
  return inserted.length === 1;
}

/** Replaces the target's lock; call it holding the row (lockRowFor). */
export async function replaceLock(db: Db, lock: Lock): Promise<void> {
  await db.update(locks).set(rowOf(lock)).where(at(lock));
}

export async function deleteLock(db: Db, target: Target): Promise<void> {
  await db.delete(locks).where(at(target));
}

export async function activeLockFor(db: Db, target: Target, now: Date): Promise<Lock | null> {
  const [row] = await db
    .select()
    .from(locks)
    .where(and(at(target), activeAt(now)));
  return row ? lockOf(row) : null;
}

export async function activeLocks(db: Db, now: Date): Promise<Lock[]> {
  const rows = await db.select().from(locks).where(activeAt(now)).orderBy(asc(locks.service), asc(locks.environment));
  return rows.map(lockOf);
}

/** Deletes the locks that expired by `now` and returns them; a lock renewed meanwhile (row lock) is re-checked and kept. */
export async function deleteExpiredLocks(db: Db, now: Date): Promise<Lock[]> {
  const rows = await db.delete(locks).where(lte(locks.until, now)).returning();
  return rows.map(lockOf);
}

export type LockAction =
  | 'locked'
  | 'renewed'
  | 'taken_over'
  | 'unlocked'
  | 'expired'
  | 'lock_refused'
  | 'unlock_refused'
  | 'start_refused'
  | 'queued'
  | 'queued_started'
  | 'queued_dropped';

export interface LockEvent {
  target: Target;
  action: LockAction;
  by: Actor | null;
  reason?: string | null;
  detail?: string | null;
  lock?: Lock | null;
}

/** Appends to the audit trail; returns the event's id (a notice about it carries the same id). */
export async function recordLockEvent(db: Db, event: LockEvent, now: Date): Promise<string> {
  const id = randomUUID();
  await db.insert(lockEvents).values({
    id,
    service: event.target.service,
    environment: event.target.environment,
    action: event.action,
    by: event.by,
    reason: event.reason ?? null,
    detail: event.detail ?? null,
    lock: event.lock ?? null,
    at: now,
  });
  return id;
}

export async function lockEventsFor(
  db: Db,
  target: Target,
): Promise<{ action: LockAction; by: Actor | null; reason: string | null; detail: string | null; at: Date }[]> {
  const rows = await db
    .select({ action: lockEvents.action, by: lockEvents.by, reason: lockEvents.reason, detail: lockEvents.detail, at: lockEvents.at })
    .from(lockEvents)
    .where(and(eq(lockEvents.service, target.service), eq(lockEvents.environment, target.environment)))
    .orderBy(asc(lockEvents.at));
  return rows.map((row) => ({ ...row, action: row.action as LockAction }));
}

export interface QueuedStart {
  id: string;
  service: string;
  environment: string;
  version: string;
  /** The start command without --queue, e.g. "start demo 1.2.0 production". */
  command: string;
  requestedBy: Actor;
  queuedAt: string;
}

/** Queues a start; a retried request (same key) finds the start it queued first (`created` false). */
export async function queueStart(
  db: Db,
  start: Omit<QueuedStart, 'id' | 'queuedAt'>,
  requestKey: string | null,
  now: Date,
): Promise<{ start: QueuedStart; created: boolean }> {
  const id = randomUUID();
  const [row] = await db
    .insert(queuedStarts)
    .values({ id, ...start, requestKey, queuedAt: now })
    .onConflictDoNothing()
    .returning();
  if (row) return { start: queuedOf(row), created: true };
  const [earlier] = await db.select().from(queuedStarts).where(eq(queuedStarts.requestKey, requestKey!));
  return { start: queuedOf(earlier!), created: false };
}

function queuedOf(row: typeof queuedStarts.$inferSelect): QueuedStart {
  return {
    id: row.id,
    service: row.service,
    environment: row.environment,
    version: row.version,
    command: row.command,
    requestedBy: row.requestedBy,
    queuedAt: row.queuedAt.toISOString(),
  };
}

export async function queuedStartsFor(db: Db, target: Target): Promise<QueuedStart[]> {
  const rows = await db
    .select()
    .from(queuedStarts)
    .where(and(eq(queuedStarts.service, target.service), eq(queuedStarts.environment, target.environment)))
    .orderBy(asc(queuedStarts.queuedAt), asc(queuedStarts.id));
  return rows.map(queuedOf);
}

/** The targets some start waits for. */
export async function queuedTargets(db: Db): Promise<Target[]> {
  return db.selectDistinct({ service: queuedStarts.service, environment: queuedStarts.environment }).from(queuedStarts);
}

/** Removes a queued start; true for the one caller that removed it, so it is announced once. */
export async function dequeueStart(db: Db, id: string): Promise<boolean> {
  const removed = await db.delete(queuedStarts).where(eq(queuedStarts.id, id)).returning({ id: queuedStarts.id });
  return removed.length === 1;
}
