import { and, asc, desc, eq, inArray, lt, notInArray, sql } from 'drizzle-orm';
import { outcomeOf } from '../domain/dora.ts';
import { workDueAt } from '../domain/overdue.ts';
import type { Actor } from '../domain/identity.ts';
import type { Success } from '../domain/redeploy.ts';
import { ACTIVE_STATES, TERMINAL_STATES, type Run, type RunEvent } from '../domain/run.ts';
import type { RunSpec } from '../domain/spec.ts';
import { namedQueryIfAny, type Db } from './db.ts';
import { runFrom, runsFrom, storeSpec, withoutSpec, type StoredRun } from './run-specs.ts';
import { chatMessages, decisions, runEvents, runs, runSpecs } from './schema.ts';

/** Queries about runs. Each takes the database (or a transaction) first. */

/** What a read of a run selects: its snapshot and the name of its spec (store/run-specs.ts). */
const stored = { snapshot: runs.snapshot, specHash: runs.specHash };

/**
 * A run written row by row, without the run counter or outbox rows: for fixtures and seeds. A start
 * writes its run in one statement (store/create-run.ts), laid out the same way.
 */
export async function insertRun(db: Db, run: Run, event: RunEvent, at: Date, requestKey: string | null): Promise<void> {
  const specHash = await storeSpec(db, run.spec);
  await db.insert(runs).values({
    id: run.id,
    key: run.key,
    service: run.service,
    environment: run.environment,
    version: run.version,
    state: run.state,
    requestKey,
    seq: run.seq,
    snapshot: withoutSpec(run),
    specHash,
    outcome: outcomeOf(run),
    workDueAt: dueDate(run),
    createdAt: at,
    updatedAt: at,
  });
  await db.insert(runEvents).values({ runId: run.id, seq: run.seq, type: event.type, payload: storedEvent(event), at });
}

function dueDate(run: Run): Date | null {
  const due = workDueAt(run);
  return due ? new Date(due) : null;
}

/** A `requested` event is stored without its spec: it is its run's (runs.spec_hash). */
export function storedEvent(event: RunEvent): RunEvent {
  return event.type === 'requested' ? ({ ...event, run: withoutSpec(event.run) } as RunEvent) : event;
}

/** Records the event that moved `run` to its new state. The (run, seq) key refuses a second writer of the same step. */
export async function appendEvent(db: Db, run: Run, event: RunEvent, at: Date): Promise<void> {
  await db.insert(runEvents).values({ runId: run.id, seq: run.seq, type: event.type, payload: event, at });
  await db
    .update(runs)
    .set({ state: run.state, seq: run.seq, snapshot: withoutSpec(run), outcome: outcomeOf(run), workDueAt: dueDate(run), updatedAt: at })
    .where(eq(runs.id, run.id));
  const decided = decisionRowOf(run, event);
  if (decided) await db.insert(decisions).values({ ...decided, at });
}

/** The decisions row a transition writes: when its event is the decision that settled the run (a quorum reached, a NO-GO). */
export function decisionRowOf(run: Run, event: RunEvent): Omit<typeof decisions.$inferInsert, 'at'> | null {
  if (event.type !== 'decision' || !run.decision) return null;
  const by: Actor = run.decision.by;
  return { runId: run.id, decision: event.decision, byPlatform: by.platform, byId: by.id, byName: by.name, rationale: event.rationale };
}

/** Loads a run and holds its row until the transaction ends, so transitions on one run happen one at a time. */
export async function lockRun(db: Db, id: string): Promise<Run | null> {
  const [row] = await db.select(stored).from(runs).where(eq(runs.id, id)).for('update');
  return runFrom(db, row);
}

/**
 * Holds the run's row like lockRun, reading only its `seq`: a caller that read the run moments ago
 * (`seen`) has it still when the seq is the same, since every change of a snapshot moves its seq
 * (appendEvent), so the snapshot is neither sent nor parsed again. Otherwise the run as it is now.
 */
export async function lockRunSeen(db: Db, seen: Run): Promise<Run | null> {
  const [row] = await db.select({ seq: runs.seq }).from(runs).where(eq(runs.id, seen.id)).for('update');
  if (!row) return null;
  return row.seq === seen.seq ? seen : lockRun(db, seen.id);
}

/**
 * Serializes work on a run's chat messages until the transaction ends, without touching the run's
 * row: transitions (a GO click on Slack's 3-second clock) never wait for a chat call in flight.
 */
