import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/shared/context.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { startQueued, sweepLocks } from '../../src/app/start/queued-starts.ts';
import { recordEvent } from '../../src/app/shared/record-event.ts';
import type { Reply } from '../../src/app/shared/replies.ts';
import { plain } from '../../src/domain/cards.ts';
import type { Plan } from '../../src/domain/plan.ts';
import { catalogOf, loadPlanFile } from '../../src/plans/catalog.ts';
import type { Database } from '../../src/store/db.ts';
import { activeLockFor, lockEventsFor, queuedStartsFor } from '../../src/store/locks.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { ENGINES, freshPostgres } from '../support/databases.ts';
import { testContext } from '../support/context.ts';

const DEMO_PLAN = fileURLToPath(new URL('../../plans/demo.yaml', import.meta.url));
const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };
const carol = { platform: 'slack' as const, id: 'U0DEMOCAROL', name: 'carol' };
const mallory = { platform: 'slack' as const, id: 'U0MALLORY', name: 'mallory' };
const TARGET = { service: 'demo', environment: 'production' };
const HOUR = 3_600_000;
const say = (reply: Reply) =>
  reply.kind === 'text'
    ? reply.text
    : [reply.card.title, ...reply.card.body.map(plain), ...reply.card.fields.map((field) => `${field.label}: ${plain(field.value)}`)].join('\n');

/** The demo plan with bob as admin; `lockAfterRollback` as asked. */
function demoPlan(base: Plan, options: { lockAfterRollback?: boolean; deployers?: string[] } = {}): Plan {
  const production = { ...base.environments.production!, lockAfterRollback: options.lockAfterRollback ?? false };
  return { ...base, admins: ['bob'], deployers: options.deployers ?? [], environments: { ...base.environments, production } };
}

