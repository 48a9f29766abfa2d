import { ACTIONS, type ActionId } from '../domain/cards.ts';
import { inputProblemOf, type InputProblem } from '../domain/decision-facts.ts';
import { decisionLabel, decisionOf } from '../domain/decisions.ts';
import type { Actor } from '../domain/identity.ts';
import { transition, type Run, type RunEvent } from '../domain/run.ts';
import { freezesFor } from '../domain/freeze.ts';
import { activeLockFor } from '../store/locks.ts';
import { findRun } from '../store/runs.ts';
import type { AppContext } from './shared/context.ts';
import { auditRefusal } from './shared/refusals.ts';
import { recordEvent } from './shared/record-event.ts';
import { text, type Reply } from './shared/replies.ts';

export interface ActionRequest {
  actor: Actor;
  action: ActionId;
  runId: string;
  rationale: string | null;
  /** GO on a CONDITIONAL run: the approver ticked "I have read the CONDITIONAL items and accept them". */
  acknowledged?: boolean;
}

/**
 * A button click from any platform: GO / NO-GO / DEFER (with the form's inputs), Roll back, Promote,
 * Hold, Resume. One transition judges it (approver? still waiting? a rationale? the CONDITIONAL items
 * accepted? a lock or a freeze in the way?), inside recordEvent's transaction; the reply goes to the
 * clicker only, and the status message everyone sees is refreshed through the outbox.
 */
/** `accepted` tells a platform whether the run changed (Teams then swaps the clicked card for the run's new one). */
export interface ActionOutcome {
  accepted: boolean;
  reply: Reply;
  /** A refusal one of the decision form's inputs can fix: platforms show it on that input. */
  input?: InputProblem['input'];
}

export async function onAction(ctx: AppContext, request: ActionRequest): Promise<ActionOutcome> {
  const run = await findRun(ctx.db, request.runId);
  if (!run) return { accepted: false, reply: text('That run no longer exists.') };
  const event = await withGoGates(ctx, run, eventFor(request));
  const result = await recordEvent(ctx, run, event);
  if (result.ok) return { accepted: true, reply: text(acknowledgement(event, run.key)) };
  const problem = inputProblemOf(result);
  // A form that is only incomplete (a NO-GO with no reason) is no refusal; the machine refusing an input (CONDITIONAL not accepted, an override with no reason) is.
  if (problem?.ruledBy !== 'form') await auditRefusal(ctx, request.actor, actionName(event), run.key, run.id, result.error);
  return { accepted: false, reply: text(result.error.message), ...(problem ? { input: problem.input } : {}) };
}

/**
 * Before a decision form opens (Slack's modal): the run as it is now, or why this person cannot decide
 * on it (not an approver, decided already, …), so nobody types a rationale only to be refused.
 * The domain is asked with the form filled in; nothing is written. The submission is checked again.
 */
export async function decisionFormFor(
  ctx: AppContext,
  request: Omit<ActionRequest, 'rationale' | 'acknowledged'>,
): Promise<{ run: Run; overriding: string | null } | { reply: Reply }> {
  const decision = decisionOf(request.action);
  const run = await findRun(ctx.db, request.runId);
  if (!run) return { reply: text('That run no longer exists.') };
  if (!decision) return { reply: text('That button is not a Go/No-Go decision.') };
  const filledIn = await withGoGates(ctx, run, { type: 'decision', decision, by: request.actor, rationale: 'given', acknowledged: true });
  const verdict = transition(run, filledIn, ctx.clock.now());
  // An admin's GO into a lock or freeze is accepted as an override: the form says so and asks why.
  if (verdict.ok) return { run, overriding: (decision === 'go' && verdict.run.approvals.at(-1)?.override) || null };
  // Refused at the click, before any form: audited as the decision it was.
  await auditRefusal(ctx, request.actor, actionName(filledIn), run.key, run.id, verdict.error);
  return { reply: text(verdict.error.message) };
}

/**
 * A GO deploys, so it carries the facts it is judged against (domain/go-gates.ts): the target's lock
 * now, and the plan's freeze windows for the environment as the catalog has them now (they are not
 * frozen into the run's spec: a freeze declared while the run waits holds its GO too). Other events
 * carry nothing extra, so the audit trail stays as it was for them.
 */
async function withGoGates(ctx: AppContext, run: Run, event: RunEvent): Promise<RunEvent> {
  if (event.type !== 'decision' || event.decision !== 'go') return event;
  const lock = await activeLockFor(ctx.db, { service: run.service, environment: run.environment }, ctx.clock.now());
  const plan = ctx.plans.get(run.service);
  const freezes = plan ? freezesFor(plan, run.environment) : [];
  return lock || freezes.length ? { ...event, gates: { lock, freezes } } : event;
}

/** "decision go", "rollback", "promote", …: how the audit trail names what was asked. */
function actionName(event: RunEvent): string {
  switch (event.type) {
    case 'decision':
      return `decision ${event.decision}`;
    case 'promotion':
      return event.action;
    case 'rollback.requested':
      return 'rollback';
    default:
      return event.type;
  }
}

function eventFor({ action, actor, rationale: given, acknowledged }: ActionRequest): RunEvent {
  const rationale = given?.trim() || null;
  const decision = decisionOf(action);
  if (decision) return { type: 'decision', decision, by: actor, rationale, ...(acknowledged === undefined ? {} : { acknowledged }) };
  switch (action) {
    case ACTIONS.rollback:
      return { type: 'rollback.requested', by: actor, reason: rationale };
    case ACTIONS.promote:
    case ACTIONS.hold:
      return { type: 'promotion', action: action === ACTIONS.promote ? 'promote' : 'hold', by: actor };
    default:
      return { type: 'resume', by: actor, reason: rationale };
  }
}

function acknowledgement(event: RunEvent, key: string): string {
  switch (event.type) {
    case 'decision':
      return `Recorded: ${decisionLabel(event.decision)} on ${key}.`;
    case 'promotion':
      return event.action === 'promote' ? `Promoting the canary of ${key}.` : `Holding the canary of ${key} for another window.`;
    case 'resume':
      return `${key} resumed: monitoring goes on.`;
    default:
      return `Rolling back ${key}.`;
  }
}
