import type { Card } from '../../domain/cards.ts';

/** What a use case answers the person who asked: shown only to them where the platform can. */
export type Reply = { kind: 'text'; text: string } | { kind: 'card'; card: Card };

export function text(text: string): Reply {
  return { kind: 'text', text };
}
