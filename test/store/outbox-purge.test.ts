import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/db.ts';
import { timeOrderedId } from '../../src/store/ids.ts';
import { insertOutbox, purgeBatchQuery, purgeRelayedOutbox, relayPending, type OutboxRow } from '../../src/store/outbox.ts';
import { ENGINES } from '../support/databases.ts';

/** Relayed outbox rows are deleted an hour later, found by their time-ordered ids; rows not relayed stay whatever their age. */
describe.each(ENGINES)('the outbox purge on %s', (_engine, open) => {
  let database: Database;
  let close: () => Promise<void>;
  const RUN = timeOrderedId();
  const NOW = Date.now();
  const row = (minutesAgo: number, name: string): OutboxRow => ({
    id: timeOrderedId(NOW - minutesAgo * 60_000),
    runId: RUN,
    queue: 'flightdeck-chat',
    payload: { name },
    runAt: new Date(NOW),
    jobId: null,
  });
  const names = async () => {
    const result = (await database.db.execute(sql`select payload->>'name' as name from outbox order by id`)) as unknown as { rows: { name: string }[] };
    return result.rows.map((one) => one.name);
  };

  beforeAll(async () => {
    ({ database, close } = await open());
  });
  afterAll(async () => close?.());

  it('deletes what was relayed before the cutoff, keeps what was relayed since and what is still pending', async () => {
    await insertOutbox(database.db, [row(180, 'pending for three hours')], new Date(NOW - 180 * 60_000));
    // Relayed at their making: the old ones two and three hours ago, the new one ten minutes ago.
    for (const [minutesAgo, name] of [
      [170, 'relayed 170 min ago'],
      [120, 'relayed 120 min ago'],
      [10, 'relayed 10 min ago'],
    ] as const) {
      await insertOutbox(database.db, [row(minutesAgo, name)], new Date(NOW - minutesAgo * 60_000));
      await relayPending(
        database.db,
        10,
        async () => {},
        () => new Date(NOW - minutesAgo * 60_000),
      );
    }
    // The relay took the pending one too in its first pass: make it pending again, as if Redis had been down since.
    await database.db.execute(sql`update outbox set relayed_at = null where payload->>'name' = 'pending for three hours'`);
    await insertOutbox(database.db, [row(0, 'pending, new')], new Date(NOW));

    expect(await purgeRelayedOutbox(database.db, new Date(NOW - 60 * 60_000))).toBe(2);
    expect(await names()).toEqual(['pending for three hours', 'relayed 10 min ago', 'pending, new']);
    expect(await purgeRelayedOutbox(database.db, new Date(NOW - 60 * 60_000))).toBe(0);
    // Once relayed, the old pending row goes at the next purge after its own hour.
    await relayPending(
      database.db,
      10,
      async () => {},
      () => new Date(NOW),
    );
    expect(await purgeRelayedOutbox(database.db, new Date(NOW + 61 * 60_000))).toBe(3);
    expect(await names()).toEqual([]);
  });

  it('finds them through the primary key, never by reading the whole outbox', async () => {
    const plan = await database.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      const result = (await tx.execute(sql`explain ${purgeBatchQuery(new Date(NOW))}`)) as unknown as { rows: Record<string, string>[] };
      return result.rows.map((one) => Object.values(one)[0]).join('\n');
    });
    expect(plan).toContain('outbox_pkey');
    expect(plan).not.toMatch(/Seq Scan/);
  });
});
