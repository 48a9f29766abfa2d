import { WebClient } from '@slack/web-api';
import type { Card } from '../../domain/cards.ts';
import type { ChatPlatform, MessageRef } from '../../ports.ts';
import type { Reply } from '../../app/shared/replies.ts';
import { cardToBlocks, homeToSlack, markdownToMrkdwn, replyToSlack } from './render.ts';

export interface SlackChatOptions {
  /** Points the client at a proxy or a test stand-in; must end with a slash. */
  apiUrl?: string | undefined;
  /** Retries of a failed call (429s included); 0 in tests, or a failing call retries for minutes. */
  retries?: number;
}

/** ChatPlatform over Slack's Web API. */
export class SlackChat implements ChatPlatform {
  readonly platform = 'slack' as const;
  private readonly client: WebClient;

  constructor(token: string, options: SlackChatOptions = {}) {
    this.client = new WebClient(token, { ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}), retryConfig: { retries: options.retries ?? 10 } });
  }

  async postCard(channel: string, card: Card, thread?: MessageRef): Promise<MessageRef> {
    const result = await this.client.chat.postMessage({ channel, ...cardToBlocks(card), ...threadOf(thread) });
    return messageRef(result, channel);
  }

  async updateCard(ref: MessageRef, card: Card): Promise<void> {
    await this.client.chat.update({ channel: ref.channel, ts: ref.id, ...cardToBlocks(card) });
  }

  async postText(channel: string, text: string, thread?: MessageRef): Promise<MessageRef> {
    const result = await this.client.chat.postMessage({ channel, text: markdownToMrkdwn(text), mrkdwn: true, ...threadOf(thread) });
    return messageRef(result, channel);
  }

  /** A user id as the channel posts in the app's direct messages with them (its Messages tab); chat:write is enough. */
  async postDirect(personId: string, card: Card): Promise<MessageRef> {
    const result = await this.client.chat.postMessage({ channel: personId, ...cardToBlocks(card) });
    return messageRef(result, personId);
  }

  /** The user's App Home tab, replaced whole (views.publish needs no scope beyond the bot token). */
  async publishHome(personId: string, home: Card[]): Promise<void> {
    await this.client.views.publish({ user_id: personId, view: homeToSlack(home) });
  }

  /** A refusal or confirmation only the clicking user sees. */
  async postEphemeral(channel: string, user: string, reply: Reply): Promise<void> {
    await this.client.chat.postEphemeral({ channel, user, ...replyToSlack(reply) });
  }
}

function threadOf(thread: MessageRef | undefined): { thread_ts?: string } {
  return thread ? { thread_ts: thread.id } : {};
}

/** The message's ts is what later edits and thread replies need; a success without one is Slack's bug, not ours to paper over. */
function messageRef(result: { channel?: string; ts?: string }, channel: string): MessageRef {
  if (!result.ts) throw new Error(`chat.postMessage to ${channel} answered ok without a ts`);
  return { channel: result.channel ?? channel, id: result.ts };
}
