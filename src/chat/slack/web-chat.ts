import { WebClient } from '@slack/web-api';
import type { Card } from '../../domain/cards.ts';
import type { ChatPlatform, MessageRef } from '../../ports.ts';
import type { Reply } from '../../app/replies.ts';
import { cardToBlocks, cut, LIMITS, replyToSlack } from './render.ts';

/** ChatPlatform over Slack's Web API. `apiUrl` points it at a proxy or a test stand-in. */
export class SlackChat implements ChatPlatform {
  readonly platform = 'slack' as const;
  private readonly client: WebClient;

  constructor(token: string, options: { apiUrl?: string | undefined; retries?: number } = {}) {
    this.client = new WebClient(token, { ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}), retryConfig: { retries: options.retries ?? 10 } });
  }

  async postCard(channel: string, card: Card, thread?: MessageRef): Promise<MessageRef> {
    const result = await this.client.chat.postMessage({ channel, ...cardToBlocks(card), ...(thread ? { thread_ts: thread.id } : {}) });
    return { channel: result.channel ?? channel, id: result.ts! };
  }

  async updateCard(ref: MessageRef, card: Card): Promise<void> {
    await this.client.chat.update({ channel: ref.channel, ts: ref.id, ...cardToBlocks(card) });
  }

  async postText(channel: string, text: string, thread?: MessageRef): Promise<MessageRef> {
    const result = await this.client.chat.postMessage({ channel, text: cut(text, 39_000), mrkdwn: true, ...(thread ? { thread_ts: thread.id } : {}) });
    return { channel: result.channel ?? channel, id: result.ts! };
  }

  /** A refusal or confirmation only the clicking user sees. */
  async postEphemeral(channel: string, user: string, reply: Reply): Promise<void> {
    await this.client.chat.postEphemeral({ channel, user, ...replyToSlack(reply), text: cut(replyToSlack(reply).text, LIMITS.fallback) });
  }
}
