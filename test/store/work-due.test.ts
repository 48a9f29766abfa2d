import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workDueAt } from '../../src/domain/overdue.ts';
import type { Run, RunEvent } from '../../src/domain/run.ts';
import { appendEventIfAt } from '../../src/store/append-event.ts';
import { createRun } from '../../src/store/create-run.ts';
import type { Database } from '../../src/store/db.ts';
import { insertRun, runsWithWorkDueBefore, runsWithWorkDueBeforeQuery } from '../../src/store/runs.ts';
import { apply, awaitingDecision, check, minutes, monitoring, requested, T0 } from '../domain/fixtures.ts';
import { ENGINES } from '../support/databases.ts';

/** The sweeper's candidates come from runs.work_due_at, written with every snapshot: only active runs whose work is overdue are read. */
describe.each(ENGINES)('runs whose work is due, on %s', (_engine, open) => {
  let database: Database;
  let close: () => Promise<void>;
  let number = 0;

  /** The fixture run as its own run on its own service (one active run per target). */
  function own(run: Run): Run {
    const service = `svc-${++number}`;
    return { ...run, id: crypto.randomUUID(), key: `${service}-1`, service };
  }
  const dueOf = async (id: string) => {
    const result = (await database.db.execute(sql`select work_due_at from runs where id = ${id}`)) as unknown as { rows: { work_due_at: unknown }[] };
    const value = result.rows[0]!.work_due_at;
    return value === null ? null : new Date(value as string | Date).toISOString();
  };
  const keysDueBefore = async (cutoff: Date) => (await runsWithWorkDueBefore(database.db, cutoff)).map((run) => run.key);

  let watched: Run;
  let waiting: Run;
  beforeAll(async () => {
    ({ database, close } = await open());
    watched = own(monitoring()); // its first check is due at minute 1
    waiting = own(awaitingDecision()); // its first reminder is due at minute 30
    const ended = own({ ...monitoring(), state: 'succeeded' });
    const event = requested() as Extract<RunEvent, { type: 'requested' }>;
    await insertRun(database.db, waiting, event, T0, null);
    await insertRun(database.db, watched, event, minutes(0.5), null);
    await insertRun(database.db, ended, event, T0, null);
    // An ended run is never a candidate, whatever its column says.
    await database.db.execute(sql`update runs set work_due_at = ${T0} where id = ${ended.id}`);
  });
  afterAll(async () => close?.());

  it('writes when the work is due with the snapshot, and the sweeper asks only for what is overdue, oldest run first', async () => {
    expect(await dueOf(watched.id)).toBe(minutes(1).toISOString());
    expect(await dueOf(waiting.id)).toBe(minutes(30).toISOString());
    expect(await keysDueBefore(minutes(1))).toEqual([]);
    expect(await keysDueBefore(minutes(2))).toEqual([watched.key]);
    expect(await keysDueBefore(minutes(31))).toEqual([waiting.key, watched.key]);
  });

  it('a transition moves it: the check recorded, the next one is due a minute later', async () => {
    const checked = apply(watched, [check(watched.nextCheck, true)], minutes(1)).run;
    expect(await appendEventIfAt(database.db, watched.seq, checked, { ...check(watched.nextCheck, true) }, [], minutes(1))).toBe(true);
    expect(await dueOf(watched.id)).toBe(workDueAt(checked));
    expect(workDueAt(checked)).toBe(minutes(2).toISOString());
    expect(await keysDueBefore(minutes(1.5))).toEqual([]);
  });

  it('a start writes it too: its first step is due when it was queued', async () => {
    const created = apply(null, [requested()], minutes(3));
    const run = own(created.run);
    const event = {
      ...(requested() as Extract<RunEvent, { type: 'requested' }>),
      run: { ...(requested() as Extract<RunEvent, { type: 'requested' }>).run, id: run.id, key: run.key, service: run.service },
    };
    expect(await createRun(database.db, { run, event, number: 1, outbox: [], requestKey: null, at: minutes(3) })).toBe(true);
    expect(workDueAt(run)).not.toBeNull();
    expect(await dueOf(run.id)).toBe(workDueAt(run));
  });

  it('reads no table: active runs through the index of active runs, never the whole history', async () => {
    const plan = await database.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      const result = (await tx.execute(sql`explain ${runsWithWorkDueBeforeQuery(tx, minutes(10))}`)) as unknown as { rows: Record<string, string>[] };
      return result.rows.map((row) => Object.values(row)[0]).join('\n');
    });
    expect(plan).not.toMatch(/Seq Scan/);
    expect(plan).toContain('one_active_run_per_target');
  });
});