/** Locks through the use cases, on both engines; one database per engine, the tests build on each other in order. */
describe.each(ENGINES)('locks on %s', (_engine, open) => {
  let database: Database;
  let close: () => Promise<void>;
  let ctx: AppContext;
  let base: Plan;
  let plans = catalogOf([]);
  let current = new Date('2026-11-02T09:00:00.000Z');
  const later = (ms: number) => (current = new Date(current.getTime() + ms));
  const command = async (actor: typeof alice, text: string, requestKey: string | null = null) => say(await onCommand(ctx, { actor, text, requestKey }));

  beforeAll(async () => {
    ({ database, close } = await open());
    base = await loadPlanFile(DEMO_PLAN);
    plans = catalogOf([demoPlan(base)]);
    ctx = testContext(database.db, { get: (service: string) => plans.get(service), services: () => plans.services() }, { now: () => current });
  });
  afterAll(async () => close?.());

  async function rows(query: ReturnType<typeof sql>) {
    return ((await database.db.execute(query)) as unknown as { rows: Record<string, unknown>[] }).rows;
  }
  const actions = async () => (await lockEventsFor(database.db, TARGET)).map((event) => event.action);
  /** What a worker does with the run's targetFreed jobs (no relay or worker runs here): each gives the target's queued starts their turn. */
  const runTargetJobs = async () => {
    for (const row of await rows(sql`select id, payload from outbox where queue = 'flightdeck-targets' and relayed_at is null`)) {
      await startQueued(ctx, row.payload as typeof TARGET);
      await database.db.execute(sql`update outbox set relayed_at = now() where id = ${row.id}`);
    }
  };
  const runCount = async () => (await rows(sql`select count(*)::int as n from runs`))[0]!.n;

  it('a lock is stored with who, why, since and until, logged, and announced in the channel', async () => {
    const reply = await command(alice, 'lock demo production "db migration" for 2h');
    expect(reply).toContain('🔒 alice locked demo production');
    expect(reply).toContain('Until: 11:00 UTC (in 2h)');
    expect(await activeLockFor(database.db, TARGET, current)).toEqual({
      ...TARGET,
      by: alice,
      reason: 'db migration',
      since: '2026-11-02T09:00:00.000Z',
      until: '2026-11-02T11:00:00.000Z',
      kind: 'manual',
      runKey: null,
    });
    expect(await actions()).toEqual(['locked']);
    const notices = await rows(sql`select payload->>'channel' as channel, payload->'card'->>'title' as title from outbox where queue = 'flightdeck-notices'`);
    expect(notices).toEqual([{ channel: 'C0DEPLOYS', title: '🔒 alice locked demo production' }]);
  });

  it('a second lock by someone else is refused privately, naming the holder, and logged', async () => {
    later(60_000);
    expect(await command(carol, 'lock demo production hotfix')).toBe(
      'demo production is locked by alice since 09:00 UTC until 11:00 UTC (in 1h 59m): “db migration”. Only alice or an admin (bob) may change it.',
    );
    expect((await activeLockFor(database.db, TARGET, current))!.by).toEqual(alice);
    expect(await actions()).toEqual(['locked', 'lock_refused']);
  });

  it('a start while locked is refused naming holder, reason and expiry, offers --queue, and writes no run', async () => {
    const reply = await command(mallory, 'start demo 1.2.0');
    expect(reply).toBe(
      'demo production is locked by alice since 09:00 UTC until 11:00 UTC (in 1h 59m): “db migration”. Reply `/deploy start demo 1.2.0 --queue` to run it when the lock frees.',
    );
    expect(await runCount()).toBe(0);
    expect(await actions()).toEqual(['locked', 'lock_refused', 'start_refused']);
    expect(await command(mallory, 'start demo 1.2.0 --dry-run')).toContain('A real start now would be refused: demo production is locked by alice');
  });

  it('/deploy status and /deploy locks show the lock', async () => {
    expect(await command(mallory, 'status')).toContain('🔒 demo production — locked by @alice since 09:00 UTC until 11:00 UTC (in 1h 59m): “db migration”');
    expect(await command(mallory, 'locks')).toContain('Locks (1)');
  });

  it('start --queue is accepted and stored once, even when the request is retried', async () => {
    const first = await command(mallory, 'start demo 1.2.0 --queue', 'slack:q1');
    expect(first).toMatch(/^Queued: demo 1\.2\.0 → production starts when the lock frees\. demo production is locked by alice/);
    expect(await command(mallory, 'start demo 1.2.0 --queue', 'slack:q1')).toBe(first);
    const queued = await queuedStartsFor(database.db, TARGET);
    expect(queued.map((start) => [start.command, start.requestedBy.name])).toEqual([['start demo 1.2.0', 'mallory']]);
    expect(await runCount()).toBe(0);
  });

  it('unlock by someone who is neither the holder nor an admin is refused and logged; nothing starts', async () => {
    expect(await command(carol, 'unlock demo production I need it')).toBe('Only alice (who took the lock) or an admin (bob) may unlock demo production.');
    expect(await activeLockFor(database.db, TARGET, current)).not.toBeNull();
    expect(await runCount()).toBe(0);
    expect((await actions()).at(-1)).toBe('unlock_refused');
  });

  it('unlock by the holder frees the target and the queued start runs through the start path', async () => {
    const reply = await command(alice, 'unlock demo production migration done');
    expect(reply).toBe("Unlocked demo production (locked by alice: “db migration”).\nmallory's queued start of demo 1.2.0: demo-1 created.");
    expect(await activeLockFor(database.db, TARGET, current)).toBeNull();
    const run = (await findRunByKey(database.db, 'demo-1'))!;
    expect(run).toMatchObject({ version: '1.2.0', requestedBy: mallory, state: 'pre_checks' });
    expect(await queuedStartsFor(database.db, TARGET)).toEqual([]);
    expect((await actions()).slice(-2)).toEqual(['unlocked', 'queued_started']);
    const unlocked = await rows(sql`select reason, by->>'name' as by from lock_events where action = 'unlocked'`);
    expect(unlocked).toEqual([{ reason: 'migration done', by: 'alice' }]);
  });

  it('a start queued behind an active run starts when that run ends', async () => {
    expect(await command(alice, 'start demo 1.3.0')).toContain(
      'demo-1 is already active on this service and environment (pre checks, started by mallory). Wait for it to finish, or cancel it; or add --queue to start when it ends.',
    );
    expect(await command(alice, 'start demo 1.3.0 --queue')).toBe(
      'Queued: demo 1.3.0 → production starts when demo-1 ends. demo-1 is active there (pre checks).',
    );
    expect(await command(mallory, 'cancel demo-1 wrong build')).toBe('demo-1 is cancelled.');
    await runTargetJobs();
    expect(await findRunByKey(database.db, 'demo-2')).toMatchObject({ version: '1.3.0', requestedBy: alice, state: 'pre_checks' });
    expect(await command(alice, 'cancel demo-2')).toBe('demo-2 is cancelled.');
  });

  it('an expired lock lets a start through; the sweeper logs and removes it', async () => {
    expect(await command(alice, 'lock demo production quick check for 30m')).toContain('🔒 alice locked demo production');
    expect(await command(alice, 'start demo 1.4.0')).toContain('is locked by alice');
    later(30 * 60_000);
    expect(await command(alice, 'start demo 1.4.0')).toContain('Run demo-3 created');
    expect(await sweepLocks(ctx)).toBe(0);
    expect(await rows(sql`select count(*)::int as n from locks`)).toEqual([{ n: 0 }]);
    expect((await actions()).at(-1)).toBe('expired');
    expect(await command(alice, 'cancel demo-3')).toBe('demo-3 is cancelled.');
  });

  it('a queued start is checked again when its turn comes: refused then, it is dropped and its requester told in the channel', async () => {
    await command(alice, 'lock demo production freeze for 1h');
    expect(await command(mallory, 'start demo 1.5.0 --queue')).toMatch(/^Queued/);
    // Meanwhile the plan names its deployers, and mallory is not one.
    plans = catalogOf([demoPlan(base, { deployers: ['alice'] })]);
    later(HOUR);
    expect(await sweepLocks(ctx)).toBe(1);
    expect(await queuedStartsFor(database.db, TARGET)).toEqual([]);
    expect((await actions()).slice(-2)).toEqual(['expired', 'queued_dropped']);
    const [notice] = await rows(
      sql`select payload from outbox where queue = 'flightdeck-notices' and payload->'card'->>'title' like '%Queued start not started%'`,
    );
    expect(notice).toMatchObject({
      payload: {
        platform: 'slack',
        channel: 'C0DEPLOYS',
        card: {
          body: [
            [
              { mention: { name: 'mallory', ids: { slack: 'U0MALLORY' } } },
              expect.stringContaining('could not start when demo production freed: Only deployers of this service may start a run (alice).'),
            ],
          ],
        },
      },
    });
    expect(await runCount()).toBe(3);
    plans = catalogOf([demoPlan(base)]);
  });

  it('an admin may unlock and take over a lock someone else holds', async () => {
    await command(alice, 'lock demo production mine');
    expect(await command(bob, 'lock demo production admin override for 1h')).toContain('🔒 bob took over the lock on demo production from alice');
    expect((await activeLockFor(database.db, TARGET, current))!.by).toEqual(bob);
    expect(await command(bob, 'unlock demo production')).toMatch(/^Unlocked demo production \(locked by bob/);
    expect(await command(bob, 'unlock demo production')).toBe('demo production is not locked.');
  });

  it('a run that ends rolled back locks the target when its plan says so, until on-call unlocks it with a reason', async () => {
    plans = catalogOf([demoPlan(base, { lockAfterRollback: true })]);
    expect(await command(alice, 'start demo 1.6.0-broken')).toContain('Run demo-4 created');
    const run = (await findRunByKey(database.db, 'demo-4'))!;
    const events = [
      { type: 'step.started', stepId: 'pre_checks.0' },
      { type: 'step.succeeded', stepId: 'pre_checks.0', summary: 'ok' },
      { type: 'decision', decision: 'go', by: bob, rationale: null },
      ...['deploy.0', 'deploy.1', 'deploy.2'].flatMap((stepId) => [
        { type: 'step.started' as const, stepId },
        { type: 'step.succeeded' as const, stepId, summary: 'ok' },
      ]),
      { type: 'rollback.requested', by: carol, reason: 'broken under live traffic' },
    ] as const;
    for (const event of events) expect(await recordEvent(ctx, run.id, event)).toMatchObject({ ok: true });
    expect(await activeLockFor(database.db, TARGET, current)).toBeNull(); // rolling back is not ended
    for (const stepId of ['rollback.0']) {
      await recordEvent(ctx, run.id, { type: 'step.started', stepId });
      await recordEvent(ctx, run.id, { type: 'step.succeeded', stepId, summary: 'ok' });
    }
    // The validation: production answers with the previous version (or, on a first deployment, not with this one).
    for (
      let validating = (await findRunByKey(database.db, 'demo-4'))!;
      validating.state === 'validating_rollback';
      validating = (await findRunByKey(database.db, 'demo-4'))!
    ) {
      const answered = validating.previousVersion ? { [validating.previousVersion]: 1 } : {};
      await recordEvent(ctx, run.id, {
        type: 'check',
        seq: validating.nextCheck,
        healthy: true,
        detail: 'GET /health → 200',
        versions: { requests: 1, answered, unanswered: validating.previousVersion ? 0 : 1, detail: 'no version' },
      });
    }
    expect((await findRunByKey(database.db, 'demo-4'))!.state).toBe('rolled_back');
    expect(await activeLockFor(database.db, TARGET, current)).toMatchObject({
      kind: 'after_rollback',
      until: null,
      runKey: 'demo-4',
      reason: expect.stringContaining('demo-4 (1.6.0-broken) was rolled back'),
    });
    const logged = await rows(
      sql`select payload->'effect'->>'text' as text from outbox where run_id = ${run.id} and payload->'effect'->>'kind' = 'postLog' and payload->'effect'->>'text' like '🔒%'`,
    );
    expect(logged).toHaveLength(1);

    expect(await command(alice, 'start demo 1.6.1')).toContain('demo production is locked by Flightdeck after demo-4 since');
    expect(await command(alice, 'unlock demo production fixed')).toContain('only on-call, approvers and admins may unlock it');
    expect(await command(carol, 'unlock demo production')).toContain('say why it is safe again');
    expect(await command(carol, 'unlock demo production fixed in 1.6.1')).toMatch(/^Unlocked demo production \(locked after demo-4/);
    expect(await command(alice, 'start demo 1.6.1')).toContain('Run demo-5 created');
  });
});

/** Races on real Postgres (PGlite has one connection, so nothing races there). */
describe('racing locks on Postgres', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let ctx: AppContext;

  beforeAll(async () => {
    pg = await freshPostgres();
    const plan = demoPlan(await loadPlanFile(DEMO_PLAN));
    ctx = testContext(pg.database.db, [plan]);
  });
  afterAll(async () => pg?.drop());

  it('five people locking at once make exactly one holder; the others are told who holds it', async () => {
    const people = [alice, carol, { ...alice, id: 'U0DEMOALICE2', name: 'alice2' }, mallory, { ...carol, id: 'UX', name: 'x' }];
    const replies = (await Promise.all(people.map((actor, n) => onCommand(ctx, { actor, text: `lock demo production reason ${n}`, requestKey: null })))).map(
      say,
    );
    const won = replies.filter((reply) => reply.includes('locked demo production'));
    expect(won).toHaveLength(1);
    const holder = (await activeLockFor(ctx.db, TARGET, new Date()))!;
    expect(won[0]).toContain(`🔒 ${holder.by.name} locked demo production`);
    expect(replies.filter((reply) => reply.startsWith(`demo production is locked by ${holder.by.name}`))).toHaveLength(4);
    const counts = (await pg.database.db.execute(sql`select action, count(*)::int as n from lock_events group by action order by action`)) as unknown as {
      rows: unknown[];
    };
    expect(counts.rows).toEqual([
      { action: 'lock_refused', n: 4 },
      { action: 'locked', n: 1 },
    ]);
  });

  it('a start queued twice at once (a retried request) is stored once', async () => {
    const replies = await Promise.all([1, 2, 3].map(() => onCommand(ctx, { actor: alice, text: 'start demo 2.0.0 --queue', requestKey: 'slack:same' })));
    expect(new Set(replies.map(say)).size).toBe(1);
    expect(await queuedStartsFor(ctx.db, TARGET)).toHaveLength(1);
  });
});
