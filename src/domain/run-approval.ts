import { formatDuration } from './duration.ts';
import type { Effect } from './effects.ts';
import { isPerson } from './identity.ts';
import { goBlockers } from './go-gates.ts';
import { pageFor } from './page-causes.ts';
import { mayDecide, mayOverrideGates } from './policy.ts';
import { describeDecision, enterPhase, finish } from './run-flow.ts';
import { fail, ok, type Decision, type DecisionInput, type Run, type RunEvent, type TransitionResult } from './run-types.ts';
import { decisionLabel, rationaleRequired } from './decisions.ts';
import { reminderAt } from './schedule.ts';

/**
 * Go/No-Go: GOs from a quorum of different approvers (a person counts once, whichever platform they
 * click from; the requester only if the plan allows self-approval), one NO-GO or DEFER ends it;
 * reminders to approvers who have not decided, and a timeout that defers the run. A GO into a lock
 * or a freeze window (domain/go-gates.ts) is refused, unless an admin who is an approver gives it with
 * a rationale: then it is accepted as an override, recorded on the decision. The form's rules are judged
 * here too, last: a NO-GO or DEFER needs a rationale (decisions.ts), a GO on a CONDITIONAL run accepts
 * its failing items; a decision short of one comes back `invalid_input`, naming the input to mark, so one
 * transition judges a submission. Which states take a decision is the event table's (event-table.ts).
 */

export function onDecision(run: Run, event: Extract<RunEvent, { type: 'decision' }>, at: string): TransitionResult {
  const permission = mayDecide(run.spec, event.by);
  const approver = run.spec.approvers.find((person) => isPerson(event.by, person));
  if (!permission.allowed || !approver) return fail('forbidden', permission.allowed ? 'Only approvers may decide.' : permission.reason);
  const vote: Decision = { decision: event.decision, by: event.by, at, rationale: event.rationale, approver: approver.key };
  const explained = Boolean(event.rationale?.trim());

  if (event.decision !== 'go') {
    // Checked last, so the form marks the rationale only when nothing else stands in the way.
    if (rationaleRequired(event.decision) && !explained) {
      return invalidInput(
        'rationale',
        `Please say why: a ${decisionLabel(event.decision)} ends ${run.key} for now, and the requester needs to know what to change or wait for.`,
        false,
      );
    }
    const decided = finish({ ...run, decision: vote }, event.decision === 'no_go' ? 'no_go' : 'deferred', at);
    // A NO-GO tells the channel (the status card, the log) and pages on-call only when the plan asks (paging.also).
    const page =
      event.decision === 'no_go'
        ? pageFor(decided, 'no_go', `${run.key} (${run.service} ${run.version} in ${run.environment}): ${describeDecision(vote)}. Production was not changed.`)
        : [];
    return ok(decided, [{ kind: 'postLog', text: `Decision: ${describeDecision(vote)}` }, { kind: 'refreshStatus' }, ...page]);
  }
  if (!run.spec.approval.allowSelfApproval && isPerson(run.requestedBy, approver)) {
    return fail('forbidden', `You started ${run.key}, and this plan does not let the requester approve their own deployment. Another approver must say GO.`);
  }
  if (run.approvals.some((earlier) => earlier.approver === approver.key)) {
    return fail('not_allowed', `You have already said GO on ${run.key}; ${missing(run, run.approvals.length)} more approver(s) needed.`);
  }
  // Every GO given into a lock or freeze is judged, not only the last of a quorum: each one says "deploy now".
  const blockers = goBlockers(run, event.gates, new Date(at));
  const blocked = blockers.join(' ');
  if (blockers.length) {
    const override = mayOverrideGates(run.spec, event.by);
    if (!override.allowed)
      return fail(
        'not_allowed',
        `${blocked} A GO now would deploy into it, so ${run.key} keeps waiting for its decision: say GO again once it is lifted. ${override.reason}`,
      );
  }
  // The inputs last: the form marks one only when it is all that stands between this GO and its count.
  if (blockers.length && !explained) {
    return invalidInput(
      'rationale',
      `${blocked} As an admin you may override it: say GO with a rationale (why deploying now is safe); the override is kept in the audit trail.`,
      true,
    );
  }
  if (run.readiness?.verdict === 'CONDITIONAL' && !event.acknowledged) {
    const items = run.readiness.failing.map((item) => item.name).join(', ');
    return invalidInput(
      'acknowledged',
      `${run.key} is CONDITIONAL (readiness ${run.readiness.score}/100; failing: ${items}). Acknowledge those items in the GO form to say GO.`,
      true,
    );
  }
  const go: Decision = blockers.length ? { ...vote, override: blocked } : vote;
  const approvals = [...run.approvals, go];
  const quorum = quorumOf(run);
  if (approvals.length < quorum) {
    return ok({ ...run, approvals }, [{ kind: 'postLog', text: `GO ${approvals.length} of ${quorum}: ${describeDecision(go)}` }, { kind: 'refreshStatus' }]);
  }
  const decided: Run = { ...run, approvals, decision: go };
  const began = enterPhase(decided, 'deploy', at);
  const overrides = approvals.filter((approval) => approval.override).map(describeDecision);
  const log =
    quorum > 1
      ? `Decision: GO by ${approvals.map((approval) => approval.by.name).join(' and ')} (quorum of ${quorum})${overrides.length ? `; ${overrides.join('; ')}` : ''}`
      : `Decision: ${describeDecision(go)}`;
  return ok(began.run, [{ kind: 'postLog', text: log }, { kind: 'refreshStatus' }, ...began.effects]);
}

function invalidInput(input: DecisionInput, message: string, refused: boolean): TransitionResult {
  return { ok: false, error: { code: 'invalid_input', input, message, refused } };
}

export function onTimer(run: Run, event: Extract<RunEvent, { type: 'timer' }>, at: string): TransitionResult {
  const awaiting = run.awaiting;
  if (!awaiting) return fail('stale', `${run.key} is not waiting for a decision.`);
  const { timeoutMs } = run.spec.approval;
  if (event.timer === 'decision_timeout') {
    const expired: Run = { ...run, awaiting: { ...awaiting, timedOutAt: at } };
    return ok(finish(expired, 'deferred', at), [
      { kind: 'postLog', text: `⏰ No Go/No-Go within ${formatDuration(timeoutMs)}: ${run.key} is deferred. Start it again when approvers are available.` },
      { kind: 'refreshStatus' },
    ]);
  }
  if (event.n !== awaiting.reminders + 1) return fail('stale', `Reminder ${event.n} on ${run.key} was sent already.`);
  const reminded: Run = { ...run, awaiting: { ...awaiting, reminders: event.n } };
  const effects: Effect[] = [{ kind: 'remindApprovers' }, { kind: 'refreshStatus' }];
  const next = reminderAt(run.spec.approval, awaiting.since, event.n + 1);
  if (next) effects.push({ kind: 'scheduleTimer', timer: 'decision_reminder', n: event.n + 1, at: next });
  return ok(reminded, effects);
}

/** GOs needed: the plan's quorum, plus one for an emergency start inside a freeze window. */
export function quorumOf(run: Run): number {
  return run.spec.approval.quorum + (run.emergency ? 1 : 0);
}

/** Approvers who may still say GO and have not: whom a reminder goes to. */
export function undecidedApprovers(run: Run) {
  return run.spec.approvers.filter(
    (person) => !run.approvals.some((vote) => vote.approver === person.key) && (run.spec.approval.allowSelfApproval || !isPerson(run.requestedBy, person)),
  );
}

function missing(run: Run, have: number): number {
  return quorumOf(run) - have;
}
