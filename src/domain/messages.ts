import { ACTIONS, card, type Button, type Card, type Confirm, type Field, type Text } from './cards.ts';
import { formatDuration } from './duration.ts';
import { mentionOf } from './identity.ts';
import { HELP_LINES } from './command.ts';
import { currentStep, stateLabel, type Decision, type Run } from './run.ts';
import { quorumOf } from './run-approval.ts';
import { withDecisionForms } from './decision-facts.ts';
import { actionOf, decisionLabel } from './decisions.ts';
import { describeReadiness } from './readiness.ts';
import { whatIsWrong, whatServes } from './rollback-end.ts';
import { describeRedeploy } from './redeploy.ts';

/** Every message Flightdeck posts, as platform-neutral cards built from a run. Wording follows the seed templates. */

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

function target(run: Run): string {
  return `${run.service} ${run.version} → ${run.environment}${run.redeploy ? ` (rollback from ${run.redeploy.from})` : ''}`;
}

function time(iso: string): string {
  return `${iso.slice(11, 16)} UTC`;
}

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

/** Seed template "Pre-Deployment Communication", posted when a start is scheduled. */
export function upcomingCard(run: Run): Card {
  const when = run.scheduled?.shown ?? 'a later time';
  const downtime = run.spec.strategy === 'rolling' ? 'None expected (instances are replaced a batch at a time)' : 'None expected';
  return card({
    title: `Upcoming Deployment: ${run.service} ${run.version} - ${when}`,
    tone: 'info',
    body: [
      [`We will be deploying ${run.service} ${run.version} to ${run.environment} at ${when}.`],
      [
        `What to Expect: a ${run.spec.strategy} deployment${run.spec.requireDecision ? ', after a Go/No-Go by the approvers' : ''}, watched and rolled back automatically if a rollback trigger fires.`,
      ],
      [`Expected downtime: ${downtime}.`],
      [
        'If you have questions or concerns, please contact ',
        { mention: mentionOf(run.requestedBy) },
        ` or on-call: `,
        ...joinMentions(run.spec.onCall.map(mentionOf)),
        '.',
      ],
      ...(run.spec.contacts.length
        ? [[`Contacts: ${run.spec.contacts.map((contact) => `${contact.role}: ${contact.name} (${contact.contact})`).join('; ')}`]]
        : []),
    ],
    fields: [
      { label: 'Run', value: [run.key] },
      { label: 'To cancel', value: [`/deploy cancel ${run.key}`] },
    ],
  });
}

/** Seed template "Deployment Success Communication". */
export function successCard(run: Run): Card {
  const watched = run.monitoringSince && run.finishedAt ? ` over ${elapsed(run.monitoringSince, run.finishedAt)}` : '';
  const checks = run.samples.length ? `${run.nextCheck - 1} checks${watched}, no rollback trigger fired, last check healthy` : 'All checks passing';
  return card({
    title: `Deployment Complete: ${run.service} ${run.version} ✅`,
    tone: 'good',
    body: [[`We've successfully deployed ${run.service} ${run.version} to ${run.environment}.`]],
    fields: [
      { label: 'Status', value: ['✅ COMPLETE'] },
      { label: 'Deployment Time', value: [`${time(run.finishedAt ?? run.requestedAt)} (${elapsed(run.requestedAt, run.finishedAt)})`] },
      { label: 'Validation', value: [checks] },
      { label: 'Run', value: [run.key] },
    ],
    context: [`Requested by `, { mention: mentionOf(run.requestedBy) }, ...(run.decision ? [' · ', ...decisionText(run.decision)] : [])],
  });
}

/**
 * Seed template "Rollback Communication": why (once, with the numbers against the limit), what serves now
 * as the validation showed it (never "restored" without a passing validation), and how long it took.
 */
