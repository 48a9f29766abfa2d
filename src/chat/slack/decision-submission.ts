import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { onAction, type ActionOutcome } from '../../app/on-action.ts';
import type { AppContext } from '../../app/shared/context.ts';
import { failureText, isInDoubt, text } from '../../app/shared/replies.ts';
import { answerView, DECISION_CALLBACK_ID, DECISION_INPUTS, notConfirmedView, notRecordedView } from './decision-modal.ts';
import { inTime } from './in-time.ts';
import { parseDecisionSubmission } from './parse.ts';
import { cut, replyToSlack } from './render.ts';

/** Which modal block shows a refusal about an input. */
const INPUT_BLOCK = { rationale: DECISION_INPUTS.rationale, acknowledged: DECISION_INPUTS.acknowledge } as const;
/** What the form says while a decision not yet recorded at the mark is still being written: it claims nothing. */
export const STILL_RECORDING = 'Still recording this decision: Flightdeck is busy. Its answer replaces this in a moment.';

/**
 * The decision form submitted: recorded (one fast write) before the ack, because the ack carries the
 * answer. A refusal about an input shows on that input and keeps the form open; any other refusal
 * replaces the form with the reason. The answer also goes to the approver privately in the channel,
 * where every button's answer goes. A decision not recorded by `lateWriteMs` (an overload) is acked
 * with a form that says it is still being recorded, which claims nothing (past Slack's 3 s the form
 * would show an error while the decision may still land); the answer then replaces that form
 * (views.update) and goes privately to the channel, and a refusal about an input is told the same way.
 */
export function serveDecisionSubmissions(app: App, options: { ctx: AppContext; log: Logger; lateWriteMs: number }): void {
  const { ctx, log } = options;
  app.view(DECISION_CALLBACK_ID, async ({ body, ack, client }) => {
    const parsed = parseDecisionSubmission(body);
    if ('error' in parsed) return void (await ack({ response_action: 'update', view: notRecordedView(null, parsed.error) }));
    const deciding = decide(ctx, log, parsed);
    const decided = await inTime(deciding, options.lateWriteMs);
    const { outcome, doubt } = decided ?? { outcome: null, doubt: false };
    const refused = (message: string, inDoubt: boolean) => (inDoubt ? notConfirmedView(message) : notRecordedView(null, message));
    const messageOf = (done: ActionOutcome) => (done.reply.kind === 'text' ? done.reply.text : done.reply.card.title);
    const privately = (done: ActionOutcome) =>
      parsed.channel
        ? client.chat
            .postEphemeral({ channel: parsed.channel, user: parsed.actor.id, ...replyToSlack(done.reply) })
            .catch((error: unknown) => log.warn({ err: error }, 'could not answer the decision privately'))
        : Promise.resolve();
    if (!outcome) {
      await ack({ response_action: 'update', view: answerView('Still recording', STILL_RECORDING) });
      const late = await deciding;
      const view = late.outcome.accepted ? answerView('Recorded', messageOf(late.outcome)) : refused(messageOf(late.outcome), late.doubt);
      await client.views
        .update({ view_id: body.view.id, view })
        .catch((error: unknown) => log.warn({ err: error }, 'could not show the late decision in its form'));
      return void (await privately(late.outcome));
    }
    const message = messageOf(outcome);
    const block = outcome.input ? INPUT_BLOCK[outcome.input] : null;
    if (block && parsed.inputs.includes(block)) return void (await ack({ response_action: 'errors', errors: { [block]: cut(message, 500) } }));
    // From the App Home there is no channel to answer in: the form itself says it was recorded.
    if (!parsed.channel)
      return void (await ack({ response_action: 'update', view: outcome.accepted ? answerView('Recorded', message) : refused(message, doubt) }));
    await ack(outcome.accepted ? undefined : { response_action: 'update', view: refused(message, doubt) });
    await privately(outcome);
  });
}

/** The decision recorded (or refused); a failure becomes its polite refusal, "in doubt" when the write may have landed. */
async function decide(ctx: AppContext, log: Logger, parsed: Parameters<typeof onAction>[1]): Promise<{ outcome: ActionOutcome; doubt: boolean }> {
  try {
    return { outcome: await onAction(ctx, parsed), doubt: false };
  } catch (error) {
    log.error({ err: error }, 'decision submission failed');
    return { outcome: { accepted: false, reply: text(failureText(error)) }, doubt: isInDoubt(error) };
  }
}