export async function lockRunMessages(db: Db, runId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`messages:${runId}`}, 0))`);
}

/** Every job and click reads its run first: outside a transaction that is a named statement (no query building, planned once per connection). */
const FIND_RUN = 'select snapshot, spec_hash as "specHash" from runs where id = $1';

export async function findRun(db: Db, id: string): Promise<Run | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const named = namedQueryIfAny(db);
  const [row] = named
    ? await named<{ snapshot: StoredRun; specHash: string }>('find-run', FIND_RUN, [id])
    : await db.select(stored).from(runs).where(eq(runs.id, id));
  return runFrom(db, row);
}

export async function findRunByKey(db: Db, key: string): Promise<Run | null> {
  const [row] = await db.select(stored).from(runs).where(eq(runs.key, key));
  return runFrom(db, row);
}

export async function findRunByRequestKey(db: Db, requestKey: string): Promise<Run | null> {
  const [row] = await db.select(stored).from(runs).where(eq(runs.requestKey, requestKey));
  return runFrom(db, row);
}

export async function activeRuns(db: Db): Promise<Run[]> {
  const rows = await db
    .select(stored)
    .from(runs)
    .where(inArray(runs.state, [...ACTIVE_STATES]))
    .orderBy(asc(runs.createdAt));
  return runsFrom(db, rows);
}

/**
 * Active runs whose queued work was due before `cutoff` (runs.work_due_at), oldest first: the sweeper's
 * candidates. Through one_active_run_per_target (its predicate, a scan of active runs' entries only), so
 * neither history nor the active runs with nothing overdue are read or sent.
 */
export async function runsWithWorkDueBefore(db: Db, cutoff: Date): Promise<Run[]> {
  const rows = await runsWithWorkDueBeforeQuery(db, cutoff);
  return runsFrom(db, rows);
}

/** The query itself, exported so a test can ask the database how it runs it. */
export function runsWithWorkDueBeforeQuery(db: Db, cutoff: Date) {
  return db
    .select(stored)
    .from(runs)
    .where(and(notInArray(runs.state, [...TERMINAL_STATES]), lt(runs.workDueAt, cutoff)))
    .orderBy(asc(runs.createdAt));
}

/** Through the partial unique index one_active_run_per_target: the condition is its predicate (not ended), not a list of active states. */
export async function activeRunFor(db: Db, service: string, environment: string): Promise<Run | null> {
  const [row] = await db
    .select(stored)
    .from(runs)
    .where(and(eq(runs.service, service), eq(runs.environment, environment), notInArray(runs.state, [...TERMINAL_STATES])));
  return runFrom(db, row);
}

/** The audit trail as recorded: the `requested` event with its run's spec put back (as stored, not reshaped), so `replay` rebuilds the run. */
export async function eventsOf(db: Db, runId: string): Promise<{ seq: number; event: RunEvent; at: Date }[]> {
  const rows = await db
    .select({ seq: runEvents.seq, payload: runEvents.payload, at: runEvents.at, spec: runSpecs.spec })
    .from(runEvents)
    .innerJoin(runs, eq(runs.id, runEvents.runId))
    .leftJoin(runSpecs, and(eq(runSpecs.hash, runs.specHash), eq(runEvents.type, 'requested')))
    .where(eq(runEvents.runId, runId))
    .orderBy(asc(runEvents.seq));
  return rows.map(({ seq, payload, at, spec }) => ({ seq, event: withRunSpec(payload, spec), at }));
}

/** A `requested` event stored before run_specs existed may keep a spec of its own (migration 0013); any other has its run's. */
function withRunSpec(event: RunEvent, spec: RunSpec | null): RunEvent {
  if (event.type !== 'requested' || !spec || event.run.spec) return event;
  return { ...event, run: { ...event.run, spec } };
}

/**
 * Under the run's message lock: the run and its status message on the run's own platform, in one read (a
 * refresh's two reads were one statement each). Null when there is no such run.
 */
export async function runAndStatusMessage(db: Db, runId: string): Promise<{ run: Run; saved: { channel: string; messageId: string } | null } | null> {
  if (!/^[0-9a-f-]{36}$/i.test(runId)) return null;
  const [row] = await db
    .select({ ...stored, channel: chatMessages.channel, messageId: chatMessages.messageId })
    .from(runs)
    .leftJoin(chatMessages, and(eq(chatMessages.runId, runs.id), eq(chatMessages.platform, sql`${runs.snapshot}->>'platform'`)))
    .where(eq(runs.id, runId));
  const run = await runFrom(db, row);
  if (!run) return null;
  return { run, saved: row!.channel && row!.messageId ? { channel: row!.channel, messageId: row!.messageId } : null };
}

export async function saveStatusMessage(db: Db, runId: string, platform: string, channel: string, messageId: string): Promise<void> {
  await db.insert(chatMessages).values({ runId, platform, channel, messageId }).onConflictDoNothing();
}

/**
 * The versions that succeeded on a target, newest success first, each with the newest run that deployed it:
 * the first is what runs there now, as far as Flightdeck knows. Read through the index of succeeded runs
 * (schema.ts succeeded_runs_by_target); a version deployed more than once counts once, at its newest success.
 */
export async function succeededVersions(db: Db, service: string, environment: string): Promise<Success[]> {
  const rows = await succeededVersionsQuery(db, service, environment);
  const newestFirst = rows.sort((a, b) => b.at.getTime() - a.at.getTime() || b.created.getTime() - a.created.getTime());
  return newestFirst.map(({ version, key }) => ({ version, key }));
}

/** The query itself, exported so a test can ask the database how it runs it. */
export function succeededVersionsQuery(db: Db, service: string, environment: string) {
  return db
    .selectDistinctOn([runs.version], { version: runs.version, key: runs.key, at: runs.updatedAt, created: runs.createdAt })
    .from(runs)
    .where(and(eq(runs.service, service), eq(runs.environment, environment), eq(runs.state, 'succeeded')))
    .orderBy(runs.version, desc(runs.updatedAt), desc(runs.createdAt));
}
