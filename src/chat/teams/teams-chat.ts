import { TurnContext, type Activity, type CloudAdapter, type ConversationParameters, type ConversationReference } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import type { Card } from '../../domain/cards.ts';
import type { ChatPlatform, ConversationReferences, MessageRef } from '../../ports.ts';
import { cardAttachment } from './render.ts';

/**
 * ChatPlatform over the Bot Framework connector, proactively: the worker posts to a channel using
 * the conversation reference the bot stored when it was installed there (possibly in another process).
 */
export class TeamsChat implements ChatPlatform {
  readonly platform = 'teams' as const;

  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
    private readonly references: ConversationReferences,
  ) {}

  async postCard(channel: string, card: Card, thread?: MessageRef): Promise<MessageRef> {
    const id = await this.inConversation(channel, thread, (turn, conversationId) =>
      post(turn, conversationId, { type: 'message', attachments: [cardAttachment(card)] }),
    );
    return { channel, id };
  }

  async updateCard(ref: MessageRef, card: Card): Promise<void> {
    await this.inConversation(
      ref.channel,
      undefined,
      async (turn) => void (await turn.updateActivity({ id: ref.id, type: 'message', attachments: [cardAttachment(card)] })),
    );
  }

  async postText(channel: string, text: string, thread?: MessageRef): Promise<MessageRef> {
    const id = await this.inConversation(channel, thread, (turn, conversationId) =>
      post(turn, conversationId, { type: 'message', text, textFormat: 'markdown' }),
    );
    return { channel, id };
  }

  /**
   * Opens (or finds: Teams answers the same id again) the 1:1 chat with a person by AAD object id, from a
   * conversation the bot already knows (its serviceUrl, tenant and bot account), and posts there. The chat's
   * reference is stored like any other, so the message can be edited later.
   */
  async postDirect(personId: string, card: Card): Promise<MessageRef> {
    const stored = (await this.references.latest()) as Partial<ConversationReference> | null;
    const tenantId = stored?.conversation?.tenantId;
    if (!stored?.serviceUrl || !stored.bot || !tenantId) {
      throw new Error('Flightdeck cannot open a Teams chat yet: add the app to a team or chat first (it learns the tenant and service URL there).');
    }
    const { activityId: _replyTo, ...fresh } = stored;
    let ref!: MessageRef;
    await this.adapter.continueConversationAsync(this.appId, fresh, async (turn) => {
      const client = turn.turnState.get<ConnectorClient>(turn.adapter.ConnectorClientKey);
      const parameters = {
        isGroup: false,
        bot: stored.bot,
        members: [{ id: personId }],
        tenantId,
        channelData: { tenant: { id: tenantId } },
      } as ConversationParameters;
      const created = await client.conversations.createConversation(parameters);
      const conversation = { id: created.id, conversationType: 'personal', isGroup: false, tenantId, name: '' };
      await this.references.save(created.id, { ...fresh, conversation, user: { id: personId, name: '' } }, new Date());
      const activity = {
        type: 'message',
        attachments: [cardAttachment(card)],
        from: stored.bot,
        recipient: { id: personId, name: '' },
        conversation,
        channelId: stored.channelId,
        serviceUrl: stored.serviceUrl,
      } as Activity;
      const response = await client.conversations.sendToConversation(created.id, activity);
      ref = { channel: created.id, id: response.id ?? '' };
    });
    return ref;
  }

  private async inConversation<T>(
    channel: string,
    thread: MessageRef | undefined,
    logic: (turn: TurnContext, conversationId: string) => Promise<T>,
  ): Promise<T> {
    const stored = (await this.references.find(channel)) as Partial<ConversationReference> | null;
    if (!stored?.conversation) {
      throw new Error(
        `Flightdeck has no Teams conversation ${channel}: add the app to that team or chat first (the plan's teams channel must be a conversation the bot was installed in).`,
      );
    }
    // In a channel, a reply goes into the thread of the status message; chats have no threads.
    const threaded = thread && stored.conversation.conversationType === 'channel';
    const { activityId: _replyTo, ...fresh } = stored; // a new message, not a reply to whatever was said last
    const reference = threaded ? { ...fresh, conversation: { ...stored.conversation, id: `${channel};messageid=${thread.id}` } } : fresh;
    let result!: T;
    await this.adapter.continueConversationAsync(this.appId, reference, async (turn) => {
      result = await logic(turn, reference.conversation!.id);
    });
    return result;
  }
}

/**
 * A new message in the conversation (or thread). Not turn.sendActivity: in a proactive turn that
 * would reply to the continuation event's made-up id instead of posting.
 */
async function post(turn: TurnContext, conversationId: string, activity: Partial<Activity>): Promise<string> {
  const client = turn.turnState.get<ConnectorClient>(turn.adapter.ConnectorClientKey);
  const reference = TurnContext.getConversationReference(turn.activity);
  const outgoing = {
    ...activity,
    from: reference.bot,
    recipient: reference.user,
    conversation: { ...reference.conversation!, id: conversationId },
    channelId: reference.channelId,
    serviceUrl: reference.serviceUrl,
  } as Activity;
  const response = await client.conversations.sendToConversation(conversationId, outgoing);
  return response.id ?? '';
}