export function rollbackCard(run: Run): Card {
  const rollback = run.rollback;
  const failed = run.state === 'rollback_failed';
  const validation = rollback?.validations.at(-1);
  const featureOff = !failed && validation?.outcome === 'feature_off';
  const sources = [...new Set(rollback?.evidence.flatMap((sample) => (sample.readings ?? []).map((reading) => reading.source)) ?? [])];
  const what = `${run.service} ${run.version} in ${run.environment}`;
  const done = failed ? `We tried to roll back ${what}` : featureOff ? `We turned off the feature flag of ${what}` : `We rolled back ${what}`;
  return card({
    title: failed
      ? `URGENT: Rollback FAILED - ${run.service} ${run.version}`
      : featureOff
        ? `URGENT: Feature turned off - ${run.service} ${run.version}`
        : `URGENT: Deployment Rolled Back - ${run.service} ${run.version}`,
    tone: 'danger',
    body: [
      [`${done}: ${rollback?.reason ?? 'a failure'}.`],
      ...(sources.length ? [[`Measured by: ${sources.join('; ')}`]] : []),
      failed
        ? [`🔥 Production is not restored: ${whatIsWrong(run)}. Production needs a human now.`]
        : [`✅ Validated: ${whatServes(run)}${validation?.evidence.length ? ` — ${validation.evidence.join('; ')}` : ''}. We are investigating the issue.`],
      ...(run.spec.migrationReversible === false ? [['Database: the migration is not reversible and was left in place.']] : []),
      ['On-call: ', ...joinMentions(run.spec.onCall.map(mentionOf)), ' · requested by ', { mention: mentionOf(run.requestedBy) }],
    ],
    fields: [
      {
        label: 'Status',
        value: [
          failed
            ? `🔥 ROLLBACK FAILED${validation?.status ? ` (validation ${validation.status})` : ''}`
            : featureOff
              ? '🟠 FEATURE OFF (validated)'
              : '🔴 ROLLED BACK (validated)',
        ],
      },
      { label: 'Live now', value: [liveNow(run)] },
      { label: 'Rollback Time', value: [rollback ? rollbackTime(rollback) : '—'] },
      { label: 'Run', value: [run.key] },
    ],
  });
}

/** The version the validation saw answering, or why it cannot be named. */
function liveNow(run: Run): string {
  const validation = run.rollback?.validations.at(-1);
  if (run.state !== 'rolled_back' || !validation) return 'not confirmed (see above)';
  if (validation.outcome === 'feature_off') return `${run.version}, feature off`;
  if (validation.expected === null) return 'nothing (there was no version before this run)';
  return run.spec.versionProbe ? validation.expected : `${validation.expected} (not asked: no version probe in the plan)`;
}

/** A run that stopped before production changed: the channel and the requester are told (on-call is not paged for it by default). */
export function stoppedCard(run: Run): Card {
  const why = run.failure ? `"${run.failure.name}" failed: ${run.failure.message}` : 'it stopped';
  return card({
    title: `Deployment stopped: ${target(run)}`,
    tone: 'warning',
    body: [[{ mention: mentionOf(run.requestedBy) }, ` — ${run.key} stopped before production changed: ${why}. Production was not changed by this run.`]],
    fields: [{ label: 'Run', value: [run.key] }],
  });
}

/** Mentions on-call in the channel; `acknowledge` is the page's button (domain/page.ts). */
export function pageCard(run: Run, reason: string, acknowledge?: Button): Card {
  return card({
    title: `🚨 On-call: ${run.service} ${run.environment}`,
    tone: 'danger',
    body: [[...joinMentions(run.spec.onCall.map(mentionOf)), ` — ${reason}`]],
    fields: [{ label: 'Run', value: [run.key] }],
    buttons: acknowledge ? [acknowledge] : [],
  });
}

export function helpCard(): Card {
  return card({ title: 'Flightdeck commands', body: HELP_LINES.map((line) => [line]) });
}

export function statusSummary(runs: Run[]): Card {
  if (runs.length === 0) return card({ title: 'No active runs', body: [['Nothing is deploying right now.']] });
  return card({ title: 'Active runs', body: runs.map((run) => [`${run.key}: ${target(run)} — ${stateLabel(run.state)} (${progressLine(run)})`]) });
}

/** "GO by @bob at 14:02 UTC (“rationale”)", with the decider as a mention. */
export function decisionText(decision: Decision): Text {
  return [
    `${decisionLabel(decision.decision)} by `,
    { mention: mentionOf(decision.by) },
    ` at ${time(decision.at)}${decision.rationale ? ` (“${decision.rationale}”)` : ''}${decision.override ? `, ⚠️ overriding: ${decision.override}` : ''}`,
  ];
}

function joinMentions(mentions: ReturnType<typeof mentionOf>[]): Text {
  return mentions.flatMap((mention, index) => (index ? [', ', { mention }] : [{ mention }]));
}

/** Every GO of a quorum, or the one decision. */
function decisionsOf(run: Run): Text {
  const votes = run.decision?.decision === 'go' && run.approvals.length > 1 ? run.approvals : run.decision ? [run.decision] : [];
  return votes.flatMap((vote, index) => (index ? ['; ', ...decisionText(vote)] : decisionText(vote)));
}

/** "14:07 UTC (traffic back after 3s, done in 8s)": measured from the trigger or request to traffic on the old version. */
function rollbackTime(rollback: NonNullable<Run['rollback']>): string {
  const traffic = rollback.trafficRestoredAt ? `traffic back after ${elapsed(rollback.startedAt, rollback.trafficRestoredAt)}, ` : '';
  return `${time(rollback.finishedAt ?? rollback.startedAt)} (${traffic}done in ${elapsed(rollback.startedAt, rollback.finishedAt)})`;
}

function elapsed(from: string, to: string | null): string {
  return to ? formatDuration(Date.parse(to) - Date.parse(from)) : 'in progress';
}
