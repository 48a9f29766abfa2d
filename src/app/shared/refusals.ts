import type { Actor } from '../../domain/identity.ts';
import type { TransitionError } from '../../domain/run.ts';
import { recordRefusal } from '../../store/refusals.ts';
import type { AppContext } from './context.ts';

/**
 * A person's request refused: into the audit trail with the reason they were told. A stale event
 * (a late job, a double click the run has moved past) is not a person's refusal and is not recorded.
 */
export async function auditRefusal(
  ctx: AppContext,
  by: Actor,
  action: string,
  target: string,
  runId: string | null,
  error: Pick<TransitionError, 'code' | 'message'>,
): Promise<void> {
  if (error.code === 'stale') return;
  await recordRefusal(ctx.db, { by, action, target, runId, reason: error.message }, ctx.clock.now());
  ctx.log.info({ by: by.name, action, target, reason: error.message }, 'refused');
}
