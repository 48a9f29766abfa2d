import { isConnectionLost } from '../../store/errors.ts';
import type { Card } from '../../domain/cards.ts';

/** What a use case answers the person who asked: shown only to them where the platform can. */
export type Reply = { kind: 'text'; text: string } | { kind: 'card'; card: Card };

export function text(text: string): Reply {
  return { kind: 'text', text };
}

/** The answer when handling a request failed before it could say what happened. */
export const SORRY = 'Sorry, Flightdeck could not handle that just now. Nothing was changed; please try again in a moment.';
/** …and when the database connection was lost under it: a write may have committed before its answer was lost. */
export const CONNECTION_LOST =
  'Sorry, Flightdeck lost its database connection while handling that, so it cannot tell whether it was saved. ' +
  '`/deploy status` shows the active runs; check there before trying again.';

/**
 * What a failed request is told. "Nothing was changed" holds for a failure the handler saw before it wrote,
 * or one its transaction rolled back; a lost connection leaves the last write in doubt, so it is not said then.
 */
export function failureText(error: unknown): string {
  return isInDoubt(error) ? CONNECTION_LOST : SORRY;
}

/** True when a failed request may have been saved all the same (its connection was lost under it): say neither "recorded" nor "not recorded". */
export function isInDoubt(error: unknown): boolean {
  return isConnectionLost(error);
}
