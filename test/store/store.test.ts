import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/shared/context.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { recordEvent } from '../../src/app/shared/record-event.ts';
import { outboxRowsFor } from '../../src/app/apply-effects.ts';
import { appendEventIfAt } from '../../src/store/append-event.ts';
import type { Reply } from '../../src/app/shared/replies.ts';
import { replay, transition } from '../../src/domain/run.ts';
import { loadPlanFile } from '../../src/plans/catalog.ts';
import type { Database } from '../../src/store/db.ts';
import { isUniqueViolation } from '../../src/store/errors.ts';
import { storeSpec, withoutSpec } from '../../src/store/run-specs.ts';
import { eventsOf, findRunByKey, lockRunSeen } from '../../src/store/runs.ts';
import { runs } from '../../src/store/schema.ts';
import { ENGINES } from '../support/databases.ts';
import { testContext } from '../support/context.ts';

const DEMO_PLAN = fileURLToPath(new URL('../../plans/demo.yaml', import.meta.url));
const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };
const say = (reply: Reply) => (reply.kind === 'text' ? reply.text : `card: ${JSON.stringify(reply.card)}`);

/** The same store guarantees on both engines: one database per engine, the tests below build on each other in order. */
describe.each(ENGINES)('store on %s', (_engine, open) => {
  let database: Database;
  let close: () => Promise<void>;
  let ctx: AppContext;
  let current = new Date('2026-11-02T09:00:00.000Z');
  const tick = () => (current = new Date(current.getTime() + 7_000));

  beforeAll(async () => {
    ({ database, close } = await open());
    const plan = await loadPlanFile(DEMO_PLAN);
    ctx = testContext(database.db, [plan], { now: () => current });
  });
  afterAll(async () => close?.());

  async function rows(query: ReturnType<typeof sql>) {
    return ((await database.db.execute(query)) as unknown as { rows: Record<string, unknown>[] }).rows;
  }
  const counts = async () =>
    (
      await rows(sql`select (select count(*) from runs)::int as runs, (select count(*) from run_events)::int as events,
      (select count(*) from outbox)::int as outbox, (select count(*) from run_counters)::int as counters`)
    )[0];
  const demo1 = async () => (await findRunByKey(database.db, 'demo-1'))!;

  it('a start writes one run, its "requested" event and its outbox rows; a retry with the same request key writes nothing', async () => {
    expect(await counts()).toEqual({ runs: 0, events: 0, outbox: 0, counters: 0 });
    const reply = await onCommand(ctx, { actor: alice, text: 'start demo 1.1.0', requestKey: 'slack:trig-1' });
    expect(say(reply)).toContain('Run demo-1 created: demo 1.1.0 → production');
    expect(await counts()).toEqual({ runs: 1, events: 1, outbox: 2, counters: 1 });
    expect(await rows(sql`select key, state, seq from runs`)).toEqual([{ key: 'demo-1', state: 'pre_checks', seq: 1 }]);
    expect(await rows(sql`select seq, type from run_events`)).toEqual([{ seq: 1, type: 'requested' }]);
    const outbox = await rows(sql`select queue, payload->>'stepId' as step, payload->'effect'->>'kind' as effect from outbox order by queue`);
    expect(outbox).toEqual([
      { queue: 'flightdeck-chat', step: null, effect: 'refreshStatus' },
      { queue: 'flightdeck-steps', step: 'pre_checks.0', effect: null },
    ]);

    const before = await counts();
    const retry = await onCommand(ctx, { actor: alice, text: 'start demo 1.1.0', requestKey: 'slack:trig-1' });
    expect(say(retry)).toBe(say(reply));
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['unknown service', 'start nosuch 1.0.0', 'There is no deployment plan for "nosuch"'],
    ['version outside the pattern', 'start demo 1.1', `"1.1" does not match demo's version pattern`],
    ['malformed command', 'start demo', 'start needs a service and a version'],
    ['not a command', 'launch demo 1.0.0', '"launch" is not a Flightdeck command'],
    ['unknown environment', 'start demo 1.0.0 staging', 'demo has no environment "staging"'],
    [
      'second start while demo-1 is active',
      'start demo 2.0.0 production',
      'demo-1 is already active on this service and environment (pre checks, started by alice)',
    ],
    ['rollback of an unknown run', 'rollback demo-99', 'There is no run demo-99'],
    ['rollback before anything was deployed', 'rollback demo-1', 'nothing has been deployed yet'],
  ])('refuses a request (%s) and writes nothing', async (_why, text, reason) => {
    const before = await counts();
    const reply = await onCommand(ctx, { actor: alice, text, requestKey: `slack:${text}` });
    expect(say(reply)).toContain(reason);
    expect(await counts()).toEqual(before);
  });

  it('an event the domain refuses (a stale step, a decision by a non-approver) writes nothing and leaves seq alone', async () => {
    const run = await demo1();
    const before = await counts();
    const stale = await recordEvent(ctx, run.id, { type: 'step.succeeded', stepId: 'deploy.0', summary: 'not the current step' });
    expect(stale).toMatchObject({ ok: false, error: { code: 'stale' } });

    await recordEvent(ctx, run.id, { type: 'step.started', stepId: 'pre_checks.0' });
    await recordEvent(ctx, run.id, { type: 'step.succeeded', stepId: 'pre_checks.0', summary: 'toolchain ok' });
    const waiting = await demo1();
    expect(waiting.state).toBe('awaiting_decision');
    const afterSteps = await counts();
    expect(afterSteps).toMatchObject({ runs: before!.runs, events: (before!.events as number) + 2 });

    const forbidden = await recordEvent(ctx, run.id, { type: 'decision', decision: 'go', by: alice, rationale: null });
    expect(forbidden).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('Only approvers') } });
    expect(await counts()).toEqual(afterSteps);
    expect(await rows(sql`select seq from runs where key = 'demo-1'`)).toEqual([{ seq: waiting.seq }]);
    expect(await rows(sql`select count(*)::int as n from decisions`)).toEqual([{ n: 0 }]);
  });

  it('the stored snapshot equals the replay of the stored events', async () => {
    const run = await demo1();
    tick();
    expect(await recordEvent(ctx, run.id, { type: 'decision', decision: 'go', by: bob, rationale: 'looks good' })).toMatchObject({ ok: true });
    tick();
    await recordEvent(ctx, run.id, { type: 'step.started', stepId: 'deploy.0' });
    tick();
    await recordEvent(ctx, run.id, { type: 'step.succeeded', stepId: 'deploy.0', summary: 'green has 1.1.0' });
    const stored = await demo1();
    expect(stored).toMatchObject({ state: 'deploying', seq: 6, cursor: { phase: 'deploy', index: 1 } });
    expect(stored.steps.map((step) => step.stepId)).toEqual(['pre_checks.0', 'deploy.0']);
    const events = await eventsOf(database.db, run.id);
    expect(events.map((e) => e.event.type)).toEqual(['requested', 'step.started', 'step.succeeded', 'decision', 'step.started', 'step.succeeded']);
    expect(replay(events)).toEqual(stored);
    expect(replay(events.slice(0, -1))).not.toEqual(stored);
  });

  it('the database itself refuses a second active run on the same service and environment', async () => {
    const active = await demo1();
    const id = '22222222-2222-4222-8222-222222222222';
    const at = new Date();
    const row = {
      id,
      key: 'demo-99',
      service: 'demo',
      environment: 'production',
      version: '9.9.9',
      seq: 1,
      snapshot: withoutSpec({ ...active, id, key: 'demo-99' }),
      specHash: await storeSpec(database.db, active.spec),
      createdAt: at,
      updatedAt: at,
    };
    const error = await database.db
      .insert(runs)
      .values({ ...row, state: 'queued' })
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect(isUniqueViolation(error, 'one_active_run_per_target')).toBe(true);
    // A finished run on the same target is history, not a conflict.
    await database.db.insert(runs).values({ ...row, state: 'succeeded' });
    expect(await rows(sql`select count(*)::int as n from runs where service = 'demo'`)).toEqual([{ n: 2 }]);
  });

  it('a run handed to recordEvent is kept while its seq holds, and read again once another write moved it', async () => {
    const seen = await demo1();
    // Nothing moved it: the lock reads only the seq, and the transition starts from the run handed in.
    expect(await database.db.transaction((tx) => lockRunSeen(tx, seen))).toBe(seen);
    tick();
    expect(seen.cursor).toMatchObject({ phase: 'deploy', index: 1 });
    const moved = await recordEvent(ctx, seen.id, { type: 'step.started', stepId: 'deploy.1' });
    expect(moved.ok).toBe(true);
    // `seen` is stale now: the lock reads the run as it is, so a decision made from `seen` is made from the run it is.
    const now = await database.db.transaction((tx) => lockRunSeen(tx, seen));
    expect(now).not.toBe(seen);
    expect(now).toEqual(await demo1());
    expect(now!.seq).toBe(seen.seq + 1);
    // From `seen` (deploy.1 not started) its success would be refused; from the run as it is, it is accepted.
    tick();
    const finished = await recordEvent(ctx, seen, { type: 'step.succeeded', stepId: 'deploy.1', summary: 'blue is live' });
    expect(finished.ok).toBe(true);
    expect((await demo1()).seq).toBe(seen.seq + 2);
  });

  it('a transition written from a run already moved writes nothing; two from the same read, one wins and the other is decided again', async () => {
    const seen = await demo1();
    const step = `${seen.cursor!.phase}.${seen.cursor!.index}`;
    const before = await counts();
    const started = transition(seen, { type: 'step.started', stepId: step }, tick());
    expect(started.ok).toBe(true);
    const run = (started as { run: typeof seen }).run;
    // From a seq the run is no longer at: nothing of it is written, not the event, not the snapshot, not its outbox rows.
    expect(
      await appendEventIfAt(
        database.db,
        seen.seq - 1,
        run,
        { type: 'step.started', stepId: step },
        outboxRowsFor(run, started.ok ? started.effects : [], current),
        current,
      ),
    ).toBe(false);
    expect(await counts()).toEqual(before);
    expect((await demo1()).seq).toBe(seen.seq);
    // The same start of a step's job recorded twice from one read: one is written, the other finds the run moved, is decided again and refused.
    tick();
    const both = await Promise.all([1, 2].map(() => recordEvent(ctx, seen, { type: 'step.started', stepId: step, attempt: 1 })));
    expect(both.map((result) => result.ok).sort()).toEqual([false, true]);
    expect(
      await rows(sql`select count(*)::int as n from run_events where run_id = ${seen.id} and type = 'step.started' and payload->>'stepId' = ${step}`),
    ).toEqual([{ n: 1 }]);
    expect((await demo1()).seq).toBe(seen.seq + 1);
  });
});
