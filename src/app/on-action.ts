import { ACTIONS, type ActionId } from '../domain/cards.ts';
import type { Actor } from '../domain/identity.ts';
import type { RunEvent } from '../domain/run.ts';
import { findRun } from '../store/runs.ts';
import type { AppContext } from './context.ts';
import { recordEvent } from './record-event.ts';
import { text, type Reply } from './replies.ts';

export interface ActionRequest {
  actor: Actor;
  action: ActionId;
  runId: string;
  rationale: string | null;
}

const DECISIONS = { [ACTIONS.go]: 'go', [ACTIONS.noGo]: 'no_go', [ACTIONS.defer]: 'defer' } as const;

/**
 * A button click from any platform: GO / NO-GO / DEFER, or Roll back.
 * The domain decides (approver? still waiting? decided already?); the reply goes to the clicker only,
 * and the status message everyone sees is refreshed through the outbox.
 */
/** `accepted` tells a platform whether the run changed (Teams then swaps the clicked card for the run's new one). */
export interface ActionOutcome {
  accepted: boolean;
  reply: Reply;
}

export async function onAction(ctx: AppContext, request: ActionRequest): Promise<ActionOutcome> {
  const run = await findRun(ctx.db, request.runId);
  if (!run) return { accepted: false, reply: text('That run no longer exists.') };
  const event: RunEvent =
    request.action === ACTIONS.rollback
      ? { type: 'rollback.requested', by: request.actor, reason: request.rationale }
      : { type: 'decision', decision: DECISIONS[request.action], by: request.actor, rationale: request.rationale };
  const result = await recordEvent(ctx, run.id, event);
  if (!result.ok) return { accepted: false, reply: text(result.error.message) };
  if (event.type === 'decision') return { accepted: true, reply: text(`Recorded: ${event.decision.replace('_', '-').toUpperCase()} on ${run.key}.`) };
  return { accepted: true, reply: text(`Rolling back ${run.key}.`) };
}
