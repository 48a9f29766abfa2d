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
  const event = eventFor(request);
  const result = await recordEvent(ctx, run.id, event);
  if (!result.ok) return { accepted: false, reply: text(result.error.message) };
  return { accepted: true, reply: text(acknowledgement(event, run.key)) };
}

function eventFor({ action, actor, rationale }: ActionRequest): RunEvent {
  switch (action) {
    case ACTIONS.rollback:
      return { type: 'rollback.requested', by: actor, reason: rationale };
    case ACTIONS.promote:
    case ACTIONS.hold:
      return { type: 'promotion', action: action === ACTIONS.promote ? 'promote' : 'hold', by: actor };
    case ACTIONS.resume:
      return { type: 'resume', by: actor, reason: rationale };
    default:
      return { type: 'decision', decision: DECISIONS[action], by: actor, rationale };
  }
}

function acknowledgement(event: RunEvent, key: string): string {
  switch (event.type) {
    case 'decision':
      return `Recorded: ${event.decision.replace('_', '-').toUpperCase()} on ${key}.`;
    case 'promotion':
      return event.action === 'promote' ? `Promoting the canary of ${key}.` : `Holding the canary of ${key} for another window.`;
    case 'resume':
      return `${key} resumed: monitoring goes on.`;
    default:
      return `Rolling back ${key}.`;
  }
}
