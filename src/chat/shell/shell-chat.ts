import type { Card } from '../../domain/cards.ts';
import type { ChatPlatform, MessageRef } from '../../ports.ts';
import { cardToText } from './render.ts';

/** The terminal chat of the embedded demo, like Hubot's shell adapter: every message is printed. */
export class ShellChat implements ChatPlatform {
  readonly platform = 'shell' as const;
  private next = 1;

  constructor(private readonly write: (text: string) => void) {}

  async postCard(channel: string, card: Card, thread?: MessageRef): Promise<MessageRef> {
    const ref = { channel, id: `m${this.next++}` };
    this.write(`\n${channel}${thread ? ` (thread ${thread.id})` : ''} · message ${ref.id}\n${cardToText(card)}\n`);
    return ref;
  }

  async updateCard(ref: MessageRef, card: Card): Promise<void> {
    this.write(`\n${ref.channel} · message ${ref.id} edited\n${cardToText(card)}\n`);
  }

  async postDirect(personId: string, card: Card): Promise<MessageRef> {
    return this.postCard(`direct message to @${personId}`, card);
  }

  async postText(channel: string, text: string, thread?: MessageRef): Promise<MessageRef> {
    const ref = { channel, id: `m${this.next++}` };
    const indented = text
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n');
    this.write(`${channel}${thread ? ` ↳ ${thread.id}` : ''}: ${indented.trimStart()}\n`);
    return ref;
  }
}
