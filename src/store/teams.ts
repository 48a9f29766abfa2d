import { desc, eq } from 'drizzle-orm';
import type { ConversationReferences } from '../ports.ts';
import type { Db } from './db.ts';
import { teamsConversations } from './schema.ts';

export async function saveConversationReference(db: Db, conversationId: string, reference: Record<string, unknown>, at: Date): Promise<void> {
  await db
    .insert(teamsConversations)
    .values({ conversationId, reference, updatedAt: at })
    .onConflictDoUpdate({ target: teamsConversations.conversationId, set: { reference, updatedAt: at } });
}

export async function conversationReference(db: Db, conversationId: string): Promise<Record<string, unknown> | null> {
  const [row] = await db
    .select({ reference: teamsConversations.reference })
    .from(teamsConversations)
    .where(eq(teamsConversations.conversationId, conversationId));
  return row?.reference ?? null;
}

/** The reference Flightdeck heard from last: where a new conversation (a direct message) can be opened from (its serviceUrl, tenant and bot). */
export async function latestConversationReference(db: Db): Promise<Record<string, unknown> | null> {
  const [row] = await db.select({ reference: teamsConversations.reference }).from(teamsConversations).orderBy(desc(teamsConversations.updatedAt)).limit(1);
  return row?.reference ?? null;
}

/** The ConversationReferences port the Teams adapter uses, on this database. */
export function conversationReferences(db: Db): ConversationReferences {
  return {
    save: (conversationId, reference, at) => saveConversationReference(db, conversationId, reference, at),
    find: (conversationId) => conversationReference(db, conversationId),
    latest: () => latestConversationReference(db),
  };
}
