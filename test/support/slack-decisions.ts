import type { FakeSlack } from './fake-slack.ts';
import { blockActionBody, newTriggerId, slackHeaders, viewSubmissionBody, type ModalInputs } from './slack-requests.ts';

export type SlackPost = (body: string, headers: Record<string, string>) => Promise<{ status: number; text: string; json: any }>;

/** What an approver fills in: a rationale (NO-GO and DEFER get a stock one unless told otherwise), the CONDITIONAL box. */
export interface DecisionInput {
  rationale?: string | null;
  acknowledged?: boolean;
}

const DECISION_ACTIONS = ['run.go', 'run.no_go', 'run.defer'];

export function isDecisionAction(actionId: string): boolean {
  return DECISION_ACTIONS.includes(actionId);
}

/**
 * A GO / NO-GO / DEFER click as a Slack user makes it: click the button, and when the form opens
 * (views.open with this click's trigger_id, which Flightdeck calls before it acks) fill it in and submit.
 * `submission` is null when no form opened (the clicker was refused privately instead).
 */
export async function clickAndDecide(
  post: SlackPost,
  slack: FakeSlack,
  fields: { actionId: string; runId: string; userId: string; userName: string } & DecisionInput,
): Promise<{ click: Awaited<ReturnType<SlackPost>>; view: Record<string, any> | null; submission: Awaited<ReturnType<SlackPost>> | null }> {
  const triggerId = newTriggerId();
  const clickBody = blockActionBody({ actionId: fields.actionId, runId: fields.runId, userId: fields.userId, userName: fields.userName, triggerId });
  const click = await post(clickBody, slackHeaders(clickBody));
  const view = slack.views().find((opened) => opened.triggerId === triggerId)?.view ?? null;
  if (!view) return { click, view: null, submission: null };
  const rationale =
    fields.rationale === undefined
      ? fields.actionId === 'run.go'
        ? null
        : `${fields.actionId === 'run.defer' ? 'DEFER' : 'NO-GO'} for a test`
      : fields.rationale;
  const inputs: ModalInputs = { rationale: { text: rationale }, acknowledge: { ticked: fields.acknowledged ? ['accepted'] : [] } };
  const submitBody = viewSubmissionBody({ view, userId: fields.userId, userName: fields.userName, inputs });
  const submission = await post(submitBody, slackHeaders(submitBody));
  return { click, view, submission };
}
