import { CloudAdapter, ConfigurationBotFrameworkAuthentication, TeamsActivityHandler, TeamsInfo, TurnContext, type AdaptiveCardInvokeResponse, type AdaptiveCardInvokeValue } from 'botbuilder';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { AppContext } from '../../app/shared/context.ts';
import { onAction } from '../../app/on-action.ts';
import { onCommand } from '../../app/on-command.ts';
import { onPageAck } from '../../app/on-page-ack.ts';
import { text, type Reply } from '../../app/shared/replies.ts';
import type { TeamsConfig } from '../../config.ts';
import type { ConversationReferences } from '../../ports.ts';
import { withDecisionForms } from '../../domain/decision-facts.ts';
import { statusCard } from '../../domain/messages.ts';
import { runById } from '../../app/lookups.ts';
import type { Actor } from '../../domain/identity.ts';
import { actorOf, channelOf, commandText, parseCardAction, parsePageAction } from './parse.ts';
import { CARD_CONTENT_TYPE, cardToAdaptiveCard, replyActivity } from './render.ts';

const SORRY = 'Sorry, Flightdeck could not handle that just now. Nothing was changed; please try again in a moment.';

/** botbuilder's adapter; with no app id it does not authenticate (local development and tests), which start-up logs loudly. */
export function createTeamsAdapter(config: TeamsConfig, log: Logger): CloudAdapter {
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.appId,
    MicrosoftAppPassword: config.appPassword,
    MicrosoftAppTenantId: config.tenantId,
    MicrosoftAppType: config.appType,
  });
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context, error) => {
    log.error({ err: error, activity: context.activity.type }, 'teams turn failed');
    if (context.activity.type === 'message') await context.sendActivity(SORRY).catch(() => {});
  };
  return adapter;
}

/**
 * Teams in: messages ("deploy start api 1.4.2") and card clicks become the same use-case calls
 * as Slack's. Every conversation the bot hears from is remembered, so the worker can post there later.
 */
export class FlightdeckTeamsBot extends TeamsActivityHandler {
  constructor(
    private readonly ctx: AppContext,
    private readonly log: Logger,
    private readonly references: ConversationReferences,
  ) {
    super();
    this.onMessage(async (context, next) => {
      await this.remember(context);
      await context.sendActivity(replyActivity(await this.handleMessage(context)));
      await next();
    });
    this.onConversationUpdate(async (context, next) => {
      await this.remember(context);
      await next();
    });
    this.onInstallationUpdate(async (context, next) => {
      await this.remember(context);
      await next();
    });
  }

  /**
   * Who is speaking, as plans may name them: Teams sends the AAD object id; the roster adds the UPN,
   * so a plan may list either. A roster that cannot be read only loses the UPN.
   */
  private async actor(context: TurnContext): Promise<Actor | null> {
    const actor = actorOf(context.activity);
    if (!actor || !context.activity.from?.id) return actor;
    const member = await TeamsInfo.getMember(context, context.activity.from.id).catch((error: unknown) => {
      this.log.warn({ err: error }, 'could not read the Teams roster; matching by AAD object id only');
      return null;
    });
    const aliases = [...new Set([member?.userPrincipalName, member?.email].filter((alias): alias is string => Boolean(alias)))];
    return aliases.length ? { ...actor, aliases } : actor;
  }

  private async handleMessage(context: TurnContext): Promise<Reply> {
    const actor = await this.actor(context);
    if (!actor) return text('I could not tell who you are.');
    try {
      // The Action.Submit fallback of a card button arrives as a message with a value.
      if (context.activity.value && !context.activity.text) {
        const page = parsePageAction(undefined, context.activity.value);
        if (page) return 'error' in page ? text(page.error) : (await onPageAck(this.ctx, { actor, ...page })).reply;
        const click = parseCardAction(undefined, context.activity.value);
        if ('error' in click) return text(click.error);
        return (await onAction(this.ctx, { actor, ...click })).reply;
      }
      const spoken = commandText(TurnContext.removeMentionText(context.activity, context.activity.recipient.id) ?? context.activity.text ?? '');
      // Teams re-sends an activity it thinks went unanswered: its id makes the start idempotent.
      return await onCommand(this.ctx, { actor, text: spoken, requestKey: context.activity.id ? `teams:${context.activity.id}` : null });
    } catch (error) {
      this.log.error({ err: error }, 'teams message failed');
      return text(SORRY);
    }
  }

  /** Action.Execute: a refusal goes to the clicker alone; otherwise the clicked card becomes the run's current card. */
  protected override async onAdaptiveCardInvoke(context: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    await this.remember(context);
    const actor = await this.actor(context);
    const page = parsePageAction(invokeValue.action?.verb, invokeValue.action?.data);
    if (page) return this.acknowledgePage(actor, page);
    const click = parseCardAction(invokeValue.action?.verb, invokeValue.action?.data);
    if (!actor || 'error' in click) return message(actor ? (click as { error: string }).error : 'I could not tell who you are.');
    try {
      // The decision form's inputs (rationale, acknowledgement) come in the action's data.
      const outcome = await onAction(this.ctx, { actor, ...click });
      const run = outcome.accepted ? await runById(this.ctx, click.runId) : null;
      if (!run) return message(outcome.reply.kind === 'text' ? outcome.reply.text : 'Done.');
      return { statusCode: 200, type: CARD_CONTENT_TYPE, value: cardToAdaptiveCard(withDecisionForms(statusCard(run), run)) };
    } catch (error) {
      this.log.error({ err: error }, 'teams card action failed');
      return message(SORRY);
    }
  }

  /** A page's Acknowledge button: a refusal goes to the clicker alone; once taken, the clicked card says by whom. */
  private async acknowledgePage(actor: Actor | null, page: { pageId: string } | { error: string }): Promise<AdaptiveCardInvokeResponse> {
    if (!actor || 'error' in page) return message(actor ? (page as { error: string }).error : 'I could not tell who you are.');
    try {
      const outcome = await onPageAck(this.ctx, { actor, pageId: page.pageId });
      if (!outcome.accepted || !outcome.card) return message(outcome.reply.kind === 'text' ? outcome.reply.text : 'Done.');
      return { statusCode: 200, type: CARD_CONTENT_TYPE, value: cardToAdaptiveCard(outcome.card) };
    } catch (error) {
      this.log.error({ err: error }, 'teams page acknowledgement failed');
      return message(SORRY);
    }
  }

  private async remember(context: TurnContext): Promise<void> {
    // The activity id is left out: a reference that kept it would make every later post a reply to this activity.
    const { activityId: _activity, ...reference } = TurnContext.getConversationReference(context.activity);
    const conversationId = reference.conversation?.id;
    if (!conversationId) return;
    await this.references.save(channelOf(conversationId), { ...reference, conversation: { ...reference.conversation, id: channelOf(conversationId) } }, this.ctx.clock.now());
  }
}

function message(value: string): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: value as never };
}

/** Mounts POST /api/messages with its own JSON parser: only this route parses bodies, so Slack's raw-body signature check stays intact. */
export function mountTeams(app: Express, adapter: CloudAdapter, bot: FlightdeckTeamsBot): void {
  app.post('/api/messages', express.json({ limit: '1mb' }), (request, response) => {
    void adapter.process(request, response, (context) => bot.run(context));
  });
}
