import { z } from 'zod';
import { isActionId, type ActionId } from '../../domain/cards.ts';
import type { Actor } from '../../domain/identity.ts';
import { isPageActionId } from '../../domain/page.ts';

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
  container: z.object({ channel_id: z.string().optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).min(1),
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
  channel: string;
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
  const { user, actions, channel, container } = parsed.data;
  const [action] = actions;
  if (!action || !isActionId(action.action_id)) return { error: 'That button is not one of Flightdeck’s.' };
  if (!action.value || !RUN_ID.test(action.value)) return { error: 'That button does not name a run.' };
  const channelId = channel?.id ?? container?.channel_id;
  if (!channelId) return { error: 'That click did not say which channel it came from.' };
  return { actor: { platform: 'slack', id: user.id, name: user.username ?? user.name ?? user.id }, action: action.action_id, runId: action.value, channel: channelId };
}

/** A click on a page's Acknowledge button (in a direct message or the channel): its value is the page's uuid. */
export function parsePageAction(body: unknown): Parsed<{ actor: Actor; pageId: string }> {
  const parsed = blockAction.safeParse(body);
  if (!parsed.success) return { error: 'That click arrived without the fields Slack always sends.' };
  const { user, actions } = parsed.data;
  const [action] = actions;
  if (!action || !isPageActionId(action.action_id)) return { error: 'That button is not one of Flightdeck’s.' };
  if (!action.value || !RUN_ID.test(action.value)) return { error: 'That button does not name a page.' };
  return { actor: { platform: 'slack', id: user.id, name: user.username ?? user.name ?? user.id }, pageId: action.value };
}

/** Where to answer a click privately, even one that did not parse: the clicker, in the channel it came from. */
export function clickReplyTarget(body: unknown): { channel: string; user: string } | null {
  const parsed = z
    .object({ user: z.object({ id: z.string().min(1) }), channel: z.object({ id: z.string().min(1) }).optional(), container: z.object({ channel_id: z.string().min(1) }).optional() })
    .safeParse(body);
  if (!parsed.success) return null;
  const channel = parsed.data.channel?.id ?? parsed.data.container?.channel_id;
  return channel ? { channel, user: parsed.data.user.id } : null;
}
