import { format } from 'node:util';
import { App, ExpressReceiver, type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { IANAZone } from 'luxon';
import type { AppContext } from '../../app/shared/context.ts';
import { decisionFormFor, onAction } from '../../app/on-action.ts';
import { onCommand } from '../../app/on-command.ts';
import { onPageAck } from '../../app/on-page-ack.ts';
import { parseCommand, writesNothing } from '../../domain/command.ts';
import { failureText, text, type Reply } from '../../app/shared/replies.ts';
import { decisionOf } from '../../domain/decisions.ts';
import { decisionModal } from './decision-modal.ts';
import { serveDecisionSubmissions } from './decision-submission.ts';
import { answerClick, serveHome } from './home.ts';
import { timeSlackAcks } from './ack-metrics.ts';
import { answerEveryRequest } from './front-door.ts';
import { parseBlockAction, parsePageAction, parseSlashCommand } from './parse.ts';
import { ackWithin, inTime } from './in-time.ts';
import { replyToSlack } from './render.ts';

export const SLACK_ENDPOINT = '/slack/events';
const MAX_SKEW_SECONDS = 5 * 60;
/** Slack's own payloads are a few KB; like /api/messages, anything over 1 MB is refused (413) before it is parsed. */
const BODY_LIMIT = '1mb';
const FORM_LATE = 'Sorry, the Go/No-Go form could not open in time. Nothing was changed; please click the button again.';
/** GO / NO-GO / DEFER open the decision form; every other run button acts at once. */
const DECISION_CLICK = /^run\.(?:go|no_go|defer)$/;
const OTHER_RUN_CLICK = /^run\.(?!(?:go|no_go|defer)$)/;

/** What both transports (HTTP and Socket Mode) need to build Flightdeck's Bolt app. */
export interface SlackCommonOptions {
  ctx: AppContext;
  botToken: string;
  apiUrl?: string | undefined;
  /** SLACK_TEAM_ID: serve this workspace only; requests from another are answered politely and do nothing. */
  teamId?: string | undefined;
  /** SLACK_LATE_ANSWER_MS: how long a command that writes nothing may take before its answer goes through response_url. */
  lateAnswerMs?: number;
  /** SLACK_LATE_WRITE_MS: how long a command that writes may take before the ack says it is still saving and its answer goes through response_url. */
  lateWriteMs?: number;
  log: Logger;
  /**
   * Bolt calls auth.test on every request when these are unknown and token verification is off.
   * Only event middleware (ignoreSelf) reads them: our one event, app_home_opened, comes from a person, never from the bot.
   */
  botId?: string;
  botUserId?: string;
}

export interface SlackAppOptions extends SlackCommonOptions {
  signingSecret: string;
}

/**
 * Slack in over HTTP: Bolt's ExpressReceiver on /slack/events. Order of work for every request:
 * headers present and timestamp fresh (here) → signature (Bolt) → parse (zod) → use case → ack.
 * `express` (= receiver.app) can serve other routes; nothing parses bodies globally, Bolt needs the raw body.
 */
export function createSlackApp(options: SlackAppOptions): { app: App; receiver: ExpressReceiver; express: Express } {
  const { log } = options;
  const server = express();
  // Registered before the receiver adds its router, so it runs first.
  server.post(SLACK_ENDPOINT, requireFreshSignatureHeaders(log));
  const logger = boltLogger(log);
  const receiver = new ExpressReceiver({
    signingSecret: options.signingSecret,
    endpoints: SLACK_ENDPOINT,
    app: server,
    logger,
    processBeforeResponse: false,
    bodyLimit: BODY_LIMIT,
  });
  const app = new App({ receiver, ...boltAppOptions(options, logger) });
  serveFlightdeck(app, options);
  return { app, receiver, express: server };
}

/** The App options both transports share: the bot token, no start-up call to Slack, where the Web API is. */
export function boltAppOptions(options: SlackCommonOptions, logger: BoltLogger) {
  return {
    token: options.botToken,
    botId: options.botId ?? 'B_FLIGHTDECK',
    botUserId: options.botUserId ?? 'U_FLIGHTDECK',
    logger,
    // No auth.test at start-up: the server starts (and its tests run) without reaching Slack.
    tokenVerificationEnabled: false,
    // Against a stand-in, fail at once; against Slack, a private answer is worth a couple of tries, not thirty minutes of them.
    clientOptions: options.apiUrl ? { slackApiUrl: options.apiUrl, retryConfig: { retries: 0 } } : { retryConfig: { retries: 2 } },
  };
}

/**
 * Flightdeck's listeners on a Bolt app, whichever receiver feeds it: /deploy, the run and page buttons,
 * the decision form, the App Home (home.ts), and the front door that answers everything else within the deadline.
 */
export function serveFlightdeck(app: App, options: SlackCommonOptions): void {
  const { ctx, log } = options;
  answerEveryRequest(app, { log, teamId: options.teamId });
  // Outermost, so the front door's own answers are timed too.
  if (options.ctx.metrics) timeSlackAcks(app, options.ctx.metrics);
  serveHome(app, { ctx, log });

  // Idempotency lives in the use case (requestKey); a retry is only worth a log line.
  app.use(async ({ context, next }) => {
    if (context.retryNum) log.info({ retry: context.retryNum, reason: context.retryReason }, 'slack retried a delivery');
    await next();
  });

  // The ack carries the answer: the run is saved (with its outbox row) before Slack hears back. A command that
  // writes nothing and is slow (stats of every service) is acked in time and answered through response_url; so is
  // a write not saved close to Slack's 3 s (an overload): the ack then claims nothing, and the answer follows once known.
  app.command('/deploy', async ({ command, ack, client, respond }) => {
    const parsed = parseSlashCommand(command);
    const replying = answer(log, 'slash command failed', async () => {
      if ('error' in parsed) return text(parsed.error);
      // `--at 14:00` is read in the requester's zone, which only users.info tells (one short call, only then).
      const zone = /(^|\s)(--|[—–])at\b/.test(parsed.text) ? await zoneOf(client, parsed.actor.id, log) : null;
      return onCommand(ctx, zone ? { ...parsed, actor: { ...parsed.actor, zone } } : parsed);
    });
    const reads = 'error' in parsed || writesNothing(parseCommand(parsed.text));
    const late = 'error' in parsed || !command.response_url ? null : reads ? (options.lateAnswerMs ?? 2_000) : (options.lateWriteMs ?? 2_500);
    const reply = late === null ? await replying : await inTime(replying, late);
    if (reply) return void (await ack({ response_type: 'ephemeral', ...replyToSlack(reply) }));
    await ack({ response_type: 'ephemeral', text: reads ? LATE_ANSWER : LATE_WRITE });
    const slow = await replying;
    await respond({ response_type: 'ephemeral', ...replyToSlack(slow) }).catch((error: unknown) =>
      log.error({ err: error }, 'the late answer could not be sent'),
    );
  });

  /**
   * GO / NO-GO / DEFER open the decision form. The trigger_id, like the ack, is good for three seconds:
   * read the run (one row: the form shows its facts, and someone who cannot decide is told so now rather
   * than after typing), open the modal, then ack. Nothing is written until the form is submitted.
   */
  app.action(DECISION_CLICK, async ({ body, ack, client }) => {
    const refusal = await answer(log, 'decision form failed', async () => {
      const parsed = parseBlockAction(body);
      if ('error' in parsed) return text(parsed.error);
      const decision = decisionOf(parsed.action);
      const form = await decisionFormFor(ctx, parsed);
      if ('reply' in form) return form.reply;
      if (!decision || !parsed.triggerId) return text(FORM_LATE);
      const view = decisionModal(form.run, decision, parsed.channel, form.overriding);
      try {
        await client.views.open({ trigger_id: parsed.triggerId, view });
        return null;
      } catch (error) {
        log.warn({ err: error, run: form.run.key }, 'could not open the decision form');
        return text(FORM_LATE);
      }
    });
    await ack();
    if (refusal) await answerClick(client, body, refusal, log);
  });

  const lateWriteMs = options.lateWriteMs ?? 2_500;
  serveDecisionSubmissions(app, { ctx, log, lateWriteMs });

  // Roll back, Promote, Hold, Resume: acked once the event is recorded (one fast write), or at SLACK_LATE_WRITE_MS if it
  // is not yet (the ack says nothing: the answer goes to the clicker only, privately, when it is known).
  app.action(OTHER_RUN_CLICK, async ({ body, ack, client }) => {
    const parsed = parseBlockAction(body);
    const replying = answer(log, 'button click failed', () =>
      'error' in parsed ? text(parsed.error) : onAction(ctx, { ...parsed, rationale: null }).then((outcome) => outcome.reply),
    );
    await answerClick(client, body, await ackWithin(replying, lateWriteMs, ack), log);
  });

  // A page's Acknowledge button, in a direct message or the channel: acked once the page is taken (or at the same mark); the answer goes to the clicker only.
  app.action(/^page\./, async ({ body, ack, client }) => {
    const parsed = parsePageAction(body);
    const replying = answer(log, 'page acknowledgement failed', () =>
      'error' in parsed ? text(parsed.error) : onPageAck(ctx, parsed).then((outcome) => outcome.reply),
    );
    await answerClick(client, body, await ackWithin(replying, lateWriteMs, ack), log);
  });
}

/** What a slow read is acked with; its answer follows as a second private message. */
export const LATE_ANSWER = 'Working on it: the answer follows in a moment.';
/** A write not saved in time: nothing is claimed, and where to look should no answer follow (the process may stop meanwhile). */
export const LATE_WRITE =
  'Still working on this: Flightdeck is busy. Its answer follows here in a moment; if none comes, `/deploy status` shows whether it was done.';

async function answer<T extends Reply | null>(log: Logger, failure: string, run: () => T | Promise<T>): Promise<T | Reply> {
  try {
    return await run();
  } catch (error) {
    log.error({ err: error }, failure);
    return text(failureText(error));
  }
}

/** Bolt checks the HMAC but accepts future timestamps; refuse missing headers and clocks off by more than five minutes either way. */
export function requireFreshSignatureHeaders(log: Logger, nowSeconds: () => number = () => Date.now() / 1000) {
  return (request: Request, response: Response, next: NextFunction) => {
    const signature = request.header('x-slack-signature');
    const timestamp = request.header('x-slack-request-timestamp') ?? '';
    const skew = /^\d{1,12}$/.test(timestamp) ? Math.abs(nowSeconds() - Number(timestamp)) : Number.POSITIVE_INFINITY;
    if (!signature || skew > MAX_SKEW_SECONDS) {
      log.warn(
        { hasSignature: Boolean(signature), skew: Number.isFinite(skew) ? Math.round(skew) : null },
        'refused a Slack request: missing or stale signature headers',
      );
      response.status(401).send('Unauthorized: missing or stale Slack signature');
      return;
    }
    next();
  };
}

/** Bolt's logger interface onto pino; errors stay objects so their stacks are kept. */
export function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const child = log.child({ component: 'bolt' });
  const emit =
    (method: 'debug' | 'info' | 'warn' | 'error') =>
    (...messages: unknown[]) => {
      const error = messages.find((message) => message instanceof Error);
      const rest = messages.filter((message) => message !== error);
      if (error) child[method]({ err: error }, format(...rest) || (error as Error).message);
      else child[method](format(...rest));
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    setLevel: (next: LogLevel) => void (level = next),
    getLevel: () => level,
    setName: () => {},
  };
}

/** The user's IANA time zone from Slack's users.info, or null when Slack does not say (or is slow). */
async function zoneOf(
  client: { users: { info(args: { user: string }): Promise<{ user?: { tz?: string } }> } },
  user: string,
  log: Logger,
): Promise<string | null> {
  try {
    const answer = await Promise.race([client.users.info({ user }), new Promise<null>((resolve) => setTimeout(() => resolve(null), 1_000).unref())]);
    const tz = answer?.user?.tz;
    return tz && IANAZone.isValidZone(tz) ? tz : null;
  } catch (error) {
    log.warn({ err: error, user }, 'users.info failed; --at needs a zone written out');
    return null;
  }
}
