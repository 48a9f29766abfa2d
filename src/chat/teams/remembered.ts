import type { ConversationReferences } from '../../ports.ts';

/** How long an unchanged reference is not written again: `latest()` (where a direct message is opened from) is that far behind at most. */
const REFRESH_MS = 60_000;
/** Conversations remembered per process before the memory starts over (each then costs one write again). */
const MAX_REMEMBERED = 10_000;

/**
 * The ConversationReferences port as the Teams bot uses it on every activity: a reference is written only
 * when it changed, or when this process last wrote it more than a minute ago. Every activity carries its
 * conversation's reference (Teams may move a serviceUrl: a changed one is written at once), but writing it
 * for every message put an upsert on the ack path, on one row per channel, which concurrent messages of a
 * channel wait for one after another (`npm run bench -- teams`).
 */
export function rememberingChanges(references: ConversationReferences, refreshMs = REFRESH_MS): ConversationReferences {
  const written = new Map<string, { json: string; at: number }>();
  return {
    find: (conversationId) => references.find(conversationId),
    latest: () => references.latest(),
    async save(conversationId, reference, at) {
      const json = JSON.stringify(reference);
      const last = written.get(conversationId);
      if (last && last.json === json && at.getTime() - last.at < refreshMs) return;
      await references.save(conversationId, reference, at);
      if (written.size >= MAX_REMEMBERED) written.clear();
      written.set(conversationId, { json, at: at.getTime() });
    },
  };
}
