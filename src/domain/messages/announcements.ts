import { card, type Card } from '../cards.ts';
import { mentionOf } from '../identity.ts';
import type { Run } from '../run.ts';
import { whatIsWrong, whatServes } from '../rollback-end.ts';
import { decisionText, elapsed, joinMentions, target, time } from './words.ts';

/** What the channel is told when a run is scheduled, succeeds, rolls back or stops. Wording follows the seed templates. */

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

/** "14:07 UTC (traffic back after 3s, done in 8s)": measured from the trigger or request to traffic on the old version. */
function rollbackTime(rollback: NonNullable<Run['rollback']>): string {
  const traffic = rollback.trafficRestoredAt ? `traffic back after ${elapsed(rollback.startedAt, rollback.trafficRestoredAt)}, ` : '';
  return `${time(rollback.finishedAt ?? rollback.startedAt)} (${traffic}done in ${elapsed(rollback.startedAt, rollback.finishedAt)})`;
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
