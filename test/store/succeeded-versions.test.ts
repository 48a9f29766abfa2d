import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transition, type Run, type RunState } from '../../src/domain/run.ts';
import type { Database } from '../../src/store/db.ts';
import { insertRun, succeededVersions, succeededVersionsQuery } from '../../src/store/runs.ts';
import { buildSpec, CAROL } from '../domain/fixtures.ts';
import { ENGINES } from '../support/databases.ts';

/** What has run on a target: the versions that succeeded there, newest first, read through an index. */
describe.each(ENGINES)('succeeded versions on %s', (_engine, open) => {
  let database: Database;
  let close: () => Promise<void>;
  let number = 0;
  const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 9, minute));

  /** A run of checkout as the store keeps it once it ended in `state` at `minute`. */
  async function ended(version: string, state: RunState, minute: number, environment = 'production'): Promise<string> {
    const key = `checkout-${++number}`;
    const event = {
      type: 'requested' as const,
      run: { id: crypto.randomUUID(), key, service: 'checkout', version, environment, platform: 'slack' as const, requestedBy: CAROL, spec: buildSpec() },
    };
    const created = transition(null, event, at(minute));
    if (!created.ok) throw new Error(created.error.message);
    const run: Run = { ...created.run, state, finishedAt: at(minute).toISOString() };
    await insertRun(database.db, run, event, at(minute), null);
    return key;
  }

  beforeAll(async () => {
    ({ database, close } = await open());
  });
  afterAll(async () => close?.());

  it('nothing has succeeded on a new target', async () => {
    expect(await succeededVersions(database.db, 'checkout', 'production')).toEqual([]);
  });

  it('one row per version, at its newest success, newest first; other states, environments and services do not count', async () => {
    await ended('1.0.0', 'succeeded', 1);
    await ended('1.1.0', 'succeeded', 2);
    await ended('1.2.0-broken', 'rolled_back', 3);
    await ended('1.3.0', 'failed', 4);
    await ended('1.4.0', 'succeeded', 5, 'staging');
    const again = await ended('1.0.0', 'succeeded', 6);
    await ended('1.5.0', 'cancelled', 7);
    expect(await succeededVersions(database.db, 'checkout', 'production')).toEqual([
      { version: '1.0.0', key: again },
      { version: '1.1.0', key: 'checkout-2' },
    ]);
    expect(await succeededVersions(database.db, 'checkout', 'staging')).toEqual([{ version: '1.4.0', key: 'checkout-5' }]);
    expect(await succeededVersions(database.db, 'api', 'production')).toEqual([]);
  });

  it('is answered from the index of succeeded runs, not by reading every run', async () => {
    const plan = await database.db.transaction(async (tx) => {
      // The table is tiny, so a sequential scan would win on cost: forbid it to see whether the index can serve the query at all.
      await tx.execute(sql`set local enable_seqscan = off`);
      const result = (await tx.execute(sql`explain ${succeededVersionsQuery(tx, 'checkout', 'production')}`)) as unknown as { rows: Record<string, string>[] };
      return result.rows.map((row) => Object.values(row)[0]).join('\n');
    });
    // By version (the order DISTINCT ON wants) or by target: either index of succeeded runs, never the table.
    expect(plan).toMatch(/succeeded_runs_by_(version|target)/);
    expect(plan).not.toMatch(/Seq Scan/);
  });
});
