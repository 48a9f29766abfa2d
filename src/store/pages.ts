import { and, asc, eq, isNotNull, isNull, lt } from 'drizzle-orm';
import type { Page } from '../domain/page.ts';
import type { Db } from './db.ts';
import { pageMessages, pages } from './schema.ts';

/** Queries about pages. Each takes the database (or a transaction) first. */

type PageRow = typeof pages.$inferSelect;

function pageOf(row: PageRow): Page {
  return {
    id: row.id,
    runId: row.runId,
    reason: row.reason,
    openedAt: row.openedAt.toISOString(),
    acknowledged: row.acknowledgedBy && row.acknowledgedAt ? { by: row.acknowledgedBy, at: row.acknowledgedAt.toISOString() } : null,
    remindersSent: row.remindersSent,
    nextReminderAt: row.nextReminderAt?.toISOString() ?? null,
    escalatedAt: row.escalatedAt?.toISOString() ?? null,
  };
}

function changes(page: Page) {
  return {
    acknowledgedBy: page.acknowledged?.by ?? null,
    acknowledgedAt: page.acknowledged ? new Date(page.acknowledged.at) : null,
    remindersSent: page.remindersSent,
    nextReminderAt: page.nextReminderAt ? new Date(page.nextReminderAt) : null,
    escalatedAt: page.escalatedAt ? new Date(page.escalatedAt) : null,
  };
}

export async function insertPage(db: Db, page: Page): Promise<void> {
  await db.insert(pages).values({ id: page.id, runId: page.runId, reason: page.reason, openedAt: new Date(page.openedAt), ...changes(page) });
}

export async function updatePage(db: Db, page: Page): Promise<void> {
  await db.update(pages).set(changes(page)).where(eq(pages.id, page.id));
}

/** Loads a page and holds its row until the transaction ends: a reminder and an acknowledgement never interleave. */
export async function lockPage(db: Db, id: string): Promise<Page | null> {
  const [row] = await db.select().from(pages).where(eq(pages.id, id)).for('update');
  return row ? pageOf(row) : null;
}

export async function findPage(db: Db, id: string): Promise<Page | null> {
  const [row] = await db.select().from(pages).where(eq(pages.id, id));
  return row ? pageOf(row) : null;
}

export async function pagesOfRun(db: Db, runId: string): Promise<Page[]> {
  const rows = await db.select().from(pages).where(eq(pages.runId, runId)).orderBy(asc(pages.openedAt));
  return rows.map(pageOf);
}

/** Open pages whose next reminder was due before `before`. */
export async function pagesDueBefore(db: Db, before: Date): Promise<Page[]> {
  const rows = await db
    .select()
    .from(pages)
    .where(and(isNotNull(pages.nextReminderAt), lt(pages.nextReminderAt, before)))
    .orderBy(asc(pages.nextReminderAt));
  return rows.map(pageOf);
}

/** Every page nobody has acknowledged, oldest first: those still repeating and those that stopped after a day. */
export async function unacknowledgedPages(db: Db): Promise<Page[]> {
  const rows = await db.select().from(pages).where(isNull(pages.acknowledgedAt)).orderBy(asc(pages.openedAt));
  return rows.map(pageOf);
}

export async function savePageMessage(db: Db, pageId: string, platform: string, channel: string, messageId: string): Promise<void> {
  await db.insert(pageMessages).values({ pageId, platform, channel, messageId }).onConflictDoNothing();
}

export async function pageMessagesOf(db: Db, pageId: string): Promise<{ platform: string; channel: string; messageId: string }[]> {
  return db
    .select({ platform: pageMessages.platform, channel: pageMessages.channel, messageId: pageMessages.messageId })
    .from(pageMessages)
    .where(eq(pageMessages.pageId, pageId));
}
