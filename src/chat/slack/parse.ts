import { z } from 'zod';
import { isActionId, type ActionId } from '../../domain/cards.ts';
import type { Actor } from '../../domain/identity.ts';
import { isPageActionId } from '../../domain/page.ts';
import { ACKNOWLEDGED_VALUE, DECISION_CALLBACK_ID, DECISION_INPUTS, type DecisionMetadata } from './decision-modal.ts';

/** The parts of Slack's payloads we use, checked at the edge; everything else Slack sends is ignored. */

const slashCommand = z.object({
  command: z.string().min(1),
  text: z.string().default(''),
  user_id: z.string().min(1),
  user_name: z.string().min(1),
  channel_id: z.string().min(1),
  trigger_id: z.string().min(1),
  team_id: z.string().optional(),
  response_url: z.string().optional(),
});

const blockAction = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  channel: z.object({ id: z.string().min(1) }).optional(),
  /** `type: 'view'` for a click in a view: the App Home (no channel) or a modal. */
  container: z.object({ type: z.string().optional(), channel_id: z.string().optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).min(1),
  trigger_id: z.string().min(1).optional(),
});

/** Our buttons carry the run's uuid; anything else is refused before it reaches a uuid column. */
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SlashCommand {
  actor: Actor;
  text: string;
  /** Slack's trigger_id is unique per invocation: a retried delivery carries the same one. */
  requestKey: string;
  channel: string;
}

export interface BlockAction {
  actor: Actor;
  action: ActionId;
  runId: string;
  /** Where the button was; null for a click in the App Home, which has no channel (the answer goes in a modal). */
  channel: string | null;
  /** Opens a modal within three seconds of the click; Slack always sends it with a button click. */
  triggerId: string | null;
}

export type Parsed<T> = T | { error: string };

export function parseSlashCommand(body: unknown): Parsed<SlashCommand> {
  const parsed = slashCommand.safeParse(body);
  if (!parsed.success) return { error: 'That command arrived without the fields Slack always sends.' };
  const { user_id, user_name, text, trigger_id, channel_id } = parsed.data;
  return { actor: { platform: 'slack', id: user_id, name: user_name }, text: text.trim(), requestKey: `slack:${trigger_id}`, channel: channel_id };
}

export function parseBlockAction(body: unknown): Parsed<BlockAction> {
  const parsed = blockAction.safeParse(body);
  if (!parsed.success) return { error: 'That click arrived without the fields Slack always sends.' };
  const { user, actions, channel, container, trigger_id } = parsed.data;
  const [action] = actions;
  if (!action || !isActionId(action.action_id)) return { error: 'That button is not one of Flightdeck’s.' };
  if (!action.value || !RUN_ID.test(action.value)) return { error: 'That button does not name a run.' };
  const channelId = channel?.id ?? container?.channel_id ?? null;
  if (!channelId && container?.type !== 'view') return { error: 'That click did not say which channel it came from.' };
  return { actor: actorOf(user), action: action.action_id, runId: action.value, channel: channelId, triggerId: trigger_id ?? null };
}

function actorOf(user: { id: string; username?: string | undefined; name?: string | undefined }): Actor {
  return { platform: 'slack', id: user.id, name: user.username ?? user.name ?? user.id };
}

/** One input's state in a view submission: a text input's value (null when left empty), or a checkbox group's ticked options. */
const inputState = z.object({ value: z.string().nullish(), selected_options: z.array(z.object({ value: z.string() })).nullish() });

const decisionSubmission = z.object({
  type: z.literal('view_submission'),
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  view: z.object({
    callback_id: z.literal(DECISION_CALLBACK_ID),
    private_metadata: z.string(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), inputState)) }),
  }),
});

const decisionMetadata = z.object({
  runId: z.string().regex(RUN_ID),
  action: z.string().refine(isActionId),
  channel: z.string().min(1).nullable(),
});

