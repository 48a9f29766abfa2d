import type { Mention } from './identity.ts';
import type { PageActionId } from './page.ts';
import type { DecisionKind } from './run-types.ts';

/**
 * Message content as platform-neutral data. Each chat adapter has one pure renderer
 * (Block Kit, Adaptive Card, plain text) from this model. What a button does before it acts (asks
 * to confirm, opens a form) is part of the model, decided where the card is built; renderers only
 * draw it (the shape of vercel/chat's cards).
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
  /** Asked once more before the click counts (people mis-tap on phones): Slack's confirm dialog, a Teams ShowCard. */
  confirm?: Confirm;
  /** The inputs the click carries (the Go/No-Go form): Slack opens it as a modal, Teams as a ShowCard, the shell as words to type. */
  form?: DecisionForm;
}

export interface Confirm {
  title: string;
  text: string;
  /** The button that goes ahead, and the one that keeps things as they are. */
  confirm: string;
  deny: string;
}

/** What a Go/No-Go decision asks for (domain/decision-facts.ts builds it for a run). */
export interface DecisionForm {
  decision: DecisionKind;
  /** NO-GO and DEFER stop the run, so the requester and the audit trail are told why; a GO may say why (domain/decisions.ts). */
  rationale: 'required' | 'optional';
  /** What the rationale input says under it. */
  rationaleHint: string;
  /** The CONDITIONAL items a GO accepts (the approver ticks a box), or null when there is nothing to accept. */
  acknowledge: { name: string; summary: string; critical: boolean; points: number }[] | null;
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
