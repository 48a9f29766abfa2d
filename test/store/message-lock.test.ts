import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/shared/context.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { recordEvent } from '../../src/app/shared/record-event.ts';
import { loadPlanFile } from '../../src/plans/catalog.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import type { Db } from '../../src/store/db.ts';
import { findRunByKey, lockRun, lockRunMessages } from '../../src/store/runs.ts';
import { freshPostgres } from '../support/databases.ts';
import { testContext } from '../support/context.ts';

/**
 * While a worker holds a run's message lock (posting or editing its status message, possibly waiting
 * on Slack's retries), a transition on that run — a GO click on Slack's 3-second clock — goes through.
 */
describe('the run message lock does not block transitions', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let ctx: AppContext;
  beforeAll(async () => {
    pg = await freshPostgres();
    const plan = await loadPlanFile(join(PROJECT_ROOT, 'plans/demo.yaml'));
    ctx = testContext(pg.database.db, [plan]);
  });
  afterAll(async () => pg?.drop());

  /** Holds `lock` in an open transaction while `during` runs; says whether `during` finished before the lock was let go. */
  async function whileHeld(lock: (tx: Db) => Promise<unknown>, during: () => Promise<unknown>): Promise<'finished' | 'blocked'> {
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const held = ctx.db.transaction(async (tx) => {
      await lock(tx);
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await isLocked;
    // Not a speed assertion: a bound that turns a blocked transition into an answer instead of a hang.
    const work = during();
    const outcome = await Promise.race([
      work.then(() => 'finished' as const),
      new Promise<'blocked'>((resolve) => setTimeout(() => resolve('blocked'), 3_000)),
    ]);
    release();
    await held;
    await work; // a blocked transition goes through once the lock is gone
    return outcome;
  }

  it('a transition completes while the message lock is held; under the row lock it would wait', async () => {
    await onCommand(ctx, { actor: { platform: 'slack', id: 'U0DEMOALICE', name: 'alice' }, text: 'start demo 1.1.0', requestKey: null });
    const run = (await findRunByKey(ctx.db, 'demo-1'))!;
    expect(
      await whileHeld(
        (tx) => lockRunMessages(tx, run.id),
        () => recordEvent(ctx, run.id, { type: 'step.started', stepId: 'pre_checks.0' }),
      ),
    ).toBe('finished');
    // The control: the row lock (what the status refresh used to hold) does make the transition wait.
    expect(
      await whileHeld(
        (tx) => lockRun(tx, run.id),
        () => recordEvent(ctx, run.id, { type: 'step.succeeded', stepId: 'pre_checks.0', summary: 'ok' }),
      ),
    ).toBe('blocked');
  });
});