export interface DecisionSubmission extends DecisionMetadata {
  actor: Actor;
  rationale: string | null;
  /** Absent when the form had no acknowledgement box (nothing CONDITIONAL to accept). */
  acknowledged?: boolean;
  /** The form's input blocks, so a refusal is shown only on an input the form has. */
  inputs: string[];
}

/** The Go/No-Go modal submitted: who, which run and decision (private_metadata), the rationale and the acknowledgement box. */
export function parseDecisionSubmission(body: unknown): Parsed<DecisionSubmission> {
  const parsed = decisionSubmission.safeParse(body);
  if (!parsed.success) return { error: 'That form arrived without the fields Slack always sends.' };
  const { user, view } = parsed.data;
  const metadata = decisionMetadata.safeParse(safeJson(view.private_metadata));
  if (!metadata.success) return { error: 'That form does not name a run and a decision.' };
  const values = view.state.values;
  const rationale = values[DECISION_INPUTS.rationale]?.[DECISION_INPUTS.rationale]?.value?.trim() || null;
  const box = values[DECISION_INPUTS.acknowledge]?.[DECISION_INPUTS.acknowledge];
  return {
    actor: actorOf(user),
    runId: metadata.data.runId,
    action: metadata.data.action as ActionId,
    channel: metadata.data.channel,
    rationale,
    ...(box ? { acknowledged: (box.selected_options ?? []).some((option) => option.value === ACKNOWLEDGED_VALUE) } : {}),
    inputs: Object.keys(values),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A click on a page's Acknowledge button (in a direct message or the channel): its value is the page's uuid. */
export function parsePageAction(body: unknown): Parsed<{ actor: Actor; pageId: string }> {
  const parsed = blockAction.safeParse(body);
  if (!parsed.success) return { error: 'That click arrived without the fields Slack always sends.' };
  const { user, actions } = parsed.data;
  const [action] = actions;
  if (!action || !isPageActionId(action.action_id)) return { error: 'That button is not one of Flightdeck’s.' };
  if (!action.value || !RUN_ID.test(action.value)) return { error: 'That button does not name a page.' };
  return { actor: actorOf(user), pageId: action.value };
}

/** Where to answer a click privately, even one that did not parse: the clicker, in the channel it came from. */
export function clickReplyTarget(body: unknown): { channel: string; user: string } | null {
  const parsed = z
    .object({
      user: z.object({ id: z.string().min(1) }),
      channel: z.object({ id: z.string().min(1) }).optional(),
      container: z.object({ channel_id: z.string().min(1) }).optional(),
    })
    .safeParse(body);
  if (!parsed.success) return null;
  const channel = parsed.data.channel?.id ?? parsed.data.container?.channel_id;
  return channel ? { channel, user: parsed.data.user.id } : null;
}

/** A click in a view with no channel (the App Home): the clicker, and the trigger_id a modal answer opens with. */
export function homeClickOf(body: unknown): { user: string; triggerId: string } | null {
  const parsed = z
    .object({
      user: z.object({ id: z.string().min(1) }),
      container: z.object({ type: z.literal('view'), channel_id: z.string().optional() }),
      channel: z.object({ id: z.string() }).nullish(),
      trigger_id: z.string().min(1),
    })
    .safeParse(body);
  if (!parsed.success || parsed.data.channel || parsed.data.container.channel_id) return null;
  return { user: parsed.data.user.id, triggerId: parsed.data.trigger_id };
}

const homeOpened = z.object({
  type: z.literal('app_home_opened'),
  user: z.string().min(1),
  /** `home` or `messages`: Slack sends the event for both tabs; only the Home tab shows a view. */
  tab: z.string().optional(),
});

/** The Events API's app_home_opened: who opened which tab. */
export function parseHomeOpened(event: unknown): Parsed<{ actor: Actor; tab: string | null }> {
  const parsed = homeOpened.safeParse(event);
  if (!parsed.success) return { error: 'That app_home_opened event arrived without the fields Slack always sends.' };
  return { actor: { platform: 'slack', id: parsed.data.user, name: parsed.data.user }, tab: parsed.data.tab ?? null };
}
