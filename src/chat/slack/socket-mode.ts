import { App, SocketModeReceiver } from '@slack/bolt';
import { ConfigError } from '../../config.ts';
import { boltAppOptions, boltLogger, serveFlightdeck, type SlackCommonOptions } from './bolt.ts';

/** Slack's deadline for acking an envelope. */
const ACK_DEADLINE_MS = 3_000;

export interface SlackSocketModeOptions extends SlackCommonOptions {
  /** The app-level token (xapp-…, connections:write): it opens the connection; the bot token still posts. */
  appToken: string;
}

export interface SlackSocketMode {
  /** True between Slack's `hello` and the connection closing (a `disconnect` from Slack, a lost network). */
  connected(): boolean;
  stop(): Promise<void>;
}

/**
 * Slack in over Socket Mode: Flightdeck opens a WebSocket to Slack (apps.connections.open gives its URL) and
 * Slack sends commands and clicks down it as envelopes, each acked by its envelope_id within 3 s. No public
 * URL and no signing secret: the connection is authenticated by the app-level token. The same listeners and
 * front door as over HTTP (answerEveryRequest wraps processEvent, which this receiver calls too), so an
 * unknown command or click is answered here as well. Bolt's client reconnects by itself when Slack asks it to
 * (`disconnect`) or the connection drops; several replicas may each hold a connection (Slack spreads
 * envelopes over up to 10).
 *
 * Resolves once Slack has said `hello`; rejects when the token is refused (invalid_auth and the like).
 */
export async function startSlackSocketMode(options: SlackSocketModeOptions): Promise<SlackSocketMode> {
  const { log } = options;
  const logger = boltLogger(log);
  // Bolt gives the Socket Mode client installerOptions.clientOptions, not the App's clientOptions: without
  // slackApiUrl here, apps.connections.open would go to slack.com instead of the configured Web API. Its own
  // retry settings stay (generous, for reconnecting), so no retryConfig is passed.
  const receiver = new SocketModeReceiver({
    appToken: options.appToken,
    logger,
    installerOptions: { clientOptions: options.apiUrl ? { slackApiUrl: options.apiUrl } : {} },
  });
  const app = new App({ receiver, socketMode: true, appToken: options.appToken, ...boltAppOptions(options, logger) });
  serveFlightdeck(app, options);

  // Envelopes being handled: on stop they may finish and ack (within Slack's 3 s) before the connection closes.
  const inFlight = new Set<Promise<void>>();
  const processEvent = app.processEvent.bind(app);
  app.processEvent = (event) => {
    const handling = processEvent(event);
    inFlight.add(handling);
    handling.then(
      () => inFlight.delete(handling),
      () => inFlight.delete(handling),
    );
    return handling;
  };

  let open = false;
  receiver.client.on('connected', () => {
    open = true;
    log.info('slack socket mode connected');
  });
  receiver.client.on('close', () => {
    if (open) log.warn('slack socket mode connection closed; reconnecting');
    open = false;
  });
  try {
    await app.start();
  } catch (error) {
    // Slack refused the token (invalid_auth, account_inactive, …) or could not be reached: say which setting, in one line.
    const reason = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
    throw new ConfigError(`Slack Socket Mode could not connect (${reason}): check SLACK_APP_TOKEN, an app-level token (xapp-…) with connections:write`);
  }
  return {
    connected: () => open,
    async stop() {
      open = false;
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => setTimeout(resolve, ACK_DEADLINE_MS).unref())]);
      await app.stop();
    },
  };
}
