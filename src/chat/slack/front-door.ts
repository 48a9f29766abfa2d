import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import { failureText, isInDoubt } from '../../app/shared/replies.ts';
import { notConfirmedView, notRecordedView } from './decision-modal.ts';
import { clickReplyTarget } from './parse.ts';

type ReceiverEvent = Parameters<App['processEvent']>[0];

const UNKNOWN_COMMAND = 'Flightdeck answers `/deploy` only (try `/deploy help`). Nothing was done.';
const UNKNOWN_CLICK = 'Flightdeck does not know that button (it may belong to an older message). Nothing was changed.';
const UNKNOWN_FORM = 'Flightdeck does not know this form. Nothing was changed.';
const OTHER_WORKSPACE = 'This Flightdeck serves another Slack workspace. Nothing was done.';

/** Which workspace a request comes from: slash commands and events say `team_id`, interactivity payloads `team.id`. */
const workspaceOf = z
  .object({ team_id: z.string().optional(), team: z.object({ id: z.string() }).nullish() })
  .transform((body) => body.team_id ?? body.team?.id ?? null);
/** Just enough of a body to pick the kind of polite answer. */
const kindOf = z
  .object({ command: z.string().optional(), type: z.string().optional() })
  .transform((body): 'command' | 'click' | 'form' | 'options' | 'other' => {
    if (body.command !== undefined) return 'command';
    if (body.type === 'block_actions' || body.type === 'interactive_message') return 'click';
    if (body.type === 'view_submission') return 'form';
    if (body.type === 'block_suggestion') return 'options';
    return 'other';
  });

/**
 * Every Slack request is answered within its deadline, and only one workspace's when SLACK_TEAM_ID says so.
 * Bolt answers a request no listener acked with a 404 after 3 s (its unhandledRequestHandler fires on a
 * timer) and one whose type it cannot tell never reaches a listener at all. Bolt runs every listener that
 * matches before `processEvent` resolves, so at that moment an unacked request is one nothing handles:
 * it is answered now, politely, by kind (a command in the ack, a click privately, a form with "not
 * recorded", everything else with an empty 200). This wraps the one method every receiver calls (HTTP
 * and Socket Mode alike), so no listener needs a catch-all twin.
 */
export function answerEveryRequest(app: App, options: { log: Logger; teamId?: string | undefined }): void {
  const { log, teamId } = options;
  const processEvent = app.processEvent.bind(app);
  app.processEvent = async (event: ReceiverEvent) => {
    const kind = kindOf.safeParse(event.body).data ?? 'other';
    if (teamId) {
      const workspace = workspaceOf.safeParse(event.body).data ?? null;
      if (workspace !== teamId) {
        log.warn({ workspace, kind }, 'refused a Slack request from another workspace');
        // No private message: our bot token cannot post in their workspace, and the ack is the answer.
        return event.ack(politeAck(kind, OTHER_WORKSPACE));
      }
    }
    let acked = false;
    const ack: ReceiverEvent['ack'] = async (response) => {
      acked = true;
      return event.ack(response);
    };
    try {
      await processEvent({ ...event, ack });
    } catch (error) {
      if (acked) throw error;
      log.error({ err: error, kind }, 'slack request failed before it was answered');
      return event.ack(politeAck(kind, failureText(error), isInDoubt(error)));
    }
    if (acked) return;
    log.info({ kind, detail: detailOf(event.body) }, 'answered a Slack request no listener handles');
    await event.ack(politeAck(kind, kind === 'command' ? UNKNOWN_COMMAND : kind === 'form' ? UNKNOWN_FORM : UNKNOWN_CLICK));
    const target = kind === 'click' ? clickReplyTarget(event.body) : null;
    if (target)
      await app.client.chat
        .postEphemeral({ ...target, text: UNKNOWN_CLICK })
        .catch((error: unknown) => log.warn({ err: error }, 'could not answer the click privately'));
  };
}

/** The ack's body for a request of this kind: the answer itself where Slack shows one. */
function politeAck(kind: ReturnType<typeof kindOf.parse>, message: string, inDoubt = false): unknown {
  if (kind === 'command') return { response_type: 'ephemeral', text: message };
  if (kind === 'form') return { response_action: 'update', view: inDoubt ? notConfirmedView(message) : notRecordedView(null, message) };
  if (kind === 'options') return { options: [] };
  return undefined;
}

/** What the log line names: the command, the action id or the payload type, never the body. */
function detailOf(body: Record<string, unknown>): string | null {
  const actions = Array.isArray(body.actions) ? (body.actions as { action_id?: unknown }[]) : [];
  const action = typeof actions[0]?.action_id === 'string' ? actions[0].action_id : null;
  const text = typeof body.command === 'string' ? body.command : (action ?? (typeof body.type === 'string' ? body.type : null));
  return text ? text.slice(0, 100) : null;
}
