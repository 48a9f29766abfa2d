import { IANAZone } from 'luxon';
import { z } from 'zod';
import { isActionId, type ActionId } from '../../domain/cards.ts';
import { decisionOf } from '../../domain/decisions.ts';
import type { Actor } from '../../domain/identity.ts';
import { isPageActionId } from '../../domain/page.ts';

/** The parts of Bot Framework activities we use, checked at the edge. */

const from = z.object({ id: z.string().min(1), name: z.string().optional(), aadObjectId: z.string().optional() });

const actionData = z.object({ runId: z.uuid(), verb: z.string().optional() });

/** A Teams user as a plan names them: by AAD object id when Teams gives one (it does for real users). */
export function actorOf(activity: { from?: unknown; localTimezone?: unknown }): Actor | null {
  const parsed = from.safeParse(activity.from);
  if (!parsed.success) return null;
  // Teams sends the user's IANA zone with each message: `--at 14:00` is read in it.
  const zone = typeof activity.localTimezone === 'string' && IANAZone.isValidZone(activity.localTimezone) ? activity.localTimezone : null;
  return { platform: 'teams', id: parsed.data.aadObjectId ?? parsed.data.id, name: parsed.data.name ?? parsed.data.id, ...(zone ? { zone } : {}) };
}

/**
 * "@Flightdeck deploy start api 1.4.2" (mention already removed) → "start api 1.4.2".
 * The command word is optional in a personal chat, and Teams' command list inserts it.
 */
export function commandText(text: string): string {
  return text
    .replace(/<at>[^<]*<\/at>/g, '')
    .replace(/&nbsp;/g, ' ')
    .trim()
    .replace(/^\/?deploy\b\s*/i, '');
}

export const MAX_RATIONALE = 2_000;

/** The ids of a decision form's inputs: one card holds three forms (GO, NO-GO, DEFER), and input ids must be unique in a card. */
export function decisionInputIds(action: ActionId): { rationale: string; acknowledged: string } {
  return { rationale: `${action}.rationale`, acknowledged: `${action}.acknowledged` };
}

/** Teams merges a form's input values into the action's data, by input id; a toggle's value is its valueOn / valueOff. */
const decisionInputs = z.object({
  rationale: z.string().max(MAX_RATIONALE).optional(),
  acknowledged: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
});

export interface CardAction {
  action: ActionId;
  runId: string;
  rationale: string | null;
  /** Present when the GO form had the CONDITIONAL acknowledgement toggle. */
  acknowledged?: boolean;
}

/** A click on an Action.Execute (invoke) or its Action.Submit fallback (a message carrying `value`), with the decision form's inputs. */
export function parseCardAction(verb: string | undefined, data: unknown): CardAction | { error: string } {
  const parsed = actionData.safeParse(data);
  const action = verb ?? (parsed.success ? parsed.data.verb : undefined);
  if (!action || !isActionId(action)) return { error: 'That button is not one of Flightdeck’s.' };
  if (!parsed.success) return { error: 'That button does not name a run.' };
  if (!decisionOf(action)) return { action, runId: parsed.data.runId, rationale: null };
  const ids = decisionInputIds(action);
  const given = data as Record<string, unknown>;
  const inputs = decisionInputs.safeParse({ rationale: given[ids.rationale], acknowledged: given[ids.acknowledged] });
  if (!inputs.success) return { error: `That form did not arrive as Flightdeck sent it; a rationale may be at most ${MAX_RATIONALE} characters.` };
  const { rationale, acknowledged } = inputs.data;
  return {
    action,
    runId: parsed.data.runId,
    rationale: rationale?.trim() || null,
    ...(acknowledged === undefined ? {} : { acknowledged: acknowledged === true || acknowledged === 'true' }),
  };
}

const pageActionData = z.object({ pageId: z.uuid() });

/** A click on a page's Acknowledge button, or null when the click is not a page button at all. */
export function parsePageAction(verb: string | undefined, data: unknown): { pageId: string } | { error: string } | null {
  const action = verb ?? (data && typeof data === 'object' && 'verb' in data ? String(data.verb) : undefined);
  if (!action || !isPageActionId(action)) return null;
  const parsed = pageActionData.safeParse(data);
  return parsed.success ? { pageId: parsed.data.pageId } : { error: 'That button does not name a page.' };
}

/** A channel thread's conversation id carries ";messageid=…"; plans name the channel itself. */
export function channelOf(conversationId: string): string {
  return conversationId.split(';')[0]!;
}
