import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/shared/context.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { recordEvent } from '../../src/app/shared/record-event.ts';
import type { Reply } from '../../src/app/shared/replies.ts';
import { plain } from '../../src/domain/cards.ts';
import { currentStep, isTerminal, type Run } from '../../src/domain/run.ts';
import { loadPlanFile } from '../../src/plans/catalog.ts';
import { refusalsOf } from '../../src/store/refusals.ts';
import { eventsOf, findRunByKey, succeededVersions } from '../../src/store/runs.ts';
import { freshPostgres } from '../support/databases.ts';
import { testContext } from '../support/context.ts';

const DEMO_PLAN = fileURLToPath(new URL('../../plans/demo.yaml', import.meta.url));
const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };
const carol = { platform: 'slack' as const, id: 'U0DEMOCAROL', name: 'carol' };
const say = (reply: Reply) => (reply.kind === 'text' ? reply.text : [reply.card.title, ...reply.card.body.map(plain)].join('\n'));

/**
 * `/deploy rollback <service> [environment] [to <version>]` through the use case on real Postgres: which version
 * it deploys again, who may, what refuses it (writing nothing but the audit row), and how the verb tells a
 * run in flight from a service. The worker's part is recorded directly: every step succeeds, checks are healthy.
 */
describe('rolling back a finished deployment', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let ctx: AppContext;
  let now = new Date('2026-11-02T09:00:00.000Z');

  beforeAll(async () => {
    pg = await freshPostgres();
    const demo = await loadPlanFile(DEMO_PLAN);
    ctx = testContext(pg.database.db, [demo], { now: () => (now = new Date(now.getTime() + 1_000)) });
  });
  afterAll(async () => pg?.drop());

  const command = async (actor: typeof alice, text: string) => say(await onCommand(ctx, { actor, text, requestKey: null }));
  const run = async (key: string) => (await findRunByKey(ctx.db, key))!;

  /** Plays the worker and the approvers until the run ends: steps succeed, checks are healthy, bob says GO when asked. */
  async function finish(key: string): Promise<{ run: Run; decided: boolean }> {
    let decided = false;
    for (let current = await run(key); !isTerminal(current.state); current = await run(key)) {
      const step = currentStep(current);
      if (current.state === 'awaiting_decision') {
        decided = true;
        await recordEvent(ctx, current.id, { type: 'decision', decision: 'go', by: bob, rationale: null });
      } else if (current.watch) {
        await recordEvent(ctx, current.id, { type: 'check', seq: current.nextCheck, healthy: true, detail: 'GET /health → 200' });
      } else if (step) {
        await recordEvent(ctx, current.id, { type: 'step.started', stepId: step.id });
        await recordEvent(ctx, current.id, { type: 'step.succeeded', stepId: step.id, summary: 'exit 0' });
      } else {
        throw new Error(`${key} is ${current.state} with nothing to do`);
      }
    }
    return { run: await run(key), decided };
  }

  async function counts(): Promise<Record<string, number>> {
    const tables = (
      (await ctx.db.execute(
        sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
      )) as unknown as { rows: { table_name: string }[] }
    ).rows;
    const result: Record<string, number> = {};
    for (const { table_name: table } of tables)
      result[table] = ((await ctx.db.execute(sql.raw(`select count(*)::int as n from "${table}"`))) as unknown as { rows: { n: number }[] }).rows[0]!.n;
    return result;
  }

  it('with nothing deployed yet there is nothing to go back to: refused, and only the refusal is written', async () => {
    const before = await counts();
    expect(await command(carol, 'rollback demo')).toBe('Nothing has succeeded on demo production yet, so there is no earlier version to roll back to.');
    expect(await counts()).toEqual({ ...before, refusals: before.refusals! + 1 });
  });

  it('after 1.0.0 and then 1.1.0 succeeded, a refused rollback (a deployer, a version never deployed, the live version) writes only its audit row', async () => {
    for (const [version, key] of [
      ['1.0.0', 'demo-1'],
      ['1.1.0', 'demo-2'],
    ] as const) {
      expect(await command(alice, `start demo ${version}`)).toContain(`Run ${key} created`);
      expect((await finish(key)).run.state).toBe('succeeded');
    }
    expect(await succeededVersions(ctx.db, 'demo', 'production')).toEqual([
      { version: '1.1.0', key: 'demo-2' },
      { version: '1.0.0', key: 'demo-1' },
    ]);

    const before = await counts();
    // alice may start runs (the demo plan lists no deployers), but she is not on-call, an approver or an admin.
    expect(await command(alice, 'rollback demo')).toBe('Only approvers, on-call and admins may roll back demo production (bob, operator, dave, carol).');
    expect(await command(carol, 'rollback demo to 9.9.9')).toBe(
      'demo 9.9.9 has never succeeded on production: a rollback goes only to a version that did. Versions it can go back to: 1.0.0. To deploy a new version, use /deploy start.',
    );
    expect(await command(carol, 'rollback demo production to 1.1.0')).toBe(
      'demo 1.1.0 is what runs on production now (demo-2): there is nothing to roll back. Name another version, or leave out "to" for the one before it.',
    );
    expect(await counts()).toEqual({ ...before, refusals: before.refusals! + 3 });
    expect((await refusalsOf(ctx.db, 'demo production')).map((refusal) => [refusal.by.name, refusal.action])).toEqual([
      ['carol', 'rollback'],
      ['alice', 'rollback'],
      ['carol', 'rollback'],
      ['carol', 'rollback'],
    ]);
  });

  it('a locked target refuses it with the holder, reason and end, in the lock’s audit trail', async () => {
    expect(await command(bob, 'lock demo production db migration for 1h')).toContain('locked');
    const before = await counts();
    expect(await command(carol, 'rollback demo')).toMatch(
      /^demo production is locked by bob since \d\d:\d\d UTC until \d\d:\d\d UTC \(in [^)]+\): “db migration”\. A rollback to an earlier version waits for the lock to be lifted\.$/,
    );
    expect(await counts()).toEqual({ ...before, lock_events: before.lock_events! + 1 });
    await command(bob, 'unlock demo production');
  });

  it('on-call rolls back: a new run deploys 1.0.0 over 1.1.0, with no Go/No-Go, and its requested event says so', async () => {
    const reply = say(await onCommand(ctx, { actor: carol, text: 'rollback demo', requestKey: 'slack:rollback-1' }));
    // A retried request (Slack resends it) finds the run it created.
    const runsBefore = (await counts()).runs;
    expect(say(await onCommand(ctx, { actor: carol, text: 'rollback demo', requestKey: 'slack:rollback-1' }))).toBe(reply);
    expect((await counts()).runs).toBe(runsBefore);
    expect(reply).toBe(
      "Run demo-3 created: Rollback of demo: 1.1.0 → 1.0.0 on production (1.1.0 was deployed by demo-2). It deploys 1.0.0 again by blue-green, with no Go/No-Go (the plan asks for none). I'll post its progress in the channel.",
    );
    const created = await run('demo-3');
    expect(created).toMatchObject({
      version: '1.0.0',
      previousVersion: '1.1.0',
      requestedBy: carol,
      redeploy: { from: '1.1.0', to: '1.0.0', of: 'demo-2' },
      spec: { requireDecision: false, strategy: 'blue-green' },
    });
    const [requested] = await eventsOf(ctx.db, created.id);
    expect(requested!.event).toMatchObject({ type: 'requested', run: { redeploy: { from: '1.1.0', to: '1.0.0', of: 'demo-2' } } });
  });

  it('while it runs, another rollback of the service is refused naming it; "rollback demo-3" is about the run itself', async () => {
    const before = await counts();
    expect(await command(carol, 'rollback demo')).toBe(
      'demo-3 is active on this service and environment (pre checks, started by carol): wait for it to end, or /deploy cancel demo-3 stops it.',
    );
    expect(await command(carol, 'rollback demo-3 wrong version')).toBe(
      'demo-3 cannot be rolled back: nothing has been deployed yet; use /deploy cancel demo-3.',
    );
    expect(await counts()).toEqual({ ...before, refusals: before.refusals! + 1 });
  });

  it('it succeeds without anyone deciding; 1.0.0 is then live, and the next rollback goes back to 1.1.0', async () => {
    const { run: done, decided } = await finish('demo-3');
    expect({ state: done.state, decided, decision: done.decision }).toEqual({ state: 'succeeded', decided: false, decision: null });
    expect(done.steps.map((step) => step.stepId)).toEqual(['pre_checks.0', 'deploy.0', 'deploy.1', 'deploy.2', 'finalize.0']);
    expect(await command(bob, 'rollback demo to 1.1.0')).toContain(
      'Run demo-4 created: Rollback of demo: 1.0.0 → 1.1.0 on production (1.0.0 was deployed by demo-3).',
    );
    expect((await finish('demo-4')).run).toMatchObject({ state: 'succeeded', version: '1.1.0', previousVersion: '1.0.0' });
  });

  it('a word that is neither a run nor a service with a plan is answered with both usages', async () => {
    const usage = 'Usage: /deploy rollback <run> [reason] (a run in flight) or /deploy rollback <service> [environment] [to <version>] (a finished deployment)';
    expect(await command(carol, 'rollback nosuch')).toBe(`There is no deployment plan for "nosuch". Services with plans: demo.\n${usage}`);
    expect(await command(carol, 'rollback demo-99')).toBe(
      `There is no run demo-99, and no deployment plan for a service "demo-99". Services with plans: demo.\n${usage}`,
    );
    expect(await command(carol, 'rollback demo staging')).toBe('demo has no environment "staging" (it has production).');
  });
});
