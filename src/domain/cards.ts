import type { Mention } from './identity.ts';
import type { PageActionId } from './page.ts';

/**
 * Message content as platform-neutral data. Each chat adapter has one pure renderer
 * (Block Kit, Adaptive Card, plain text) from this model.
 */

/** A run of text; mentions are resolved by the renderer for its platform. */
export type Inline = string | { mention: Mention };
export type Text = Inline[];

export type Tone = 'info' | 'good' | 'warning' | 'danger';

export interface Field {
  label: string;
  value: Text;
}

export interface Button {
  action: ActionId | PageActionId;
  label: string;
  /** What the click acts on: the run's uuid, or the page's for a page button. */
  value: string;
  style?: 'primary' | 'danger';
}

export interface Card {
  title: string;
  tone: Tone;
  /** Paragraphs, in order. */
  body: Text[];
  fields: Field[];
  buttons: Button[];
  /** Small print under the card: who, when, run id. */
  context: Text | null;
}

export const ACTIONS = {
  go: 'run.go',
  noGo: 'run.no_go',
  defer: 'run.defer',
  rollback: 'run.rollback',
  promote: 'run.promote',
  hold: 'run.hold',
  resume: 'run.resume',
} as const;
export type ActionId = (typeof ACTIONS)[keyof typeof ACTIONS];
export const ACTION_IDS: readonly ActionId[] = Object.values(ACTIONS);

export function isActionId(value: string): value is ActionId {
  return (ACTION_IDS as readonly string[]).includes(value);
}

export function card(partial: Partial<Card> & Pick<Card, 'title'>): Card {
  return { tone: 'info', body: [], fields: [], buttons: [], context: null, ...partial };
}

/** Plain text of a Text, mentions by name: for logs, fallbacks and notifications. */
export function plain(text: Text): string {
  return text.map((part) => (typeof part === 'string' ? part : `@${part.mention.name}`)).join('');
}
