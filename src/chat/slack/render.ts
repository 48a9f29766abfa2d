import type { ActionsBlock, Button as SlackButton, ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import { ACTIONS, plain, type Button, type Card, type Text } from '../../domain/cards.ts';
import type { Reply } from '../../app/replies.ts';

/**
 * Card → Block Kit, pure. Slack has no runtime validator, so its limits are enforced here:
 * anything longer is cut with an ellipsis rather than sent as a message Slack would refuse.
 */
export const LIMITS = { blocks: 50, header: 150, section: 3_000, fields: 10, field: 2_000, buttonText: 75, buttonValue: 2_000, actionsPerBlock: 25, fallback: 3_000 } as const;

export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Escapes what mrkdwn would read as markup; mentions are added after escaping, so they stay live. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function mentionText(text: Text): string {
  return text.map((part) => (typeof part === 'string' ? escape(part) : part.mention.ids.slack ? `<@${part.mention.ids.slack}>` : `@${escape(part.mention.name)}`)).join('');
}

export function cardToBlocks(card: Card): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: cut(card.title, LIMITS.header), emoji: true } } satisfies HeaderBlock];
  for (const paragraph of card.body) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(mentionText(paragraph), LIMITS.section) } } satisfies SectionBlock);
  }
  for (let i = 0; i < card.fields.length; i += LIMITS.fields) {
    const fields = card.fields.slice(i, i + LIMITS.fields).map((field) => ({ type: 'mrkdwn' as const, text: cut(`*${escape(field.label)}*\n${mentionText(field.value)}`, LIMITS.field) }));
    blocks.push({ type: 'section', fields } satisfies SectionBlock);
  }
  for (let i = 0; i < card.buttons.length; i += LIMITS.actionsPerBlock) {
    blocks.push({ type: 'actions', block_id: `actions-${i}`, elements: card.buttons.slice(i, i + LIMITS.actionsPerBlock).map(button) } satisfies ActionsBlock);
  }
  if (card.context) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(mentionText(card.context), LIMITS.section) }] } satisfies ContextBlock);
  const kept = blocks.length > LIMITS.blocks ? [...blocks.slice(0, LIMITS.blocks - 1), truncatedNotice(blocks.length - LIMITS.blocks + 1)] : blocks;
  return { text: cut(card.title, LIMITS.fallback), blocks: kept };
}

function button(spec: Button): SlackButton {
  const element: SlackButton = {
    type: 'button',
    action_id: spec.action,
    text: { type: 'plain_text', text: cut(spec.label, LIMITS.buttonText), emoji: true },
    value: cut(spec.value, LIMITS.buttonValue),
    ...(spec.style ? { style: spec.style } : {}),
  };
  // People mis-tap on phones: rolling back production asks once more, in Slack's own dialog.
  if (spec.action === ACTIONS.rollback) {
    element.confirm = {
      title: { type: 'plain_text', text: 'Roll back this run?' },
      text: { type: 'mrkdwn', text: 'Production traffic goes back to the previous version, and on-call is paged.' },
      confirm: { type: 'plain_text', text: 'Roll back' },
      deny: { type: 'plain_text', text: 'Keep it' },
      style: 'danger',
    };
  }
  return element;
}

function truncatedNotice(hidden: number): ContextBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: `…${hidden} more blocks not shown` }] };
}

/** An answer shown only to the person who asked (the slash command's ack, or postEphemeral). */
export function replyToSlack(reply: Reply): { text: string; blocks?: KnownBlock[] } {
  if (reply.kind === 'text') return { text: cut(reply.text, LIMITS.fallback) };
  const rendered = cardToBlocks(reply.card);
  return { text: cut(`${reply.card.title}\n${reply.card.body.map(plain).join('\n')}`, LIMITS.fallback), blocks: rendered.blocks };
}
