import { ACTIONS, card, type Button, type Card, type Confirm, type Field, type Text } from '../cards.ts';
import { formatDuration } from '../duration.ts';
import { mentionOf } from '../identity.ts';
import { HELP_LINES } from '../command.ts';
import { currentStep, stateLabel, type Run } from '../run.ts';
import { quorumOf } from '../run-approval.ts';
import { withDecisionForms } from '../decision-facts.ts';
import { actionOf, decisionLabel } from '../decisions.ts';
import { describeReadiness } from '../readiness.ts';
import { whatServes } from '../rollback-end.ts';
import { describeRedeploy } from '../redeploy.ts';
import { decisionText, joinMentions, target, time } from './words.ts';

/** The run's one status message (edited in place as the run moves), its reminder, help and the status summary. */

const STAGES: { label: string; done: (run: Run) => boolean; current: (run: Run) => boolean }[] = [
  {
    label: 'pre-checks',
    done: (r) => r.steps.some((s) => s.stepId.startsWith('deploy') || s.stepId.startsWith('staging')) || !!r.decision || r.state === 'awaiting_decision',
    current: (r) => r.state === 'pre_checks',
  },
  {
    label: 'staging',
    done: (r) => !!r.decision || r.state === 'awaiting_decision' || r.steps.some((s) => s.stepId.startsWith('deploy')),
    current: (r) => r.state === 'staging',
  },
  { label: 'go/no-go', done: (r) => r.decision?.decision === 'go', current: (r) => r.state === 'awaiting_decision' },
  {
    label: 'deploy',
    done: (r) => !!r.monitoringSince || r.state === 'succeeded',
    current: (r) => ['deploying', 'verifying', 'awaiting_promotion'].includes(r.state) || (r.state === 'paused' && !r.monitoringSince),
  },
  {
    label: 'monitoring',
    done: (r) => r.state === 'succeeded' || r.state === 'finalizing',
    current: (r) => r.state === 'monitoring' || (r.state === 'paused' && !!r.monitoringSince),
  },
];

function headline(run: Run): { title: string; tone: Card['tone'] } {
  switch (run.state) {
    case 'succeeded':
      return { title: `✅ Deployment complete: ${target(run)}`, tone: 'good' };
    case 'rolled_back':
      return run.rollback?.validations.at(-1)?.outcome === 'feature_off'
        ? { title: `🟠 Feature turned off: ${target(run)}`, tone: 'danger' }
        : { title: `🔴 Rolled back: ${target(run)}`, tone: 'danger' };
    case 'validating_rollback':
      return { title: `🔎 Validating the rollback: ${target(run)}`, tone: 'warning' };
    case 'rollback_failed':
      return { title: `🔥 Rollback FAILED: ${target(run)}`, tone: 'danger' };
    case 'rolling_back':
      return { title: `↩️ Rolling back: ${target(run)}`, tone: 'warning' };
    case 'failed':
      return { title: `❌ Deployment stopped: ${target(run)}`, tone: 'danger' };
    case 'no_go':
      return { title: `⛔ NO-GO: ${target(run)}`, tone: 'warning' };
    case 'deferred':
      return { title: `⏸️ Deferred: ${target(run)}`, tone: 'warning' };
    case 'cancelled':
      return { title: `🚫 Cancelled: ${target(run)}`, tone: 'warning' };
    case 'awaiting_decision':
      return { title: `🚦 Go/No-Go needed: ${target(run)}`, tone: 'warning' };
    case 'scheduled':
      return { title: `🗓️ Scheduled: ${target(run)} at ${run.scheduled?.shown ?? 'a later time'}`, tone: 'info' };
    case 'awaiting_promotion':
      return { title: `🐤 Canary looks healthy. Increase traffic? ${target(run)}`, tone: 'warning' };
    case 'paused':
      return { title: `⏸️ Paused for a human: ${target(run)}`, tone: 'warning' };
    case 'finalizing':
      return { title: `✅ Deployed, tidying up: ${target(run)}`, tone: 'good' };
    default:
      return { title: `🚀 Deployment started: ${target(run)}`, tone: 'info' };
  }
}

export function progressLine(run: Run): string {
  return STAGES.filter((stage) => stage.label !== 'staging' || run.spec.steps.staging?.length)
    .map((stage) => (stage.done(run) ? `${stage.label} ✓` : stage.current(run) ? `${stage.label} ⏳` : stage.label))
    .join(' · ');
}

