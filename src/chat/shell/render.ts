import { type Button, type Card, type Text } from '../../domain/cards.ts';

/** Card → terminal text. Mentions show as @person; buttons show as the words to type. */
export function cardToText(card: Card): string {
  const lines = [`┃ ${card.title}`];
  for (const paragraph of card.body) lines.push(`┃ ${inline(paragraph)}`);
  for (const field of card.fields) lines.push(`┃   ${field.label}: ${inline(field.value)}`);
  if (card.buttons.length) lines.push(`┃ [ ${card.buttons.map((button) => button.label).join(' ] [ ')} ]  ← type ${card.buttons.map(typed).join(' / ')}`);
  if (card.context) lines.push(`┃ ${inline(card.context)}`);
  return lines.join('\n');
}

/** The words that press a button; a decision's words say what its form asks for. */
function typed(button: Button): string {
  const word = button.label.toLowerCase().replace(/ /g, '-');
  const form = button.form;
  if (!form) return word;
  return `${word}${form.acknowledge ? ' --ack' : ''} ${form.rationale === 'required' ? '<why>' : '[why]'}`;
}

function inline(text: Text): string {
  return text.map((part) => (typeof part === 'string' ? part : `@${part.mention.ids.shell ?? part.mention.name}`)).join('');
}
