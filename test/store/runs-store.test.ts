import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { recordEvent } from '../../src/app/record-event.ts';
import { replay, type Run } from '../../src/domain/run.ts';
import { catalogOf, loadPlanFile } from '../../src/plans/catalog.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import type { Database } from '../../src/store/db.ts';
import { isUniqueViolation } from '../../src/store/errors.ts';
import { eventsOf, findRunByKey } from '../../src/store/runs.ts';
import { runs } from '../../src/store/schema.ts';
import { freshPglite, freshPostgres } from '../support/databases.ts';

const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };

/** The store on both engines: the same migrations, queries and guarantees on Postgres and PGlite. */
describe.each([
  ['Postgres', async () => { const pg = await freshPostgres(); return { database: pg.database, done: pg.drop }; }],
  ['PGlite', async () => { const database = await freshPglite(); return { database, done: () => database.close() }; }],
] as const)('store on %s', (_engine, open) => {
  let database: Database;
  let done: () => Promise<void>;
  let ctx: AppContext;

  beforeAll(async () => {
    ({ database, done } = await open());
    const plan = await loadPlanFile(join(PROJECT_ROOT, 'plans/demo.yaml'));
    ctx = { db: database.db, plans: catalogOf([plan]), clock: { now: () => new Date() }, log: pino({ level: 'silent' }), kickRelay() {} };
  });
  afterAll(async () => done?.());

  async function counts() {
    const result = await database.db.execute(
      sql`select (select count(*) from runs)::int as runs, (select count(*) from run_events)::int as events, (select count(*) from outbox)::int as outbox, (select count(*) from run_counters)::int as counters, (select count(*) from decisions)::int as decisions`,
    );
    return (result as unknown as { rows: Record<string, number>[] }).rows[0]!;
  }

  it('a start writes the run, its first event and its outbox rows together; a retry with the same key writes nothing', async () => {
    const reply = await onCommand(ctx, { actor: alice, text: 'start demo 1.1.0', requestKey: 'slack:trigger-1' });
    expect(reply).toEqual({ kind: 'text', text: expect.stringContaining('Run demo-1 created') });
    const run = (await findRunByKey(database.db, 'demo-1'))!;
    expect(run.state).toBe('pre_checks');
    const outbox = await database.db.execute(sql`select queue, payload from outbox where run_id = ${run.id} order by queue`);
    expect((outbox as unknown as { rows: { queue: string; payload: { stepId?: string } }[] }).rows.map((row) => [row.queue, row.payload.stepId ?? null])).toEqual([
      ['flightdeck-chat', null],
      ['flightdeck-steps', 'pre_checks.0'],
    ]);
    const before = await counts();
    const retry = await onCommand(ctx, { actor: alice, text: 'start demo 1.1.0', requestKey: 'slack:trigger-1' });
    expect(retry).toEqual(reply);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['start nosuch 1.0.0', 'no deployment plan'],
    ['start demo one.two', 'does not match'],
    ['start demo 1.0.0 staging', 'no environment "staging"'],
    ['start', 'needs a service and a version'],
    ['start demo 2.0.0', 'demo-1 is already active'],
    ['rollback demo-99', 'There is no run demo-99'],
    ['rollback demo-1', 'nothing has been deployed yet'],
  ])('%j is refused (%s) and writes nothing', async (text, reason) => {
    const before = await counts();
    const reply = await onCommand(ctx, { actor: alice, text, requestKey: `slack:${text}` });
    expect(reply).toEqual({ kind: 'text', text: expect.stringContaining(reason) });
    expect(await counts()).toEqual(before);
  });

  it('an event the domain refuses writes no event, no outbox row and leaves seq alone', async () => {
    const run = (await findRunByKey(database.db, 'demo-1'))!;
    const before = await counts();
    const result = await recordEvent(ctx, run.id, { type: 'step.succeeded', stepId: 'deploy.2', summary: 'not current' });
    expect(result).toMatchObject({ ok: false, error: { code: 'stale' } });
    expect(await counts()).toEqual(before);
    expect((await findRunByKey(database.db, 'demo-1'))!.seq).toBe(run.seq);
  });

  it('the stored snapshot equals the replay of the stored events', async () => {
    const run = (await findRunByKey(database.db, 'demo-1'))!;
    await recordEvent(ctx, run.id, { type: 'step.started', stepId: 'pre_checks.0' });
    await recordEvent(ctx, run.id, { type: 'step.succeeded', stepId: 'pre_checks.0', summary: 'ready' });
    const decided = await recordEvent(ctx, run.id, { type: 'decision', decision: 'go', by: bob, rationale: 'looks good' });
    expect(decided.ok).toBe(true);
    const stored = (await findRunByKey(database.db, 'demo-1'))!;
    expect(stored.state).toBe('deploying');
    expect(replay(await eventsOf(database.db, run.id))).toEqual(stored);
    expect((await counts()).decisions).toBe(1);
  });

  it('the database itself refuses a second active run for the same service and environment', async () => {
    const active = (await findRunByKey(database.db, 'demo-1'))! as Run;
    const copy = { ...active, id: '22222222-2222-4222-8222-222222222222', key: 'demo-99' };
    const now = new Date();
    const insert = database.db.insert(runs).values({ id: copy.id, key: copy.key, service: 'demo', environment: 'production', version: '9.9.9', state: 'queued', seq: 1, snapshot: copy, createdAt: now, updatedAt: now });
    const error = await insert.then(() => null, (caught: unknown) => caught);
    expect(isUniqueViolation(error, 'one_active_run_per_target')).toBe(true);
  });
});