/** The run's one status message, edited in place as the run moves. */
export function statusCard(run: Run): Card {
  const { title, tone } = headline(run);
  const fields: Field[] = [
    { label: 'Run', value: [run.key] },
    { label: 'Requested by', value: [{ mention: mentionOf(run.requestedBy) }] },
    { label: 'Strategy', value: [run.spec.strategy] },
    { label: 'State', value: [stateLabel(run.state)] },
    ...(run.spec.risk === 'high' || run.spec.risk === 'critical' ? [{ label: 'Risk', value: [run.spec.risk.toUpperCase()] }] : []),
  ];
  if (run.decision) fields.push({ label: 'Decision', value: decisionsOf(run) });
  const body: Text[] = [[progressLine(run)]];
  if (run.readiness) body.push([`Readiness: ${describeReadiness(run.readiness)}`]);
  if (run.redeploy) body.push([`↩️ ${describeRedeploy(run)}${run.redeploy.of ? ` (${run.redeploy.from} was deployed by ${run.redeploy.of})` : ''}`]);
  if (run.emergency) body.push([`🚨 EMERGENCY${run.emergency.freeze ? ` (freeze: ${run.emergency.freeze})` : ''}: ${run.emergency.justification}`]);
  if (run.state === 'awaiting_decision') {
    const staged = run.steps.filter((step) => step.stepId.startsWith('staging'));
    if (staged.length) body.push([`Staging: ${staged.map((step) => `${step.ok ? '✅' : '❌'} ${step.name}`).join(' · ')}`]);
    const quorum = quorumOf(run);
    body.push([`Approvers${quorum > 1 ? ` (GO from ${quorum} needed)` : ''}: `, ...joinMentions(run.spec.approvers.map(mentionOf))]);
    if (run.approvals.length)
      body.push([`GO so far (${run.approvals.length} of ${quorum}): `, ...joinMentions(run.approvals.map((vote) => mentionOf(vote.by)))]);
  }
  if (run.awaiting?.timedOutAt) body.push([`No Go/No-Go came within ${formatDuration(run.spec.approval.timeoutMs)}: deferred.`]);
  if (run.failure) body.push([`Failed step: ${run.failure.name} — ${run.failure.message}`]);
  if (run.rollback) body.push([`Rollback: ${run.rollback.reason}`]);
  const validation = run.rollback?.validations.at(-1);
  if (validation?.status)
    body.push([
      `Rollback validation: ${validation.status} — ${validation.status === 'SUCCESS' ? `${whatServes(run)} (${validation.evidence.join('; ')})` : validation.problems.join('; ')}`,
    ]);
  if (run.state === 'verifying' || run.state === 'awaiting_promotion') {
    const step = currentStep(run);
    if (step)
      body.push([
        run.state === 'verifying' ? `Now: ${step.name}` : `Held healthily: ${step.name}. Promote to the next step, hold for another window, or roll back.`,
      ]);
  }
  if (run.paused) body.push([`Paused: ${run.paused.reason}. Resume, or roll back.`]);
  const context: Text = [`${run.key} · started ${time(run.requestedAt)} by `, { mention: mentionOf(run.requestedBy) }];
  // GO / NO-GO / DEFER carry their form (rationale, CONDITIONAL acknowledgement): Teams and the shell render it in place.
  return withDecisionForms(card({ title, tone, body, fields, buttons: buttonsFor(run), context }), run);
}

/** People mis-tap on phones: rolling back production asks once more. */
const ROLLBACK_CONFIRM: Confirm = {
  title: 'Roll back this run?',
  text: 'Production traffic goes back to the previous version, and on-call is paged.',
  confirm: 'Roll back',
  deny: 'Keep it',
};

function buttonsFor(run: Run): Button[] {
  const rollback: Button = { action: ACTIONS.rollback, label: 'Roll back', value: run.id, style: 'danger', confirm: ROLLBACK_CONFIRM };
  switch (run.state) {
    case 'awaiting_decision':
      return [
        { action: actionOf('go'), label: decisionLabel('go'), value: run.id, style: 'primary' },
        { action: actionOf('no_go'), label: decisionLabel('no_go'), value: run.id, style: 'danger' },
        { action: actionOf('defer'), label: decisionLabel('defer'), value: run.id },
      ];
    case 'awaiting_promotion':
      return [{ action: ACTIONS.promote, label: 'Promote', value: run.id, style: 'primary' }, { action: ACTIONS.hold, label: 'Hold', value: run.id }, rollback];
    case 'paused':
      return [{ action: ACTIONS.resume, label: 'Resume', value: run.id, style: 'primary' }, rollback];
    case 'deploying':
    case 'verifying':
    case 'monitoring':
      return [rollback];
    default:
      return [];
  }
}

/** Every GO of a quorum, or the one decision. */
function decisionsOf(run: Run): Text {
  const votes = run.decision?.decision === 'go' && run.approvals.length > 1 ? run.approvals : run.decision ? [run.decision] : [];
  return votes.flatMap((vote, index) => (index ? ['; ', ...decisionText(vote)] : decisionText(vote)));
}

/** A direct message to an approver who has not decided: the run's card with its GO / NO-GO / DEFER buttons. */
export function reminderCard(run: Run): Card {
  const status = statusCard(run);
  const waiting = run.awaiting ? ` since ${time(run.awaiting.since)}` : '';
  return {
    ...status,
    title: `⏰ Reminder: your Go/No-Go is needed on ${run.key}${waiting}`,
    body: [[`${target(run)}: ${run.spec.approvers.length > 1 ? 'approvers are' : 'you are'} asked to decide.`], ...status.body],
  };
}

export function helpCard(): Card {
  return card({ title: 'Flightdeck commands', body: HELP_LINES.map((line) => [line]) });
}

export function statusSummary(runs: Run[]): Card {
  if (runs.length === 0) return card({ title: 'No active runs', body: [['Nothing is deploying right now.']] });
  return card({ title: 'Active runs', body: runs.map((run) => [`${run.key}: ${target(run)} — ${stateLabel(run.state)} (${progressLine(run)})`]) });
}
