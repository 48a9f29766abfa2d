import { card, type Card, type Text } from '../cards.ts';
import { mentionOf } from '../identity.ts';
import { untilText, when, type Lock } from '../lock.ts';

/** A lock's messages: its card, the `/deploy locks` list, and its line in the status summary. */

function holder(lock: Lock): Text {
  return lock.kind === 'after_rollback' ? [`Flightdeck, after ${lock.runKey ?? 'a run'} ended in a rollback`] : [{ mention: mentionOf(lock.by) }];
}

/** One line: "demo production — locked by alice since 14:05 UTC until 16:05 UTC (in 2h): “db migration”". */
export function lockLine(lock: Lock, now: Date): Text {
  return [`🔒 ${lock.service} ${lock.environment} — locked by `, ...holder(lock), ` since ${when(lock.since, now)} ${untilText(lock, now)}: “${lock.reason}”`];
}

export function lockCard(lock: Lock, now: Date, title = `🔒 ${lock.service} ${lock.environment} is locked`): Card {
  const unlock = `/deploy unlock ${lock.service} ${lock.environment} ${lock.kind === 'after_rollback' ? '<reason>' : '[reason]'}`;
  return card({
    title,
    tone: 'warning',
    body: [[`No new run starts on ${lock.service} ${lock.environment} while the lock holds; a start with --queue runs when it frees.`]],
    fields: [
      { label: 'Locked by', value: holder(lock) },
      { label: 'Reason', value: [lock.reason] },
      { label: 'Since', value: [when(lock.since, now)] },
      { label: 'Until', value: [lock.until === null ? 'someone unlocks it' : untilText(lock, now).replace(/^until /, '')] },
    ],
    context: [`Unlock with ${unlock}`],
  });
}

export function locksCard(locks: Lock[], now: Date): Card {
  if (locks.length === 0) return card({ title: 'No locks', body: [['Every service and environment is open for deployment.']] });
  return card({ title: `Locks (${locks.length})`, tone: 'warning', body: locks.map((lock) => lockLine(lock, now)) });
}

/** A card (the `/deploy status` summary) with a line for each lock in force. */
export function withLockLines(summary: Card, locks: Lock[], now: Date): Card {
  return locks.length ? { ...summary, body: [...summary.body, ...locks.map((lock) => lockLine(lock, now))] } : summary;
}
