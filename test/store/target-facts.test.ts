import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transition, type Run, type RunState } from '../../src/domain/run.ts';
import type { Database } from '../../src/store/db.ts';
import { insertRun } from '../../src/store/runs.ts';
import { targetFacts, targetFactsQuery } from '../../src/store/target-facts.ts';
import { buildSpec, CAROL } from '../domain/fixtures.ts';
import { ENGINES } from '../support/databases.ts';

/** What a start reads about its target, in one statement, each part through an index. */
describe.each(ENGINES)('target facts on %s', (_engine, open) => {
  let database: Database;
  let close: () => Promise<void>;
  let number = 0;
  const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 9, minute));
  const ask = { service: 'checkout', environment: 'production', now: at(30), order: null, version: null, requestKey: null };

  async function stored(version: string, state: RunState, minute: number, environment = 'production', requestKey: string | null = null): Promise<Run> {
    const key = `checkout-${++number}`;
    const event = {
      type: 'requested' as const,
      run: { id: crypto.randomUUID(), key, service: 'checkout', version, environment, platform: 'slack' as const, requestedBy: CAROL, spec: buildSpec() },
    };
    const created = transition(null, event, at(minute));
    if (!created.ok) throw new Error(created.error.message);
    const run: Run = { ...created.run, state };
    await insertRun(database.db, run, event, at(minute), requestKey);
    return run;
  }

  beforeAll(async () => {
    ({ database, close } = await open());
  });
  afterAll(async () => close?.());

  it('a new target: nothing succeeded, nothing active, no lock, no earlier request', async () => {
    expect(await targetFacts(database.db, { ...ask, order: 'staging', version: '1.0.0', requestKey: 'trigger-1' })).toEqual({
      newestSuccess: null,
      active: null,
      lock: null,
      orderMet: false,
      earlier: null,
      lastNumber: 0,
    });
  });

  it('the newest success, the active run, the lock active now, the enforced order and the earlier request', async () => {
    await stored('1.0.0', 'succeeded', 1);
    const newest = await stored('1.1.0', 'succeeded', 2);
    await stored('1.2.0', 'rolled_back', 3);
    await stored('1.3.0', 'succeeded', 4, 'staging');
    const active = await stored('1.4.0', 'awaiting_decision', 5, 'production', 'trigger-2');
    const lock = { by: CAROL, reason: 'incident 42', since: at(10), until: at(40), kind: 'manual' };
    await database.db.execute(
      sql`insert into locks (service, environment, by, reason, since, until, kind) values ('checkout', 'production', ${JSON.stringify(lock.by)}::jsonb, ${lock.reason}, ${lock.since.toISOString()}, ${lock.until.toISOString()}, 'manual')`,
    );
    const facts = await targetFacts(database.db, { ...ask, order: 'staging', version: '1.3.0', requestKey: 'trigger-2' });
    expect(facts.newestSuccess).toEqual({ version: '1.1.0', key: newest.key });
    expect(facts.active?.key).toBe(active.key);
    expect(facts.earlier?.key).toBe(active.key);
    expect(facts.orderMet).toBe(true);
    expect(facts.lock).toEqual({
      service: 'checkout',
      environment: 'production',
      by: CAROL,
      reason: 'incident 42',
      since: at(10).toISOString(),
      until: at(40).toISOString(),
      kind: 'manual',
      runKey: null,
    });
    // The lock has expired by minute 50; 1.2.0 never succeeded in staging; no order, no answer.
    expect((await targetFacts(database.db, { ...ask, now: at(50) })).lock).toBeNull();
    expect((await targetFacts(database.db, { ...ask, order: 'staging', version: '1.2.0' })).orderMet).toBe(false);
    expect((await targetFacts(database.db, ask)).orderMet).toBeNull();
  });

  it('reads no table from end to end: every part through an index', async () => {
    const plan = await database.db.transaction(async (tx) => {
      // The tables are tiny, so a sequential scan would win on cost: forbid it to see whether the indexes serve every part.
      await tx.execute(sql`set local enable_seqscan = off`);
      const query = targetFactsQuery({ ...ask, order: 'staging', version: '1.3.0', requestKey: 'trigger-2' });
      const result = (await tx.execute(sql`explain ${query}`)) as unknown as { rows: Record<string, string>[] };
      return result.rows.map((row) => Object.values(row)[0]).join('\n');
    });
    expect(plan).not.toMatch(/Seq Scan/);
    expect(plan).not.toMatch(/Sort/); // the newest success is the first entry of its index, whatever the history
    // Which index of succeeded runs answers the newest success and the enforced order is the planner's pick on tables this small.
    expect(plan).toMatch(/succeeded_runs_by_(target|version)/);
    expect(plan).toContain('one_active_run_per_target');
    expect(plan).toContain('locks_service_environment_pk');
    expect(plan).toContain('runs_request_key_unique');
  });
});
