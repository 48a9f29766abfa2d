import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/shared/context.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { runTimer } from '../../src/app/run-timer.ts';
import { loadPlanFile } from '../../src/plans/catalog.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres } from '../support/databases.ts';
import { testContext } from '../support/context.ts';

const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };

/** A lock taken after a run was scheduled stops that run at its time (locks stop starts, and this is its start). */
describe('a scheduled start and a lock', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let ctx: AppContext;
  beforeAll(async () => {
    pg = await freshPostgres();
    const demo = await loadPlanFile(fileURLToPath(new URL('../../plans/demo.yaml', import.meta.url)));
    ctx = testContext(pg.database.db, [demo]);
  });
  afterAll(async () => pg?.drop());

  it('the run is cancelled with the lock as its reason, and nothing starts', async () => {
    const at = new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    expect(await onCommand(ctx, { actor: alice, text: `start demo 1.1.0 --at ${at}`, requestKey: null })).toMatchObject({
      text: expect.stringContaining('Run demo-1 scheduled'),
    });
    expect(await onCommand(ctx, { actor: bob, text: 'lock demo production incident 42 in checkout', requestKey: null })).toMatchObject({
      kind: expect.any(String),
    });
    const run = (await findRunByKey(ctx.db, 'demo-1'))!;
    expect(await runTimer(ctx, { runId: run.id, timer: 'scheduled_start', n: 1 })).toBe('done');
    const after = (await findRunByKey(ctx.db, 'demo-1'))!;
    expect(after.state).toBe('cancelled');
    expect(after.cancelled?.reason).toMatch(/^not started at its scheduled time: demo production is locked by bob .*incident 42 in checkout/);
  });
});
