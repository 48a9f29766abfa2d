import { App, ExpressReceiver, type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { AppContext } from '../../app/context.ts';
import { onAction } from '../../app/on-action.ts';
import { onCommand } from '../../app/on-command.ts';
import { text, type Reply } from '../../app/replies.ts';
import { parseBlockAction, parseSlashCommand } from './parse.ts';
import { replyToSlack } from './render.ts';

const ENDPOINT = '/slack/events';
const MAX_SKEW_SECONDS = 5 * 60;
const SORRY = 'Sorry, Flightdeck could not handle that just now. Nothing was changed; please try again in a moment.';

export interface SlackAppOptions {
  ctx: AppContext;
  signingSecret: string;
  botToken: string;
  apiUrl?: string | undefined;
  log: Logger;
}

/**
 * Slack in: Bolt's ExpressReceiver on /slack/events. Order of work for every request:
 * headers present and timestamp fresh (here) → signature (Bolt) → parse (zod) → use case → ack.
 * The app it returns also serves the health endpoints; nothing parses bodies globally.
 */
export function createSlackApp(options: SlackAppOptions): { app: InstanceType<typeof App>; receiver: InstanceType<typeof ExpressReceiver>; express: Express } {
  const { ctx, log } = options;
  const server = express();
  server.post(ENDPOINT, requireFreshSignatureHeaders(log));
  const logger = boltLogger(log);
  const receiver = new ExpressReceiver({ signingSecret: options.signingSecret, endpoints: ENDPOINT, app: server, logger, processBeforeResponse: false });
  const app = new App({
    receiver,
    token: options.botToken,
    logger,
    // No auth.test at start-up: the server starts (and its tests run) without reaching Slack.
    tokenVerificationEnabled: false,
    clientOptions: { ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}), retryConfig: { retries: 0 } },
  });

  app.command('/deploy', async ({ command, ack, context }) => {
    if (context.retryNum) log.info({ retry: context.retryNum, reason: context.retryReason }, 'slack retried a command');
    const parsed = parseSlashCommand(command);
    let reply: Reply;
    try {
      reply = 'error' in parsed ? text(parsed.error) : await onCommand(ctx, parsed);
    } catch (error) {
      log.error({ err: error }, 'slash command failed');
      reply = text(SORRY);
    }
    await ack({ response_type: 'ephemeral', ...replyToSlack(reply) });
  });

  app.action(/^run\./, async ({ body, ack, client }) => {
    const parsed = parseBlockAction(body);
    let reply: Reply;
    try {
      reply = 'error' in parsed ? text(parsed.error) : await onAction(ctx, { ...parsed, rationale: null });
    } catch (error) {
      log.error({ err: error }, 'button click failed');
      reply = text(SORRY);
    }
    await ack();
    const channel = 'error' in parsed ? undefined : parsed.channel;
    const user = (body as { user?: { id?: string } }).user?.id;
    if (!channel || !user) return;
    await client.chat.postEphemeral({ channel, user, ...replyToSlack(reply) }).catch((error: unknown) => log.warn({ err: error }, 'could not answer the click privately'));
  });

  return { app, receiver, express: server };
}

/** Bolt checks the HMAC but accepts future timestamps; refuse missing headers and clocks off by more than five minutes either way. */
function requireFreshSignatureHeaders(log: Logger) {
  return (request: Request, response: Response, next: NextFunction) => {
    const signature = request.header('x-slack-signature');
    const timestamp = Number(request.header('x-slack-request-timestamp'));
    const skew = Math.abs(Date.now() / 1000 - timestamp);
    if (!signature || !Number.isFinite(timestamp) || skew > MAX_SKEW_SECONDS) {
      log.warn({ hasSignature: Boolean(signature), skew: Number.isFinite(skew) ? Math.round(skew) : null }, 'refused a Slack request: missing or stale signature headers');
      response.status(401).send('Unauthorized: missing or stale Slack signature');
      return;
    }
    next();
  };
}

function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const child = log.child({ component: 'bolt' });
  return {
    debug: (...messages: unknown[]) => child.debug(messages.map(String).join(' ')),
    info: (...messages: unknown[]) => child.info(messages.map(String).join(' ')),
    warn: (...messages: unknown[]) => child.warn(messages.map(String).join(' ')),
    error: (...messages: unknown[]) => child.error(messages.map(String).join(' ')),
    setLevel: (next: LogLevel) => void (level = next),
    getLevel: () => level,
    setName: () => {},
  };
}
