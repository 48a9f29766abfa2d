import { z } from 'zod';
import type { Effect } from './effects.ts';
import type { Run } from './run-types.ts';

/**
 * Why on-call would be paged. On-call is paged for what needs on-call (the defaults); the rest tells the
 * channel and the requester, and a plan may opt in per cause (`paging.also`).
 */
export const PAGE_CAUSES = [
  /** Flightdeck rolled production back by itself (a trigger, a failed production step, inconclusive monitoring). */
  'automatic_rollback',
  /** A rollback whose steps failed, or whose validation did not pass: production needs a human. */
  'rollback_failed',
  /** Monitoring could not measure and the plan says a human decides. */
  'paused',
  /** Someone rolled back by hand: they are already there. */
  'manual_rollback',
  /** A pre-check, readiness, staging or production step failed before production changed. */
  'deployment_stopped',
  'no_go',
] as const;
export type PageCause = (typeof PAGE_CAUSES)[number];

export const DEFAULT_PAGE_CAUSES: PageCause[] = ['automatic_rollback', 'rollback_failed', 'paused'];

/** Causes a plan may add with `paging.also`; the defaults always page. */
export const OPTIONAL_PAGE_CAUSES = ['manual_rollback', 'deployment_stopped', 'no_go'] as const satisfies readonly PageCause[];
export const optionalPageCausesSchema = z.array(z.enum(OPTIONAL_PAGE_CAUSES)).default([]);

/** A page for `cause` if the run's plan pages for it, else nothing (the channel and the requester are told by the run's own messages). */
export function pageFor(run: Pick<Run, 'spec'>, cause: PageCause, reason: string): Effect[] {
  const on = run.spec.paging?.on ?? DEFAULT_PAGE_CAUSES;
  return on.includes(cause) ? [{ kind: 'page', cause, reason }] : [];
}
