import { card, type Button, type Card, type Text } from '../cards.ts';
import { formatDuration } from '../duration.ts';
import { mentionOf } from '../identity.ts';
import { PAGE_ACTIONS, pagingOf, type Delivery, type Page } from '../page.ts';
import type { Run } from '../run.ts';
import { joinMentions, time } from './words.ts';

/** A page's messages: the mention in the run's channel, the direct message with its button, and what both become once taken. */

/** Mentions on-call in the channel; `acknowledge` is the page's button. */
export function pageCard(run: Run, reason: string, acknowledge?: Button): Card {
  return card({
    title: `🚨 On-call: ${run.service} ${run.environment}`,
    tone: 'danger',
    body: [[...joinMentions(run.spec.onCall.map(mentionOf)), ` — ${reason}`]],
    fields: [{ label: 'Run', value: [run.key] }],
    buttons: acknowledge ? [acknowledge] : [],
  });
}

export function acknowledgeButton(page: Page): Button {
  return { action: PAGE_ACTIONS.ack, label: 'Acknowledge', value: page.id, style: 'primary' };
}

/** The direct message: why, which run, and the button. Reminders say when it was paged; escalations say who did not answer. */
export function pageDirectCard(page: Page, run: Run, delivery: Pick<Delivery, 'reminder' | 'escalation'>): Card {
  const policy = pagingOf(run.spec);
  const title =
    delivery.reminder === 0
      ? `🚨 You are paged: ${run.service} ${run.environment}`
      : `🚨 Reminder ${delivery.reminder}: page for ${run.service} ${run.environment} not acknowledged`;
  const body: Text[] = [[page.reason]];
  if (delivery.reminder > 0) body.push([`Paged at ${time(page.openedAt)}; nobody has acknowledged yet.`]);
  if (delivery.escalation)
    body.push([
      `Escalated to you: on-call (${run.spec.onCall.map((person) => person.key).join(', ')}) has not acknowledged within ${formatDuration(policy.escalateAfterMs)}.`,
    ]);
  const last = delivery.reminder > 0 && page.nextReminderAt === null;
  const context: Text = [
    last
      ? 'This is the last reminder: Flightdeck stops repeating a page after a day (or 288 reminders).'
      : `Repeated every ${formatDuration(policy.repeatEveryMs)} until on-call, an escalation contact or an approver acknowledges.`,
  ];
  return card({ title, tone: 'danger', body, fields: runFields(run), buttons: [acknowledgeButton(page)], context });
}

/** What every message of the page becomes once someone has taken it. */
export function acknowledgedCard(page: Page, run: Run): Card {
  const taken = page.acknowledged;
  const body: Text[] = [[page.reason]];
  if (taken)
    body.push([
      'Acknowledged by ',
      { mention: mentionOf(taken.by) },
      ` at ${time(taken.at)}, after ${formatDuration(Date.parse(taken.at) - Date.parse(page.openedAt))}.`,
    ]);
  return card({ title: `🟢 Page acknowledged: ${run.service} ${run.environment}`, tone: 'good', body, fields: runFields(run) });
}

function runFields(run: Run) {
  return [
    { label: 'Run', value: [run.key] },
    { label: 'Service', value: [run.service] },
    { label: 'Version', value: [run.version] },
    { label: 'Environment', value: [run.environment] },
  ];
}
