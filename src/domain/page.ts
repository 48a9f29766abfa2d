import { DEFAULT_PAGE_CAUSES } from './page-causes.ts';
import { formatDuration } from './duration.ts';
import { isPerson, type Actor, type Person } from './identity.ts';
import type { Permission } from './policy.ts';
import type { RunSpec } from './spec.ts';

/**
 * A page: on-call told that production needs a human, by a mention in the run's channel and a direct
 * message with an Acknowledge button. Its own small aggregate, not a run event: the run that pages is
 * usually over (rolled back, rollback failed) and its state machine stays as it is. Until someone
 * acknowledges, the page is repeated every `repeatEvery`, and escalation contacts are added once
 * `escalateAfter` has passed since it opened.
 *
 * Delivery 0 is the first direct message (sent when the page opens); reminders are numbered from 1.
 * A reminder job names its number, so a late, duplicated or re-enqueued job finds it was sent already.
 */

export type PagingPolicy = RunSpec['paging'];

/** The plan's defaults, also for runs created before plans had `paging`. */
export const DEFAULT_PAGING: PagingPolicy = { repeatEveryMs: 5 * 60_000, escalateAfterMs: 15 * 60_000, escalation: [], on: DEFAULT_PAGE_CAUSES };

/**
 * A page nobody acknowledges stops repeating a day after it opened, or after 288 reminders (a day at
 * the default pace), whichever comes first: by then it is an incident, and a bot sending DMs all night
 * helps nobody. The last reminder says so.
 */
export const STOP_REPEATING_AFTER_MS = 24 * 3_600_000;
export const MAX_REMINDERS = 288;

export const PAGE_ACTIONS = { ack: 'page.ack' } as const;
export type PageActionId = (typeof PAGE_ACTIONS)[keyof typeof PAGE_ACTIONS];

export function isPageActionId(value: string): value is PageActionId {
  return value === PAGE_ACTIONS.ack;
}

export interface Page {
  id: string;
  runId: string;
  reason: string;
  openedAt: string;
  acknowledged: { by: Actor; at: string } | null;
  /** Reminders sent so far (the first direct message is not a reminder). */
  remindersSent: number;
  /** When reminder `remindersSent + 1` is due; null once acknowledged or when repeating has stopped. */
  nextReminderAt: string | null;
  /** When escalation contacts were first messaged. */
  escalatedAt: string | null;
}

/** One direct message to send: to whom, as which delivery of the page, and whether it escalates. */
export interface Delivery {
  person: Person;
  reminder: number;
  escalation: boolean;
}

/** A page as it stands after one delivery was decided, and the direct messages that delivery sends. */
export interface Round {
  page: Page;
  deliveries: Delivery[];
}

export type ReminderRefusal = 'acknowledged' | 'already_sent' | 'not_scheduled';

export function pagingOf(spec: RunSpec): PagingPolicy {
  // Runs created before plans had `paging` carry no policy in their frozen spec.
  return spec.paging ?? DEFAULT_PAGING;
}

/** Opens a page and decides its first delivery: on-call, at once. */
export function openPage(input: { id: string; runId: string; reason: string }, spec: RunSpec, now: Date): Round {
  const opened: Page = { ...input, openedAt: now.toISOString(), acknowledged: null, remindersSent: 0, nextReminderAt: null, escalatedAt: null };
  return deliver(opened, spec, 0, now.getTime());
}

/**
 * Decides reminder `reminder`: refused when the page was acknowledged meanwhile, when that reminder was
 * sent already (a duplicate or re-enqueued job), or when it is not the one scheduled.
 */
export function sendReminder(page: Page, spec: RunSpec, reminder: number, now: Date): { ok: true; round: Round } | { ok: false; refusal: ReminderRefusal } {
  if (page.acknowledged) return { ok: false, refusal: 'acknowledged' };
  if (reminder <= page.remindersSent) return { ok: false, refusal: 'already_sent' };
  if (reminder !== page.remindersSent + 1 || !page.nextReminderAt) return { ok: false, refusal: 'not_scheduled' };
  // A job that runs a little early (clock skew) still counts from its slot, so escalation never comes early or late by it.
  const at = Math.max(now.getTime(), Date.parse(page.nextReminderAt));
  return { ok: true, round: deliver({ ...page, remindersSent: reminder }, spec, reminder, at) };
}

