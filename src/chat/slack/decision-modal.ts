import type { InputBlock, KnownBlock, ModalView, PlainTextElement } from '@slack/types';
import type { ActionId } from '../../domain/cards.ts';
import { ACKNOWLEDGE_LABEL, decisionFactsCard, decisionForm, overrideForm } from '../../domain/decision-facts.ts';
import { actionOf, decisionLabel } from '../../domain/decisions.ts';
import type { DecisionKind, Run } from '../../domain/run.ts';
import { cardToBlocks, cut, escapeMrkdwn, LIMITS } from './render.ts';

/**
 * The Go/No-Go form as a Slack modal, pure: the facts the approver decides from (rendered like any
 * card), then the inputs. private_metadata carries what the submission needs to act and answer.
 */
export const DECISION_CALLBACK_ID = 'run.decision';
/** Block ids double as action ids: the submission's state is keyed by both. */
export const DECISION_INPUTS = { rationale: 'rationale', acknowledge: 'acknowledge' } as const;
export const ACKNOWLEDGED_VALUE = 'accepted';

const VIEW = { title: 24, button: 24, metadata: 3_000, rationale: 2_000 } as const;

/** What the submission reads back: which run, which decision, and where to answer the approver privately (null: the App Home, answered in the modal). */
export interface DecisionMetadata {
  runId: string;
  action: ActionId;
  channel: string | null;
}

/** `overriding`: what an admin's GO would override (a lock, a freeze; app/on-action.ts decisionFormFor), or null. */
export function decisionModal(run: Run, decision: DecisionKind, channel: string | null, overriding: string | null = null): ModalView {
  const plainForm = decisionForm(run, decision);
  const form = overriding ? overrideForm(plainForm) : plainForm;
  const label = decisionLabel(decision);
  const facts = cardToBlocks(decisionFactsCard(run, decision, overriding)).blocks;
  const rationale: InputBlock = {
    type: 'input',
    block_id: DECISION_INPUTS.rationale,
    optional: form.rationale === 'optional',
    label: plain(form.rationale === 'optional' ? 'Rationale (optional)' : overriding ? 'Why override? (required)' : `Why ${label}? (required)`),
    hint: plain(form.rationaleHint),
    element: { type: 'plain_text_input', action_id: DECISION_INPUTS.rationale, multiline: true, max_length: VIEW.rationale },
  };
  const inputs: KnownBlock[] = [rationale];
  if (form.acknowledge) {
    inputs.unshift({
      type: 'input',
      block_id: DECISION_INPUTS.acknowledge,
      // Slack asks for the tick before it submits; the domain refuses an unacknowledged GO anyway.
      optional: false,
      label: plain(`CONDITIONAL: ${form.acknowledge.length} item${form.acknowledge.length === 1 ? '' : 's'} failed`),
      hint: plain('A GO on a CONDITIONAL run accepts the failing items listed above.'),
      element: { type: 'checkboxes', action_id: DECISION_INPUTS.acknowledge, options: [{ text: plain(ACKNOWLEDGE_LABEL), value: ACKNOWLEDGED_VALUE }] },
    });
  }
  const metadata: DecisionMetadata = { runId: run.id, action: actionOf(decision), channel };
  return {
    type: 'modal',
    callback_id: DECISION_CALLBACK_ID,
    private_metadata: cut(JSON.stringify(metadata), VIEW.metadata),
    title: plain(cut(`${label} on ${run.key}`, VIEW.title)),
    submit: plain(cut(`Record ${label}`, VIEW.button)),
    close: plain('Cancel'),
    blocks: [...facts, { type: 'divider' }, ...inputs],
  };
}

/** The form's answer when its decision may or may not have been saved (the database connection was lost under it). */
export function notConfirmedView(reason: string): ModalView {
  return closingView('Not confirmed', reason, "The run's status message shows whether the decision was recorded.");
}

/** What replaces the form when a submission is refused for a reason no input can fix (decided already, not an approver, …). */
export function notRecordedView(runKey: string | null, reason: string): ModalView {
  return closingView('Not recorded', reason, `Nothing was changed${runKey ? ` on ${runKey}` : ''}. The run's status message shows where it stands.`);
}

/** A modal that only tells: the reason, and a line of what it means for the run. */
function closingView(title: string, reason: string, meaning: string): ModalView {
  return {
    type: 'modal',
    title: plain(title),
    close: plain('Close'),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: cut(escapeMrkdwn(reason), LIMITS.section) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(meaning) }] },
    ],
  };
}

function plain(text: string): PlainTextElement {
  return { type: 'plain_text', text, emoji: true };
}

/** An answer shown in a modal: to a click in the App Home, which has no channel to answer in privately. */
export function answerView(title: string, message: string): ModalView {
  return {
    type: 'modal',
    title: plain(cut(title, VIEW.title)),
    close: plain('Close'),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: cut(escapeMrkdwn(message), LIMITS.section) } }],
  };
}
