import { inArray, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { slackHomeUsers } from './schema.ts';

/** Who has opened Flightdeck's Slack App Home: only their homes are republished when a run moves. */

export async function rememberHomeUser(db: Db, userId: string, at: Date): Promise<void> {
  await db
    .insert(slackHomeUsers)
    .values({ userId, firstOpenedAt: at, lastOpenedAt: at })
    .onConflictDoUpdate({ target: slackHomeUsers.userId, set: { lastOpenedAt: sql`excluded.last_opened_at` } });
}

/** Of these Slack user ids, the ones who have opened the home. */
export async function homeUsersAmong(db: Db, userIds: readonly string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await db
    .select({ userId: slackHomeUsers.userId })
    .from(slackHomeUsers)
    .where(inArray(slackHomeUsers.userId, [...userIds]));
  return rows.map((row) => row.userId);
}
