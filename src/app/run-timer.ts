import type { TimerJob } from '../queue/jobs.ts';
import type { AppContext } from './context.ts';
import { recordEvent } from './record-event.ts';

/** Worker: a timer the run set went off (a reminder to approvers, the decision timeout); the domain decides whether it still matters. */
export async function runTimer(ctx: AppContext, job: TimerJob): Promise<'done' | 'stale'> {
  const result = await recordEvent(ctx, job.runId, { type: 'timer', timer: job.timer, n: job.n });
  return result.ok ? 'done' : 'stale';
}
