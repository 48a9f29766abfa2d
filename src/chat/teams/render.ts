import type { ActionId, Button, Card, DecisionForm, Text } from '../../domain/cards.ts';
import { ACKNOWLEDGE_LABEL } from '../../domain/decision-facts.ts';
import { decisionLabel } from '../../domain/decisions.ts';
import { isPageActionId } from '../../domain/page.ts';
import type { Reply } from '../../app/shared/replies.ts';
import { cutText } from '../cut.ts';
import { decisionInputIds, MAX_RATIONALE } from './parse.ts';

/**
 * Card → Adaptive Card 1.5, pure. Buttons are Action.Execute (Universal Actions: the clicked
 * card can be replaced for everyone) with an Action.Submit fallback for older clients. Teams
 * refuses messages over ~100 KB; text is cut so a card stays well under MAX_CARD_BYTES.
 */
export const ADAPTIVE_CARD_VERSION = '1.5';
export const MAX_CARD_BYTES = 80_000;
const MAX_TEXT = 4_000;
export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

type Json = Record<string, unknown>;

interface MentionEntity {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}

const TONE_COLOR = { info: 'Default', good: 'Good', warning: 'Warning', danger: 'Attention' } as const;

/** At most `max` UTF-16 units, never through an emoji (chat/cut.ts). */
function cut(text: string, max = MAX_TEXT): string {
  return cutText(text, max);
}

/** Text with Teams mentions: `<at>name</at>` in the text plus an entity naming who it is. */
function inline(text: Text, entities: MentionEntity[]): string {
  return text
    .map((part) => {
      if (typeof part === 'string') return part;
      const id = part.mention.ids.teams;
      if (!id) return `@${part.mention.name}`;
      const tag = `<at>${part.mention.name}</at>`;
      if (!entities.some((entity) => entity.mentioned.id === id)) entities.push({ type: 'mention', text: tag, mentioned: { id, name: part.mention.name } });
      return tag;
    })
    .join('');
}

export function cardToAdaptiveCard(card: Card): Json {
  const entities: MentionEntity[] = [];
  const body: Json[] = [{ type: 'TextBlock', text: cut(card.title, 300), weight: 'Bolder', size: 'Medium', wrap: true, color: TONE_COLOR[card.tone] }];
  for (const paragraph of card.body) body.push({ type: 'TextBlock', text: cut(inline(paragraph, entities)), wrap: true });
  if (card.fields.length)
    body.push({ type: 'FactSet', facts: card.fields.map((field) => ({ title: cut(field.label, 200), value: cut(inline(field.value, entities)) })) });
  if (card.context) body.push({ type: 'TextBlock', text: cut(inline(card.context, entities)), wrap: true, isSubtle: true, size: 'Small' });
  const adaptive: Json = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: ADAPTIVE_CARD_VERSION,
    body,
    ...(card.buttons.length ? { actions: card.buttons.map(action) } : {}),
    ...(entities.length ? { msteams: { entities, width: 'Full' } } : { msteams: { width: 'Full' } }),
  };
  return fitToSize(adaptive);
}

function execute(button: Button, title: string): Json {
  const data = isPageActionId(button.action) ? { pageId: button.value } : { runId: button.value };
  return {
    type: 'Action.Execute',
    title,
    verb: button.action,
    data,
    ...(button.style ? { style: button.style === 'primary' ? 'positive' : 'destructive' } : {}),
    fallback: { type: 'Action.Submit', title, data: { ...data, verb: button.action } },
  };
}

function action(button: Button): Json {
  // A confirmation opens under the card first; its one action is the real click.
  if (button.confirm) {
    return {
      type: 'Action.ShowCard',
      title: button.label,
      card: {
        type: 'AdaptiveCard',
        version: ADAPTIVE_CARD_VERSION,
        body: [{ type: 'TextBlock', text: cut(`${button.confirm.title} ${button.confirm.text}`), wrap: true }],
        actions: [execute(button, `Yes, ${button.confirm.confirm.toLowerCase()}`)],
      },
    };
  }
  if (button.form) return decisionForm(button, button.form);
  return execute(button, button.label);
}

/**
 * GO / NO-GO / DEFER open a small form under the card: the rationale (required for NO-GO and DEFER,
 * checked by Teams before it sends) and, for GO on a CONDITIONAL run, the items and a toggle accepting them.
 * Teams sends the inputs' values in the Action.Execute's data, keyed by input id.
 */
function decisionForm(button: Button, form: DecisionForm): Json {
  const ids = decisionInputIds(button.action as ActionId);
  const label = decisionLabel(form.decision);
  const required = form.rationale === 'required';
  const body: Json[] = [];
  if (form.acknowledge) {
    const items = form.acknowledge.map((item) => `- ${item.name}: ${item.summary}`).join('\n');
    body.push({ type: 'TextBlock', text: cut(`CONDITIONAL: these items failed, and a GO accepts them:\n${items}`), wrap: true });
    body.push({ type: 'Input.Toggle', id: ids.acknowledged, title: ACKNOWLEDGE_LABEL, valueOn: 'true', valueOff: 'false', wrap: true });
  }
  body.push({
    type: 'Input.Text',
    id: ids.rationale,
    label: required ? `Why ${label}? (required)` : 'Rationale (optional)',
    placeholder: form.rationaleHint,
    isMultiline: true,
    maxLength: MAX_RATIONALE,
    isRequired: required,
    ...(required ? { errorMessage: `Please say why: a ${label} needs a rationale.` } : {}),
  });
  return {
    type: 'Action.ShowCard',
    title: button.label,
    ...(button.style ? { style: button.style === 'primary' ? 'positive' : 'destructive' } : {}),
    card: { type: 'AdaptiveCard', version: ADAPTIVE_CARD_VERSION, body, actions: [execute(button, `Record ${label}`)] },
  };
}

/** Drops body blocks before the last until the card fits: a card Teams refuses helps nobody. */
function fitToSize(card: Json): Json {
  const body = card.body as Json[];
  let dropped = 0;
  while (Buffer.byteLength(JSON.stringify(card)) > MAX_CARD_BYTES && body.length > 2) {
    body.splice(body.length - 2, 1);
    dropped += 1;
  }
  if (dropped) body.splice(body.length - 1, 0, { type: 'TextBlock', text: `…${dropped} more blocks not shown`, isSubtle: true, wrap: true });
  return card;
}

export function cardAttachment(card: Card): { contentType: string; content: Json } {
  return { contentType: CARD_CONTENT_TYPE, content: cardToAdaptiveCard(card) };
}

/** A use case's answer as a Teams message: text, or a card. */
export function replyActivity(reply: Reply): { type: 'message'; text?: string; attachments?: { contentType: string; content: Json }[] } {
  if (reply.kind === 'text') return { type: 'message', text: cut(reply.text) };
  return { type: 'message', attachments: [cardAttachment(reply.card)] };
}
