import { durationSchema, formatDuration } from './duration.ts';
import type { Actor } from './identity.ts';

/**
 * A lock on a service and environment: while it holds, no new run starts there (a run already under
 * way goes on). Someone takes it with a reason and maybe an expiry; a rollback may take one for the
 * plan (`lockAfterRollback`). An expired lock is simply not active: it frees itself without a job.
 */

/** The longest a lock may be taken for with `for …`: long enough for a holiday, short enough to be noticed. */
export const MAX_LOCK_MS = 7 * 86_400_000;

export type LockKind = 'manual' | 'after_rollback';

export interface Lock {
  service: string;
  environment: string;
  /** Who took it; for an after-rollback lock, Flightdeck itself (see `flightdeck`). */
  by: Actor;
  reason: string;
  /** ISO times. `until` null: until someone unlocks it. */
  since: string;
  until: string | null;
  kind: LockKind;
  /** The run whose rollback took the lock (after_rollback), else null. */
  runKey: string | null;
}

export interface Target {
  service: string;
  environment: string;
}

export function isActive(lock: Lock, now: Date): boolean {
  return lock.until === null || Date.parse(lock.until) > now.getTime();
}

export function isHolder(lock: Lock, actor: Actor): boolean {
  return lock.kind === 'manual' && lock.by.platform === actor.platform && lock.by.id === actor.id;
}

/** The actor an after-rollback lock is held by: nobody a plan lists, so only the roles that may unlock it can. */
export function flightdeck(platform: Actor['platform']): Actor {
  return { platform, id: 'flightdeck', name: 'Flightdeck' };
}

export function manualLock(target: Target, by: Actor, reason: string, forMs: number | null, now: Date): Lock {
  const until = forMs === null ? null : new Date(now.getTime() + forMs).toISOString();
  return { ...target, by, reason, since: now.toISOString(), until, kind: 'manual', runKey: null };
}

/** The lock a run that ended in a rollback takes when its plan says `lockAfterRollback`. */
export function afterRollbackLock(
  run: { service: string; environment: string; key: string; version: string; platform: Actor['platform']; state: string; rollback: { reason: string } | null },
  now: Date,
): Lock {
  const what = run.state === 'rollback_failed' ? 'failed to roll back' : 'was rolled back';
  const reason = `${run.key} (${run.version}) ${what}${run.rollback ? `: ${run.rollback.reason}` : ''}`;
  return {
    service: run.service,
    environment: run.environment,
    by: flightdeck(run.platform),
    reason,
    since: now.toISOString(),
    until: null,
    kind: 'after_rollback',
    runKey: run.key,
  };
}

/**
 * The words of a lock command after the target: a reason, maybe ending in "for 2h".
 * "waiting for QA" is all reason: only a duration after the last "for" makes an expiry.
 */
export function parseLockWords(words: string[]): { reason: string; forMs: number | null } | { error: string } {
  let forMs: number | null = null;
  let reasonWords = words;
  if (words.length >= 2 && words.at(-2)!.toLowerCase() === 'for') {
    const parsed = durationSchema.safeParse(words.at(-1));
    if (parsed.success) {
      if (parsed.data > MAX_LOCK_MS)
        return { error: `A lock lasts at most ${formatDuration(MAX_LOCK_MS)} (${words.at(-1)} asked); leave out "for …" to lock until someone unlocks it.` };
      forMs = parsed.data;
      reasonWords = words.slice(0, -2);
    }
  }
  const reason = reasonWords.join(' ').trim();
  if (!reason) return { error: 'A lock needs a reason, so others know why they cannot deploy.' };
  return { reason, forMs };
}

/** "14:05 UTC" today, "2026-11-04 14:05 UTC" on another day. */
export function when(iso: string, now: Date): string {
  const day = iso.slice(0, 10) === now.toISOString().slice(0, 10) ? '' : `${iso.slice(0, 10)} `;
  return `${day}${iso.slice(11, 16)} UTC`;
}

export function untilText(lock: Lock, now: Date): string {
  if (lock.until === null) return 'until someone unlocks it';
  return `until ${when(lock.until, now)} (in ${formatDuration(Math.max(0, Date.parse(lock.until) - now.getTime()))})`;
}

function holderName(lock: Lock): string {
  return lock.kind === 'after_rollback' ? `Flightdeck after ${lock.runKey ?? 'a rollback'}` : lock.by.name;
}

/** What someone who tries to start on a locked target is told. */
export function lockedSummary(lock: Lock, now: Date): string {
  return `${lock.service} ${lock.environment} is locked by ${holderName(lock)} since ${when(lock.since, now)} ${untilText(lock, now)}: “${lock.reason}”.`;
}