function deliver(page: Page, spec: RunSpec, reminder: number, at: number): Round {
  const policy = pagingOf(spec);
  const opened = Date.parse(page.openedAt);
  const escalating = policy.escalation.length > 0 && at - opened >= policy.escalateAfterMs;
  const deliveries: Delivery[] = [];
  for (const person of spec.onCall) deliveries.push({ person, reminder, escalation: false });
  if (escalating) {
    for (const person of policy.escalation) {
      if (!deliveries.some((delivery) => delivery.person.key === person.key)) deliveries.push({ person, reminder, escalation: true });
    }
  }
  const escalatedAt = page.escalatedAt ?? (escalating ? new Date(at).toISOString() : null);
  const next = nextReminderAt({ ...page, escalatedAt }, policy, reminder, at);
  return { page: { ...page, escalatedAt, nextReminderAt: next === null ? null : new Date(next).toISOString() }, deliveries };
}

/**
 * The next slot after `at`: reminders keep to a grid counted from the opening (a late reminder does
 * not shift the rest), and the escalation instant is a slot of its own when it falls between two.
 */
function nextReminderAt(page: Page, policy: PagingPolicy, sent: number, at: number): number | null {
  if (sent >= MAX_REMINDERS) return null;
  const opened = Date.parse(page.openedAt);
  let next = opened + (Math.floor((at - opened) / policy.repeatEveryMs) + 1) * policy.repeatEveryMs;
  const escalation = opened + policy.escalateAfterMs;
  if (policy.escalation.length > 0 && !page.escalatedAt && escalation > at) next = Math.min(next, escalation);
  return next - opened > STOP_REPEATING_AFTER_MS ? null : next;
}

/** The reminder the sweeper should enqueue again: scheduled, unacknowledged, and late by more than `graceMs` (its job may have been lost with Redis). */
export function overdueReminder(page: Page, now: Date, graceMs: number): number | null {
  if (page.acknowledged || !page.nextReminderAt) return null;
  return now.getTime() - Date.parse(page.nextReminderAt) > graceMs ? page.remindersSent + 1 : null;
}

/** On-call, the escalation contacts and the run's approvers may take a page. */
export function mayAcknowledge(spec: RunSpec, actor: Actor): Permission {
  const allowed = acknowledgers(spec);
  if (allowed.some((person) => isPerson(actor, person))) return { allowed: true };
  return {
    allowed: false,
    reason: `Only on-call, the escalation contacts and approvers may acknowledge this page (${allowed.map((person) => person.key).join(', ')}).`,
  };
}

function acknowledgers(spec: RunSpec): Person[] {
  const people = [...spec.onCall, ...pagingOf(spec).escalation, ...spec.approvers];
  return people.filter((person, index) => people.findIndex((other) => other.key === person.key) === index);
}

export type AckResult = { ok: true; page: Page; log: string } | { ok: false; code: 'forbidden' | 'already_acknowledged'; message: string };

/** Takes the page: reminders stop. Acknowledging twice answers who took it and when. */
export function acknowledge(page: Page, spec: RunSpec, actor: Actor, now: Date): AckResult {
  if (page.acknowledged) {
    return {
      ok: false,
      code: 'already_acknowledged',
      message: `Already acknowledged by ${page.acknowledged.by.name} at ${page.acknowledged.at.slice(11, 16)} UTC.`,
    };
  }
  const permission = mayAcknowledge(spec, actor);
  if (!permission.allowed) return { ok: false, code: 'forbidden', message: permission.reason };
  const at = now.toISOString();
  const taken: Page = { ...page, acknowledged: { by: actor, at }, nextReminderAt: null };
  return { ok: true, page: taken, log: `🟢 Page acknowledged by ${actor.name} after ${formatDuration(now.getTime() - Date.parse(page.openedAt))}` };
}
