import { type Card, type Text } from '../../domain/cards.ts';

/** Card → terminal text. Mentions show as @person; buttons show as the words to type. */
export function cardToText(card: Card): string {
  const lines = [`┃ ${card.title}`];
  for (const paragraph of card.body) lines.push(`┃ ${inline(paragraph)}`);
  for (const field of card.fields) lines.push(`┃   ${field.label}: ${inline(field.value)}`);
  if (card.buttons.length) lines.push(`┃ [ ${card.buttons.map((button) => button.label).join(' ] [ ')} ]  ← type ${card.buttons.map((button) => button.label.toLowerCase().replace(/ /g, '-')).join(' / ')}`);
  if (card.context) lines.push(`┃ ${inline(card.context)}`);
  return lines.join('\n');
}

function inline(text: Text): string {
  return text.map((part) => (typeof part === 'string' ? part : `@${part.mention.ids.shell ?? part.mention.name}`)).join('');
}
