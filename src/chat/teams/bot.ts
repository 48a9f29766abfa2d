import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type InvokeResponse,
  TeamsActivityHandler,
  TeamsInfo,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
} from 'botbuilder';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AppContext } from '../../app/shared/context.ts';
import { onAction } from '../../app/on-action.ts';
import { onCommand } from '../../app/on-command.ts';
import { onPageAck } from '../../app/on-page-ack.ts';
import { failureText, text, type Reply } from '../../app/shared/replies.ts';
import type { TeamsConfig } from '../../config.ts';
import type { AckKind, Metrics } from '../../observability/metrics.ts';
import type { ConversationReferences } from '../../ports.ts';
import { withDecisionForms } from '../../domain/decision-facts.ts';
import { statusCard } from '../../domain/messages/status-card.ts';
import { runById } from '../../app/lookups.ts';
import type { Actor } from '../../domain/identity.ts';
import { rosterAliases } from './roster.ts';
import { actorOf, channelOf, commandText, parseCardAction, parsePageAction } from './parse.ts';
import { CARD_CONTENT_TYPE, cardToAdaptiveCard, replyActivity } from './render.ts';

export const TEAMS_ENDPOINT = '/api/messages';

/**
 * botbuilder's CloudAdapter, with its turn processing reachable: its own `process` answers a refused
 * request by printing the whole error and stack to stderr (many lines, outside our JSON log) and sending
 * botbuilder's message to the caller. We parse the request and log the refusal ourselves instead.
 */
export class FlightdeckCloudAdapter extends CloudAdapter {
  handle(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, activity, logic);
  }
}

/** botbuilder's adapter; with no app id it does not authenticate, so the runtime builds one only when TEAMS_ALLOW_UNAUTHENTICATED says so. */
export function createTeamsAdapter(config: TeamsConfig, log: Logger): FlightdeckCloudAdapter {
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.appId,
    MicrosoftAppPassword: config.appPassword,
    MicrosoftAppTenantId: config.tenantId,
    MicrosoftAppType: config.appType,
  });
  const adapter = new FlightdeckCloudAdapter(auth);
  adapter.onTurnError = async (context, error) => {
    log.error({ err: error, activity: context.activity.type }, 'teams turn failed');
    if (context.activity.type === 'message') await context.sendActivity(failureText(error)).catch(() => {});
  };
  return adapter;
}

/**
 * Teams in: messages ("deploy start api 1.4.2") and card clicks become the same use-case calls
 * as Slack's. Every conversation the bot hears from is remembered, so the worker can post there later.
 */
export class FlightdeckTeamsBot extends TeamsActivityHandler {
  /** Members' aliases from the roster, read once per member every few minutes (roster.ts). */
  private readonly roster = rosterAliases();

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
    const from = context.activity.from.id;
    const member = `${context.activity.conversation?.tenantId ?? ''}/${from}`;
    const read = () =>
      TeamsInfo.getMember(context, from).catch((error: unknown) => {
        this.log.warn({ err: error }, 'could not read the Teams roster; matching by AAD object id only');
        return null;
      });
    const aliases = await this.roster(member, read, this.ctx.clock.now().getTime());
    return aliases?.length ? { ...actor, aliases } : actor;
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
      return text(failureText(error));
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
      // Once accepted the action is saved: a failed read of the card to show says so rather than "nothing was changed".
      const run = outcome.accepted ? await runById(this.ctx, click.runId).catch(() => null) : null;
      if (!run) return message(outcome.reply.kind === 'text' ? outcome.reply.text : 'Done.');
      return { statusCode: 200, type: CARD_CONTENT_TYPE, value: cardToAdaptiveCard(withDecisionForms(statusCard(run), run)) };
    } catch (error) {
      this.log.error({ err: error }, 'teams card action failed');
      return message(failureText(error));
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
      return message(failureText(error));
    }
  }

  private async remember(context: TurnContext): Promise<void> {
    // The activity id is left out: a reference that kept it would make every later post a reply to this activity.
    const { activityId: _activity, ...reference } = TurnContext.getConversationReference(context.activity);
    const conversationId = reference.conversation?.id;
    if (!conversationId) return;
    await this.references.save(
      channelOf(conversationId),
      { ...reference, conversation: { ...reference.conversation, id: channelOf(conversationId) } },
      this.ctx.clock.now(),
    );
  }
}

