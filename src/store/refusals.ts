import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import type { Actor } from '../domain/identity.ts';
import type { Db } from './db.ts';
import { refusals } from './schema.ts';

export interface Refusal {
  by: Actor;
  action: string;
  target: string;
  runId: string | null;
  reason: string;
}

/** Records a refused request in the audit trail. Nothing else is written for it. */
export async function recordRefusal(db: Db, refusal: Refusal, at: Date): Promise<void> {
  await db.insert(refusals).values({ id: randomUUID(), at, ...refusal });
}

export async function refusalsOf(db: Db, target: string): Promise<(Refusal & { at: Date })[]> {
  return db
    .select({ by: refusals.by, action: refusals.action, target: refusals.target, runId: refusals.runId, reason: refusals.reason, at: refusals.at })
    .from(refusals)
    .where(eq(refusals.target, target))
    .orderBy(asc(refusals.at));
}
