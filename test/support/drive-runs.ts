import type { AppContext } from '../../src/app/shared/context.ts';
import { recordEvent } from '../../src/app/shared/record-event.ts';
import type { Reading } from '../../src/domain/assess.ts';
import type { Actor } from '../../src/domain/identity.ts';
import { currentStep, isTerminal, type Run, type RunEvent } from '../../src/domain/run.ts';
import { findRunByKey } from '../../src/store/runs.ts';

/**
 * Plays the worker and an approver for a run created through the use cases, until it ends: steps succeed,
 * `approver` says GO when asked, checks are healthy unless `unhealthyChecks` fail first, and a rollback's
 * validation sees the previous version answer every request. `readings` gives a monitoring check what a
 * Prometheus monitor would have measured (so a report draws its chart). `tick` moves the test's clock before each event.
 */
export async function driveRun(
  ctx: AppContext,
  key: string,
  options: { approver: Actor; unhealthyChecks?: number; readings?: (healthy: boolean) => Reading[]; tick: () => void },
): Promise<Run> {
  const run = async () => (await findRunByKey(ctx.db, key))!;
  const record = async (current: Run, event: RunEvent) => {
    options.tick();
    const result = await recordEvent(ctx, current.id, event);
    if (!result.ok) throw new Error(`${event.type} refused: ${result.error.message}`);
  };
  let failing = options.unhealthyChecks ?? 0;
  for (let current = await run(); !isTerminal(current.state); current = await run()) {
    const step = currentStep(current);
    if (current.state === 'awaiting_decision') await record(current, { type: 'decision', decision: 'go', by: options.approver, rationale: null });
    else if (current.watch || current.state === 'validating_rollback') {
      const validating = current.state === 'validating_rollback';
      const healthy = validating || failing-- <= 0;
      const versions = validating ? { requests: 20, answered: { [current.previousVersion!]: 20 }, unanswered: 0, detail: '' } : undefined;
      const readings = validating ? undefined : options.readings?.(healthy);
      await record(current, {
        type: 'check',
        seq: current.nextCheck,
        healthy,
        detail: healthy ? 'GET /health → 200' : 'GET /health → 503',
        versions,
        readings,
      });
    } else if (step) {
      await record(current, { type: 'step.started', stepId: step.id });
      await record(current, { type: 'step.succeeded', stepId: step.id, summary: 'exit 0' });
    } else throw new Error(`${key} is ${current.state} with nothing to do`);
  }
  return run();
}
