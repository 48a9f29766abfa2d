import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { rememberingChanges } from '../../../src/chat/teams/remembered.ts';
import type { Database } from '../../../src/store/db.ts';
import { teamsConversations } from '../../../src/store/schema.ts';
import { conversationReferences } from '../../../src/store/teams.ts';
import { ENGINES } from '../../support/databases.ts';

const reference = (serviceUrl: string) => ({ serviceUrl, channelId: 'msteams', conversation: { id: '19:deploys@thread.tacv2' }, bot: { id: '28:bot' } });
const at = (seconds: number) => new Date(Date.UTC(2026, 11, 2, 9, 0, seconds));

describe.each(ENGINES)('Teams references written on change (%s)', (_name, open) => {
  let database: Database;
  let close: () => Promise<void>;
  const updatedAt = async (conversationId: string) => {
    const [row] = await database.db
      .select({ updatedAt: teamsConversations.updatedAt })
      .from(teamsConversations)
      .where(eq(teamsConversations.conversationId, conversationId));
    return row ? row.updatedAt.toISOString() : null;
  };
  beforeAll(async () => {
    ({ database, close } = await open());
  });
  afterAll(async () => {
    await close();
  });

  it('writes a new reference, skips the same one within the minute, and writes it again after it or once it changed', async () => {
    const references = rememberingChanges(conversationReferences(database.db), 60_000);
    await references.save('19:a', reference('https://smba.example/emea/'), at(0));
    expect(await updatedAt('19:a')).toBe(at(0).toISOString());
    await references.save('19:a', reference('https://smba.example/emea/'), at(30));
    expect(await updatedAt('19:a')).toBe(at(0).toISOString());
    // Teams moved the conversation: the new serviceUrl is written at once.
    await references.save('19:a', reference('https://smba.example/amer/'), at(31));
    expect(await references.find('19:a')).toMatchObject({ serviceUrl: 'https://smba.example/amer/' });
    await references.save('19:a', reference('https://smba.example/amer/'), at(95));
    expect(await updatedAt('19:a')).toBe(at(95).toISOString());
    expect(await references.latest()).toMatchObject({ serviceUrl: 'https://smba.example/amer/' });
  });

  it('keeps each conversation apart', async () => {
    const references = rememberingChanges(conversationReferences(database.db), 60_000);
    await references.save('19:b', reference('https://smba.example/emea/'), at(0));
    await references.save('19:c', reference('https://smba.example/emea/'), at(1));
    expect([await updatedAt('19:b'), await updatedAt('19:c')]).toEqual([at(0).toISOString(), at(1).toISOString()]);
  });
});
