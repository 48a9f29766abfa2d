import { timeOrderedId } from '../../store/ids.ts';
import type { Actor } from '../../domain/identity.ts';
import type { Plan } from '../../domain/plan.ts';
import { describeRedeploy } from '../../domain/redeploy.ts';
import { transition, type Run, type RunEvent } from '../../domain/run.ts';
import { alreadyActive, type RunDraft } from '../../domain/start-decision.ts';
import { createRun, lastRunNumber, wasRunSaved } from '../../store/create-run.ts';
import { isConnectionLost, isUniqueViolation } from '../../store/errors.ts';
import { activeRunFor, findRunByRequestKey } from '../../store/runs.ts';
import { outboxOnly, outboxRowsFor } from '../apply-effects.ts';
import type { AppContext } from '../shared/context.ts';
import { metricsOf, observeTransition } from '../shared/run-metrics.ts';
import { text, type Reply } from '../shared/replies.ts';

/**
 * A start loses the race for a number only to another start of the service that committed a run with it
 * (the counter moves in no other write), so retrying always makes progress: the k-th of k starts at once
 * (a release train over many environments) needs k tries. The bound only stops a bug from looping forever;
 * it was 5 once, and a burst of sixteen starts failed (test/store/concurrency.test.ts).
 */
const NUMBER_ATTEMPTS = 100;

const NOT_SAVED = 'Sorry, Flightdeck lost its database connection before the run was saved. Nothing was changed; please try again in a moment.';

export interface SaveRequest {
  actor: Actor;
  requestKey: string | null;
  plan: Plan;
  environment: string;
}

/**
 * Writes the run in one statement (store/create-run.ts), committed before the reply says it was created.
 * Its number is the service's last one (read with the facts) plus one; when another start of the service
 * took it meanwhile, nothing was written, and the run is built again with the next.
 *
 * A connection lost under the write leaves it in doubt: the commit may have landed before the answer was
 * lost (Postgres ends a session after finishing the commit it was in). The reply says only what was
 * checked: the run is looked for once any start of the service still in flight has ended
 * (store/create-run.ts wasRunSaved); found, it was created; not found, nothing was changed; and when the
 * database cannot be asked, the reply says it cannot tell and where to look, never "nothing was changed".
 */
export async function saveRun(
  ctx: AppContext,
  { actor, requestKey, plan, environment }: SaveRequest,
  draft: RunDraft,
  lastNumber: number,
  scheduled: Run['scheduled'],
  commit: Run['commit'],
): Promise<Reply> {
  const now = ctx.clock.now();
  try {
    let last = lastNumber;
    for (let attempt = 1; ; attempt++) {
      const number = last + 1;
      const event: RunEvent & { type: 'requested' } = {
        type: 'requested',
        run: {
          id: timeOrderedId(),
          key: `${plan.service}-${number}`,
          service: plan.service,
          version: draft.version,
          previousVersion: draft.previousVersion,
          environment,
          platform: actor.platform,
          requestedBy: actor,
          spec: draft.spec,
          emergency: draft.emergency,
          scheduled,
          ...(draft.redeploy ? { redeploy: draft.redeploy } : {}),
          ...(commit ? { commit } : {}),
        },
      };
      const result = transition(null, event, now);
      if (!result.ok) throw new Error(result.error.message);
      // A run's first transition opens no page and takes no lock (apply-effects persistEffects' other work): its effects are outbox rows only.
      if (!outboxOnly(result.effects)) throw new Error('a new run neither pages nor locks');
      const outbox = outboxRowsFor(result.run, result.effects, now);
      const saved = await createRun(ctx.db, { run: result.run, event, number, outbox, requestKey, at: now }).catch(async (error: unknown) => {
        if (!isConnectionLost(error)) throw error;
        ctx.log.warn({ err: error, run: result.run.key }, 'the connection was lost under a start; looking for its run');
        const found = await wasRunSaved(ctx.db, plan.service, result.run.id).catch(() => null);
        return found === null ? 'unknown' : found ? 'found' : 'not saved';
      });
      if (saved === 'unknown') return text(inDoubt(result.run));
      if (saved === 'not saved') return text(NOT_SAVED);
      if (saved === true || saved === 'found') {
        ctx.kickRelay();
        observeTransition(metricsOf(ctx), null, result.run, []);
        ctx.log.info({ run: result.run.key, by: actor.name, ...(result.run.redeploy ? { redeploy: result.run.redeploy } : {}) }, 'run created');
        return created(result.run);
      }
      if (attempt === NUMBER_ATTEMPTS) throw new Error(`no free run number for ${plan.service} after ${attempt} attempts`);
      last = await lastRunNumber(ctx.db, plan.service);
    }
  } catch (error) {
    // Lost a race: the database's unique keys decide, and nothing of ours was written.
    if (requestKey && isUniqueViolation(error, 'runs_request_key_unique')) {
      const earlier = await runOfRequest(ctx, requestKey);
      if (earlier) return earlier;
    }
    if (isUniqueViolation(error, 'one_active_run_per_target')) {
      const winner = await activeRunFor(ctx.db, plan.service, environment);
      return text(winner ? alreadyActive(winner) : `Another run became active on ${plan.service} ${environment} a moment ago. Try again when it ends.`);
    }
    throw error;
  }
}

/** A retried request (same platform request id, or the same queued start) finds the run it created. */
export async function runOfRequest(ctx: AppContext, requestKey: string | null): Promise<Reply | null> {
  const earlier = requestKey ? await findRunByRequestKey(ctx.db, requestKey) : null;
  return earlier ? created(earlier) : null;
}

export function created(run: Run): Reply {
  if (run.scheduled)
    return text(
      `Run ${run.key} scheduled: ${run.service} ${run.version} → ${run.environment} at ${run.scheduled.shown}. /deploy cancel ${run.key} removes it.`,
    );
  const rollback = describeRedeploy(run);
  if (rollback) {
    const gate = run.spec.requireDecision ? 'after a Go/No-Go by the approvers' : 'with no Go/No-Go (the plan asks for none)';
    return text(
      `Run ${run.key} created: ${rollback} on ${run.environment}${run.redeploy?.of ? ` (${run.redeploy.from} was deployed by ${run.redeploy.of})` : ''}. It deploys ${run.version} again by ${run.spec.strategy}, ${gate}. I'll post its progress in the channel.`,
    );
  }
  return text(`Run ${run.key} created: ${run.service} ${run.version} → ${run.environment}. I'll post its progress in the channel.`);
}

/** The connection was lost under the write and the database could not be asked since: say so, and where to look. */
export function inDoubt(run: Run): string {
  return (
    `Sorry, Flightdeck lost its database connection while saving ${run.service} ${run.version} → ${run.environment}, ` +
    `so it cannot tell whether the run was created. \`/deploy status\` shows the active runs; check there before starting it again.`
  );
}