function message(value: string): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: value as never };
}

/** What botbuilder needs of a request body before it checks the token; everything else is its own business (and parse.ts's). */
const activityBody = z.looseObject({ type: z.string().min(1) });
/** botbuilder's own `process` turns these ISO strings into Dates before the turn; calling the adapter ourselves, we do too. */
const DATE_FIELDS = ['timestamp', 'expiration', 'localTimestamp'] as const;

/**
 * Mounts POST /api/messages with its own JSON parser (1 MB): only this route parses bodies, so Slack's
 * raw-body signature check stays intact. Every refusal (not JSON, too large, no activity type, no valid
 * Bot Framework token) is answered with its status and logged as one JSON line, without a stack.
 */
export function mountTeams(app: Express, adapter: FlightdeckCloudAdapter, bot: FlightdeckTeamsBot, log: Logger, metrics?: Metrics): void {
  app.post(
    TEAMS_ENDPOINT,
    express.json({ limit: '1mb' }),
    async (request: express.Request, response: express.Response) => {
      const parsed = activityBody.safeParse(request.body);
      if (!parsed.success) return refuse(response, log, 400, 'not a Bot Framework activity');
      const activity: Record<string, unknown> = { ...parsed.data };
      for (const field of DATE_FIELDS) if (typeof activity[field] === 'string') activity[field] = new Date(activity[field]);
      const started = performance.now();
      try {
        const invoke = await adapter.handle(request.header('authorization') ?? '', activity as unknown as Activity, (context) => bot.run(context));
        response.status(invoke?.status ?? 200);
        if (invoke?.body !== undefined) response.send(invoke.body);
        response.end();
        metrics?.acked('teams', teamsAckKind(parsed.data), (performance.now() - started) / 1_000);
      } catch (error) {
        if (isAuthenticationError(error)) return refuse(response, log, 401, `not authenticated: ${(error as Error).message}`, parsed.data.type);
        log.error({ err: error, activity: parsed.data.type }, 'teams request failed');
        if (!response.headersSent) response.status(500).end();
      }
    },
    (error: { status?: number; type?: string }, _request: express.Request, response: express.Response, _next: express.NextFunction) => {
      // express.json's own errors (too large, not JSON): without this handler Express prints their stack.
      refuse(response, log, error.status === 413 ? 413 : 400, error.type === 'entity.too.large' ? 'body larger than 1 MB' : 'body is not JSON');
    },
  );
}

/** A message is a command; an invoke is a card button, or the decision form when it carries a rationale input. */
function teamsAckKind(activity: { type: string; value?: unknown }): AckKind {
  if (activity.type === 'message') return 'command';
  if (activity.type !== 'invoke') return 'other';
  const data = (activity.value as { action?: { data?: Record<string, unknown> } } | undefined)?.action?.data;
  return data && Object.keys(data).some((key) => key.endsWith('rationale')) ? 'form' : 'action';
}

/** Teams is not served here (no TEAMS_APP_ID, no TEAMS_ALLOW_UNAUTHENTICATED): every request is refused, nothing is read or written. */
export function refuseTeams(app: Express, log: Logger): void {
  app.post(TEAMS_ENDPOINT, (_request, response) => refuse(response, log, 401, 'Teams is not configured here (no TEAMS_APP_ID)'));
}

function refuse(response: express.Response, log: Logger, status: number, reason: string, activity?: string): void {
  log.warn({ status, reason, ...(activity ? { activity } : {}) }, 'refused a Teams request');
  response.status(status).json({ error: status === 401 ? 'Unauthorized' : reason });
}

/** botframework-connector's AuthenticationError (not exported by botbuilder) carries the HTTP status it means. */
function isAuthenticationError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { statusCode?: unknown }).statusCode;
  return error.constructor.name === 'AuthenticationError' || status === 401 || status === 403;
}
