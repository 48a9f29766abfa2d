import type { ActionsBlock, Button as SlackButton, ContextBlock, HeaderBlock, HomeView, KnownBlock, SectionBlock } from '@slack/types';
import { plain, type Button, type Card, type Text } from '../../domain/cards.ts';
import type { Reply } from '../../app/shared/replies.ts';
import { cutText } from '../cut.ts';

/**
 * Card → Block Kit, pure. Slack has no runtime validator, so its limits are enforced here:
 * anything longer is cut with an ellipsis rather than sent as a message Slack would refuse.
 */
export const LIMITS = {
  blocks: 50,
  /** A Home tab (like a modal) takes 100. */
  homeBlocks: 100,
  header: 150,
  section: 3_000,
  fields: 10,
  field: 2_000,
  buttonText: 75,
  buttonValue: 2_000,
  actionsPerBlock: 25,
  fallback: 3_000,
  /** chat.postMessage truncates `text` at 40,000 characters; stay under it. */
  message: 39_000,
} as const;

const ELLIPSIS = '…';

/** Cuts to at most `max` UTF-16 units, ellipsis included, never through an emoji (chat/cut.ts). */
export const cut = cutText;

/** What mrkdwn reads as markup (links, mentions, `<!channel>`); user text must never ping or link by accident. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A plan's people list is typed by hand: only ids that look like Slack's become live mentions. */
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

function inlineParts(text: Text): { markup: string; raw: string | null }[] {
  return text.map((part) => {
    if (typeof part === 'string') return { markup: escapeMrkdwn(part), raw: part };
    const id = part.mention.ids.slack;
    return id && SLACK_USER_ID.test(id) ? { markup: `<@${id}>`, raw: null } : { markup: `@${escapeMrkdwn(part.mention.name)}`, raw: null };
  });
}

export function mentionText(text: Text): string {
  return inlineParts(text)
    .map((part) => part.markup)
    .join('');
}

/** mentionText within `max` characters: cuts inside plain text only, so no mention or `&amp;` is split in half. */
function mrkdwn(text: Text, max: number): string {
  const full = mentionText(text);
  if (full.length <= max) return full;
  const budget = max - ELLIPSIS.length;
  let out = '';
  for (const part of inlineParts(text)) {
    if (out.length + part.markup.length <= budget) {
      out += part.markup;
      continue;
    }
    for (const char of part.raw ?? '') {
      const escaped = escapeMrkdwn(char);
      if (out.length + escaped.length > budget) break;
      out += escaped;
    }
    break;
  }
  return out + ELLIPSIS;
}

export function cardToBlocks(card: Card): { text: string; blocks: KnownBlock[] } {
  const title = card.title.trim() || 'Flightdeck';
  const header: HeaderBlock = { type: 'header', text: { type: 'plain_text', text: cut(title, LIMITS.header), emoji: true } };
  const content: KnownBlock[] = [];
  // Slack refuses empty text objects, so empty paragraphs are left out rather than sent.
  for (const paragraph of card.body.filter((text) => mentionText(text).trim())) {
    content.push({ type: 'section', text: { type: 'mrkdwn', text: mrkdwn(paragraph, LIMITS.section) } } satisfies SectionBlock);
  }
  for (let i = 0; i < card.fields.length; i += LIMITS.fields) {
    const fields = card.fields.slice(i, i + LIMITS.fields).map((field) => ({ type: 'mrkdwn' as const, text: fieldText(field.label, field.value) }));
    content.push({ type: 'section', fields } satisfies SectionBlock);
  }
  const tail: KnownBlock[] = [];
  const actions = actionsBlock(card.buttons);
  if (actions) tail.push(actions);
  if (card.context && mentionText(card.context).trim()) {
    tail.push({ type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn(card.context, LIMITS.section) }] } satisfies ContextBlock);
  }
  // Over the block limit, the middle gives way: the title, the buttons and the small print always show.
  const room = LIMITS.blocks - 1 - tail.length;
  const kept = content.length <= room ? content : [...content.slice(0, room - 1), truncatedNotice(content.length - room + 1)];
  return { text: cut(escapeMrkdwn(title), LIMITS.fallback), blocks: [header, ...kept, ...tail] };
}

