import type { Lock } from './lock.ts';
import type { PageCause } from './page-causes.ts';

/**
 * What a transition asks the world to do, as data. Only `app/apply-effects.ts` turns these
 * into queue jobs and chat calls; the domain never performs them.
 */
export type Effect =
  /** Run one step of the run on a worker. */
  | { kind: 'runStep'; stepId: string }
  /** Check production health at `at` (ISO time); `seq` numbers the check within the run. */
  | { kind: 'scheduleCheck'; seq: number; at: string }
  /** Send the run a `timer` event at `at` (ISO time); `n` tells repeated timers apart. */
  | { kind: 'scheduleTimer'; timer: 'decision_reminder' | 'decision_timeout' | 'scheduled_start'; n: number; at: string }
  /** Remind the approvers who have not decided yet, by direct message. */
  | { kind: 'remindApprovers' }
  /** Re-render the run's one status message from its current state. */
  | { kind: 'refreshStatus' }
  /** Add a line to the run's log, threaded under the status message. */
  | { kind: 'postLog'; text: string }
  /** Post one of the seed documents' announcements to the channel. */
  | { kind: 'announce'; message: 'scheduled' | 'success' | 'rollback' | 'rollback_failed' | 'stopped' }
  /** Mention on-call in the channel and tell them why (only for the causes the plan pages for: domain/page-causes.ts). */
  | { kind: 'page'; cause: PageCause; reason: string }
  /** The run has ended and holds its target no more: the starts queued behind it get their turn (run-ending.ts). */
  | { kind: 'targetFreed' }
  /** Lock the run's target, replacing any lock there, in the transition's own transaction (run-ending.ts). */
  | { kind: 'lockTarget'; lock: Lock }
  /** Post the post-deployment review reminder in the run's channel at `at` (ISO time), once (run-ending.ts). */
  | { kind: 'scheduleReview'; at: string }
  /** Look the time of commit `sha` up where the plan says, on a worker, for lead time (domain/commit-lookup.ts). */
  | { kind: 'lookUpCommitTime'; sha: string };

export type EffectKind = Effect['kind'];
