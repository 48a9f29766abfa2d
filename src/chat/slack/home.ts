import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AppContext } from '../../app/shared/context.ts';
import { onHomeOpened } from '../../app/on-home-opened.ts';
import type { Reply } from '../../app/shared/replies.ts';
import { answerView } from './decision-modal.ts';
import { clickReplyTarget, homeClickOf, parseHomeOpened } from './parse.ts';
import { homeToSlack, replyToSlack } from './render.ts';

/** Flightdeck's App Home tab: published when someone opens it, and the answer to a click made there. */

/** The Events API events Flightdeck listens to: both manifests subscribe the bot to exactly these (a test checks). */
export const SLACK_BOT_EVENTS = ['app_home_opened'] as const;

/**
 * app_home_opened (Events API, over HTTP and Socket Mode alike; Bolt acks events before the listener runs):
 * the person's home as it is now, with views.publish. A failure is a log line; the next open tries again.
 */
export function serveHome(app: App, options: { ctx: AppContext; log: Logger }): void {
  const { ctx, log } = options;
  app.event('app_home_opened', async ({ event, client }) => {
    const parsed = parseHomeOpened(event);
    if ('error' in parsed) return void log.warn({ error: parsed.error }, 'ignored an app_home_opened event');
    // Slack sends the event for the Messages tab too (where pages arrive); only the Home tab shows a view.
    if (parsed.tab !== 'home') return;
    try {
      const home = await onHomeOpened(ctx, parsed.actor);
      await client.views.publish({ user_id: parsed.actor.id, view: homeToSlack(home) });
    } catch (error) {
      log.warn({ err: error, user: parsed.actor.id }, 'could not publish the Slack home');
    }
  });
}

type ClickClient = {
  chat: { postEphemeral(args: { channel: string; user: string; text: string }): Promise<unknown> };
  views: { open(args: { trigger_id: string; view: ReturnType<typeof answerView> }): Promise<unknown> };
};

/**
 * The answer to a click, only for the clicker: privately in the channel it came from, or, for a click in the
 * App Home (no channel to answer in), in a small modal opened with the click's trigger_id.
 */
export async function answerClick(client: ClickClient, body: unknown, reply: Reply, log: Logger): Promise<void> {
  const target = clickReplyTarget(body);
  if (target) {
    await client.chat
      .postEphemeral({ ...target, ...replyToSlack(reply) })
      .catch((error: unknown) => log.warn({ err: error }, 'could not answer the click privately'));
    return;
  }
  const home = homeClickOf(body);
  if (!home) return;
  const message = reply.kind === 'text' ? reply.text : reply.card.title;
  await client.views
    .open({ trigger_id: home.triggerId, view: answerView('Flightdeck', message) })
    .catch((error: unknown) => log.warn({ err: error, user: home.user }, 'could not answer the App Home click'));
}