function fieldText(label: string, value: Text): string {
  const heading = `*${escapeMrkdwn(cut(label, 100))}*\n`;
  return heading + mrkdwn(value, LIMITS.field - heading.length);
}

/** One actions block; Slack refuses two buttons with the same action_id in a block, so the first of each wins. */
function actionsBlock(buttons: Button[]): ActionsBlock | null {
  const seen = new Set<string>();
  const unique = buttons.filter((spec) => !seen.has(spec.action) && seen.add(spec.action));
  if (unique.length === 0) return null;
  return { type: 'actions', block_id: 'run-actions', elements: unique.slice(0, LIMITS.actionsPerBlock).map(button) };
}

function button(spec: Button): SlackButton {
  const element: SlackButton = {
    type: 'button',
    action_id: spec.action,
    text: { type: 'plain_text', text: cut(spec.label.trim() || spec.action, LIMITS.buttonText), emoji: true },
    value: cut(spec.value, LIMITS.buttonValue),
    ...(spec.style ? { style: spec.style } : {}),
  };
  // Slack's confirm dialog: title ≤ 100, text ≤ 300, buttons ≤ 30 characters.
  if (spec.confirm) {
    element.confirm = {
      title: { type: 'plain_text', text: cut(spec.confirm.title, 100) },
      text: { type: 'mrkdwn', text: cut(escapeMrkdwn(spec.confirm.text), 300) },
      confirm: { type: 'plain_text', text: cut(spec.confirm.confirm, 30) },
      deny: { type: 'plain_text', text: cut(spec.confirm.deny, 30) },
      ...(spec.style === 'danger' ? { style: 'danger' as const } : {}),
    };
  }
  return element;
}

function truncatedNotice(hidden: number): ContextBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: `…${hidden} more blocks not shown` }] };
}

/**
 * A person's App Home (domain/messages/home-view.ts) as a Home tab view: the cards in order, a divider
 * between them. Over 100 blocks, whole cards give way from the end and one line counts them, so no card
 * is shown in half. Each card's buttons get their own block_id: Slack refuses a view with two alike.
 */
export function homeToSlack(cards: readonly Card[]): HomeView {
  const drawn = cards.map((home, index) =>
    cardToBlocks(home).blocks.map((block) => (block.type === 'actions' ? { ...block, block_id: `home-${index}-actions` } : block)),
  );
  const blocks: KnownBlock[] = [];
  for (const [index, card] of drawn.entries()) {
    const next: KnownBlock[] = index ? [{ type: 'divider' }, ...card] : card;
    const more = drawn.length - index - 1;
    // Room is kept for the line that counts what is left out.
    const room = LIMITS.homeBlocks - (more > 0 ? 1 : 0);
    if (blocks.length + next.length > room) {
      const hidden = drawn.length - index;
      blocks.push({
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `…and ${hidden} more not shown (a Home tab holds ${LIMITS.homeBlocks} blocks): /deploy status lists every run.` }],
      });
      break;
    }
    blocks.push(...next);
  }
  return { type: 'home', blocks };
}

/** An answer shown only to the person who asked (the slash command's ack, or postEphemeral). */
export function replyToSlack(reply: Reply): { text: string; blocks?: KnownBlock[] } {
  if (reply.kind === 'text') return { text: cut(escapeMrkdwn(reply.text), LIMITS.fallback) };
  const rendered = cardToBlocks(reply.card);
  return { text: cut(escapeMrkdwn([reply.card.title, ...reply.card.body.map(plain)].join('\n')), LIMITS.fallback), blocks: rendered.blocks };
}

/**
 * The markdown our messages use (the deployment report: `#` headings, `**bold**`, tables) as Slack mrkdwn,
 * escaped first, so step output can never ping `<!channel>`.
 */
export function markdownToMrkdwn(markdown: string): string {
  const lines: string[] = [];
  let inTable = false;
  for (const line of escapeMrkdwn(markdown).split('\n')) {
    const tableRow = line.trimStart().startsWith('|');
    if (tableRow !== inTable) lines.push('```');
    inTable = tableRow;
    if (tableRow) lines.push(line);
    else lines.push(line.replace(/^#{1,6}\s+(.*)$/, '*$1*').replace(/\*\*(.+?)\*\*/g, '*$1*'));
  }
  if (inTable) lines.push('```');
  return cut(lines.join('\n'), LIMITS.message);
}
