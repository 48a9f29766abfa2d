import { eq, sql, TransactionRollbackError } from 'drizzle-orm';
import { outcomeOf } from '../domain/dora.ts';
import { workDueAt } from '../domain/overdue.ts';
import type { Run, RunEvent } from '../domain/run-types.ts';
import { namedQuery, type Db } from './db.ts';
import { outboxRecordset, type OutboxRow } from './outbox.ts';
import { forgetStored, isStored, markStored, specRef, withoutSpec } from './run-specs.ts';
import { storedEvent } from './runs.ts';
import { runs } from './schema.ts';

export interface NewRun {
  run: Run;
  event: Extract<RunEvent, { type: 'requested' }>;
  /** The run's number in its service (its key ends with it): the service's last number, read with the target's facts, plus one. */
  number: number;
  outbox: OutboxRow[];
  requestKey: string | null;
  at: Date;
}

/**
 * A new run in one statement, so one round trip: the service's run counter moves to the run's number,
 * the run, its spec (when this database may not hold it yet), its `requested` event and its outbox rows
 * are written, and the statement commits on its own before the start is acked. The database's keys still
 * decide every race: the partial unique index one_active_run_per_target and runs_request_key_unique fail
 * the whole statement (nothing written); a number another start of the service took meanwhile writes
 * nothing and answers false (ask lastRunNumber and try again). The outbox trigger notifies the relay.
 */
const CREATE_RUN = `with counter as (
    insert into run_counters as c (service, last) values ($1, $2)
    on conflict (service) do update set last = excluded.last where c.last < excluded.last
    returning last
  ), spec as (
    insert into run_specs (hash, spec) select $3, $4::jsonb where $4::jsonb is not null
    on conflict (hash) do nothing
  ), run as (
    insert into runs (id, key, service, environment, version, state, request_key, seq, snapshot, spec_hash, outcome, work_due_at, created_at, updated_at)
    select $5::uuid, $6, $1, $7, $8, $9, $10, $11, $12::jsonb, $3, $13::jsonb, $17::timestamptz, $14::timestamptz, $14::timestamptz from counter
    returning id
  ), event as (
    insert into run_events (run_id, seq, type, payload, at) select id, $11, 'requested', $15::jsonb, $14::timestamptz from run
  ), queued as (
    insert into outbox (id, run_id, queue, payload, run_at, created_at, job_id)
    select o.id, o.run_id, o.queue, o.payload, o.run_at, $14::timestamptz, o.job_id
    from run, jsonb_to_recordset($16::jsonb) as o(id uuid, run_id uuid, queue text, payload jsonb, run_at timestamptz, job_id text)
  )
  select count(*)::int as created from run`;

export async function createRun(db: Db, created: NewRun): Promise<boolean> {
  const spec = specRef(created.run.spec);
  const write = (withSpec: boolean) => namedQuery(db)<{ created: number }>('create-run', CREATE_RUN, valuesOf(created, spec.hash, withSpec ? spec.json : null));
  let rows: { created: number }[];
  try {
    rows = await write(!isStored(db, spec.hash));
  } catch (error) {
    // The spec was thought stored and is not (the handle's database was replaced): nothing was written; send it.
    if (!isMissingSpec(error)) throw error;
    forgetStored(db);
    rows = await write(true);
  }
  markStored(db, spec.hash);
  return rows[0]!.created === 1;
}

function valuesOf({ run, event, number, outbox, requestKey, at }: NewRun, hash: string, specJson: string | null): unknown[] {
  const outcome = outcomeOf(run);
  return [
    run.service,
    number,
    hash,
    specJson,
    run.id,
    run.key,
    run.environment,
    run.version,
    run.state,
    requestKey,
    run.seq,
    JSON.stringify(withoutSpec(run)),
    outcome ? JSON.stringify(outcome) : null,
    at.toISOString(),
    JSON.stringify(storedEvent(event)),
    outboxRecordset(outbox),
    workDueAt(run),
  ];
}

function isMissingSpec(error: unknown): boolean {
  for (let e: any = error; e; e = e.cause) if (e.code === '23503' && String(e.constraint ?? e.message ?? '').includes('spec_hash')) return true;
  return false;
}

/** The service's last run number, for a start whose number was taken (createRun answered false). */
export async function lastRunNumber(db: Db, service: string): Promise<number> {
  const [row] = await namedQuery(db)<{ last: number }>('last-run-number', 'select last from run_counters where service = $1', [service]);
  return row?.last ?? 0;
}

/**
 * After a connection was lost under createRun: whether run `runId` was saved. The write may still be in
 * flight on a session whose client is gone, so this first waits for it: every createRun inserts or updates
 * the service's counter row, and inserting that key waits on any transaction that wrote it and has not
 * ended (the unique index's check; test/app/start-in-doubt.test.ts holds a commit back to prove it, for a
 * first and a later start). Then the run is looked for. Rolled back, so it leaves nothing. Throws when the
 * database cannot be asked or the wait passes its lock timeout.
 */
export async function wasRunSaved(db: Db, service: string, runId: string): Promise<boolean> {
  let found = false;
  try {
    await db.transaction(async (tx) => {
      await tx.execute(sql`set local lock_timeout = '1500ms'`);
      await tx.execute(sql`insert into run_counters (service, last) values (${service}, 0) on conflict (service) do nothing`);
      const rows = await tx.select({ id: runs.id }).from(runs).where(eq(runs.id, runId));
      found = rows.length === 1;
      tx.rollback();
    });
  } catch (error) {
    if (!(error instanceof TransactionRollbackError)) throw error;
  }
  return found;
}
