import { eq } from 'drizzle-orm';
import type { Db } from './db.ts';
import { teamsConversations } from './schema.ts';

export async function saveConversationReference(db: Db, conversationId: string, reference: Record<string, unknown>, at: Date): Promise<void> {
  await db
    .insert(teamsConversations)
    .values({ conversationId, reference, updatedAt: at })
    .onConflictDoUpdate({ target: teamsConversations.conversationId, set: { reference, updatedAt: at } });
}

export async function conversationReference(db: Db, conversationId: string): Promise<Record<string, unknown> | null> {
  const [row] = await db.select({ reference: teamsConversations.reference }).from(teamsConversations).where(eq(teamsConversations.conversationId, conversationId));
  return row?.reference ?? null;
}
