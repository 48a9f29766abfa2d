import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { replay, transition, type Run, type RunEvent } from '../../src/domain/run.ts';
import { createRun, type NewRun } from '../../src/store/create-run.ts';
import { MIGRATIONS_DIR, openDatabase, type Database } from '../../src/store/db.ts';
import { currentShape } from '../../src/store/run-shape.ts';
import { eventsOf, findRunByKey } from '../../src/store/runs.ts';
import { buildSpec, CAROL } from '../domain/fixtures.ts';
import { ENGINES } from '../support/databases.ts';

/**
 * Migration 0013 moved every stored spec into run_specs: runs stored before it read as they did, and
 * their audit trails replay as they did.
 */
const BEFORE = '0013_run_specs';

/** The migrations folder as it was before run_specs. */
function migrationsBefore(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-migrations-'));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; tag: string }[] };
  const cut = journal.entries.findIndex((entry) => entry.tag === BEFORE);
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut) }));
  return dir;
}

const UNMIGRATED = [
  [
    'Postgres',
    async () => {
      const base = new URL(inject('databaseUrl'));
      const name = `flightdeck_t_specs_${process.pid}`;
      const admin = new pg.Client({ connectionString: base.toString() });
      await admin.connect();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.query(`create database ${name}`);
      const url = new URL(base);
      url.pathname = `/${name}`;
      const database = await openDatabase({ url: url.toString() });
      return {
        database,
        close: async () => {
          await database.close();
          await admin.query(`drop database if exists ${name} with (force)`);
          await admin.end();
        },
      };
    },
  ],
  [
    'PGlite',
    async () => {
      const database = await openDatabase({});
      return { database, close: () => database.close() };
    },
  ],
] as const;

async function migrateBefore(database: Database, folder: string): Promise<void> {
  if (database.kind === 'postgres') {
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    await migrate(database.db as never, { migrationsFolder: folder });
  } else {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    await migrate(database.db as never, { migrationsFolder: folder });
  }
}

describe.each(UNMIGRATED)('runs stored before run_specs, on %s', (_engine, open) => {
  let database: Database;
  let close: () => Promise<void>;
  let folder: string;
  const at = new Date(Date.UTC(2026, 2, 2, 9, 0));

  /** A run as the release before 0013 stored it: the spec in its snapshot and in its `requested` event. */
  async function storedTheOldWay(key: string, spec: Run['spec'], snapshotSpec = spec): Promise<{ run: Run; event: RunEvent; began: Run }> {
    const event: RunEvent = {
      type: 'requested',
      run: { id: crypto.randomUUID(), key, service: 'checkout', version: '1.0.0', environment: 'production', platform: 'slack', requestedBy: CAROL, spec },
    };
    const created = transition(null, event, at);
    if (!created.ok) throw new Error(created.error.message);
    const run: Run = { ...created.run, state: 'succeeded', spec: snapshotSpec };
    await database.db.execute(sql`insert into runs (id, key, service, environment, version, state, seq, snapshot, created_at, updated_at)
      values (${run.id}, ${key}, 'checkout', 'production', '1.0.0', 'succeeded', ${run.seq}, ${JSON.stringify(run)}::jsonb, ${at.toISOString()}, ${at.toISOString()})`);
    await database.db.execute(sql`insert into run_events (run_id, seq, type, payload, at)
      values (${run.id}, 1, 'requested', ${JSON.stringify(event)}::jsonb, ${at.toISOString()})`);
    return { run, event, began: created.run };
  }

  beforeAll(async () => {
    ({ database, close } = await open());
    folder = migrationsBefore();
    await migrateBefore(database, folder);
  }, 180_000); // a cold engine and thirteen migrations, on a loaded machine
  afterAll(async () => {
    await close?.();
    rmSync(folder, { recursive: true, force: true });
  });

  it('moves each spec to one row, and reads the runs and replays their events as before', async () => {
    const spec = buildSpec();
    const first = await storedTheOldWay('checkout-1', spec);
    const second = await storedTheOldWay('checkout-2', spec);
    // A snapshot written back by a later release holds its spec in the upgraded shape; the event keeps the one it recorded.
    const upgraded = { ...spec, risk: 'high' as const };
    const third = await storedTheOldWay('checkout-3', spec, upgraded);

    await database.migrate();

    const rows = async (query: ReturnType<typeof sql>) => ((await database.db.execute(query)) as unknown as { rows: Record<string, unknown>[] }).rows;
    expect(await rows(sql`select count(*)::int as n from run_specs`)).toEqual([{ n: 2 }]);
    expect(await rows(sql`select count(*)::int as n from runs where snapshot ? 'spec' or spec_hash is null`)).toEqual([{ n: 0 }]);
    expect(await rows(sql`select r.key, e.payload->'run' ? 'spec' as own from run_events e join runs r on r.id = e.run_id order by r.key`)).toEqual([
      { key: 'checkout-1', own: false },
      { key: 'checkout-2', own: false },
      { key: 'checkout-3', own: true },
    ]);

    for (const { run, event } of [first, second, third]) {
      expect(await findRunByKey(database.db, run.key)).toEqual(currentShape(run));
      const events = await eventsOf(database.db, run.id);
      expect(events.map((entry) => entry.event)).toEqual([event]);
    }
    expect(replay(await eventsOf(database.db, first.run.id))).toEqual(first.began);
  });
});

describe.each(ENGINES)('a start on %s', (_engine, open) => {
  let database: Database;
  let close: () => Promise<void>;
  const at = new Date(Date.UTC(2026, 2, 2, 9, 0));
  const count = async (query: ReturnType<typeof sql>) => ((await database.db.execute(query)) as unknown as { rows: { n: number }[] }).rows[0]!.n;

  function newRun(number: number): NewRun {
    const event = {
      type: 'requested' as const,
      run: {
        id: crypto.randomUUID(),
        key: `checkout-${number}`,
        service: 'checkout',
        version: '1.0.0',
        environment: 'production',
        platform: 'slack' as const,
        requestedBy: CAROL,
        spec: buildSpec(),
      },
    };
    const created = transition(null, event, at);
    if (!created.ok) throw new Error(created.error.message);
    return { run: { ...created.run, state: 'succeeded' }, event, number, outbox: [], requestKey: null, at };
  }

  beforeAll(async () => {
    ({ database, close } = await open());
  }, 180_000);
  afterAll(async () => close?.());

  it('sends the spec again when the one this process thought stored is gone (the database behind the handle was replaced)', async () => {
    expect(await createRun(database.db, newRun(1))).toBe(true);
    expect(await count(sql`select count(*)::int as n from run_specs`)).toBe(1);
    await database.db.execute(sql`truncate run_events, outbox, runs, run_specs, run_counters cascade`);
    const again = newRun(1);
    expect(await createRun(database.db, again)).toBe(true);
    expect(await count(sql`select count(*)::int as n from run_specs`)).toBe(1);
    expect((await findRunByKey(database.db, 'checkout-1'))?.spec).toEqual(currentShape(again.run).spec);
  });

  it('writes nothing with a number the service has used, and says so', async () => {
    expect(await createRun(database.db, newRun(1))).toBe(false);
    expect(await count(sql`select count(*)::int as n from runs`)).toBe(1);
    expect(await createRun(database.db, newRun(2))).toBe(true);
    expect(await count(sql`select last as n from run_counters`)).toBe(2);
  });
});
