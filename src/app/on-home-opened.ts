import type { Card } from '../domain/cards.ts';
import type { Actor } from '../domain/identity.ts';
import { rememberHomeUser } from '../store/home-users.ts';
import type { AppContext } from './shared/context.ts';
import { homeFor } from './shared/home.ts';

/**
 * Someone opened Flightdeck's home (Slack's App Home tab): they are remembered, so the worker republishes
 * their home when a run they can act on moves, and they get their home as it is now.
 */
export async function onHomeOpened(ctx: AppContext, me: Actor): Promise<Card[]> {
  const now = ctx.clock.now();
  await rememberHomeUser(ctx.db, me.id, now);
  return homeFor(ctx, me, now);
}
