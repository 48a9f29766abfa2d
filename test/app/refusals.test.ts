import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/shared/context.ts';
import { onAction } from '../../src/app/on-action.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { ACTIONS } from '../../src/domain/cards.ts';
import { loadPlanFile } from '../../src/plans/catalog.ts';
import { refusalsOf } from '../../src/store/refusals.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres } from '../support/databases.ts';
import { testContext } from '../support/context.ts';

const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const mallory = { platform: 'slack' as const, id: 'U0MALLORY', name: 'mallory' };

/** Roles: a refused action is answered with its reason and recorded in the audit trail (refusals). */
describe('refusals are audited', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let ctx: AppContext;
  beforeAll(async () => {
    pg = await freshPostgres();
    const demo = await loadPlanFile(fileURLToPath(new URL('../../plans/demo.yaml', import.meta.url)));
    const guarded = { ...demo, service: 'guarded', deployers: ['alice'] };
    ctx = testContext(pg.database.db, [demo, guarded]);
  });
  afterAll(async () => pg?.drop());

  it('a start by someone who is not a deployer', async () => {
    const reply = await onCommand(ctx, { actor: mallory, text: 'start guarded 1.0.0', requestKey: null });
    expect(reply).toEqual({ kind: 'text', text: 'Only deployers of this service may start a run (alice).' });
    expect(await refusalsOf(ctx.db, 'guarded production')).toMatchObject([
      { by: mallory, action: 'start', runId: null, reason: 'Only deployers of this service may start a run (alice).' },
    ]);
  });

  it('a GO before the run waits for one and a rollback by a stranger, with the run they were about', async () => {
    await onCommand(ctx, { actor: alice, text: 'start demo 1.0.0', requestKey: null });
    const run = (await findRunByKey(ctx.db, 'demo-1'))!;
    const go = await onAction(ctx, { actor: alice, action: ACTIONS.go, runId: run.id, rationale: 'looks fine' });
    expect(go.accepted).toBe(false);
    await onCommand(ctx, { actor: mallory, text: 'rollback demo-1 because', requestKey: null });
    const audited = await refusalsOf(ctx.db, 'demo-1');
    expect(audited.map((refusal) => [refusal.by.name, refusal.action, refusal.runId])).toEqual([
      ['alice', 'decision go', run.id],
      ['mallory', 'rollback', run.id],
    ]);
    expect(audited[0]!.reason).toBe('demo-1 is not waiting for a Go/No-Go decision (it is pre checks).');
    expect(audited[1]!.reason).toBe('demo-1 cannot be rolled back: nothing has been deployed yet; use /deploy cancel demo-1.');
  });
});
