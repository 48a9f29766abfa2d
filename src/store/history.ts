import { and, desc, eq, gte, inArray, or, sql } from 'drizzle-orm';
import { DEPLOY_ENDINGS, type RunOutcome } from '../domain/dora.ts';
import type { Run, RunState } from '../domain/run.ts';
import type { Db } from './db.ts';
import { currentShape } from './run-shape.ts';
import { commits, runs } from './schema.ts';

/** What happened on a target: the runs for `/deploy history`, the deploys for `/deploy stats`. */

/** A service's newest runs (in one environment, or every one), newest first. Read through runs_by_service. */
export async function recentRuns(db: Db, service: string, environment: string | null, limit: number): Promise<Run[]> {
  const rows = await db
    .select({ snapshot: runs.snapshot })
    .from(runs)
    .where(environment ? and(eq(runs.service, service), eq(runs.environment, environment)) : eq(runs.service, service))
    .orderBy(desc(runs.createdAt))
    .limit(limit);
  return rows.map((row) => currentShape(row.snapshot));
}

export interface Target {
  service: string;
  environment: string;
}

/**
 * The deploys of `targets` (every target when null) that ended since `since`, as DORA reads them. A run
 * ends once, so its last update is when it ended: `updated_at` finds them through deploys_by_target /
 * deploys_by_time, and the snapshot's own times are read for the figures. Only the fields are read,
 * never the whole snapshot, so a year of history stays cheap.
 */
export async function deploysSince(db: Db, targets: readonly Target[] | null, since: Date): Promise<RunOutcome[]> {
  if (targets && targets.length === 0) return [];
  const rollback = sql`${runs.snapshot}->'rollback'`;
  const where = and(
    inArray(runs.state, [...DEPLOY_ENDINGS]),
    gte(runs.updatedAt, since),
    targets ? or(...targets.map((target) => and(eq(runs.service, target.service), eq(runs.environment, target.environment)))) : undefined,
  );
  const rows = await db
    .select({
      key: runs.key,
      service: runs.service,
      environment: runs.environment,
      version: runs.version,
      state: runs.state,
      updatedAt: runs.updatedAt,
      finishedAt: sql<string | null>`${runs.snapshot}->>'finishedAt'`,
      trigger: sql<string | null>`${rollback}->>'trigger'`,
      firstEvidenceAt: sql<string | null>`${rollback}->'evidence'->0->>'at'`,
      rollbackStartedAt: sql<string | null>`${rollback}->>'startedAt'`,
      trafficRestoredAt: sql<string | null>`${rollback}->>'trafficRestoredAt'`,
      commitAt: sql<
        string | null
      >`coalesce(${runs.snapshot}->'commit'->>'at', to_char(${commits.committedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
    })
    .from(runs)
    .leftJoin(commits, and(eq(commits.service, runs.service), eq(commits.sha, sql`${runs.snapshot}->'commit'->>'sha'`)))
    .where(where);
  return rows.map((row) => ({
    key: row.key,
    service: row.service,
    environment: row.environment,
    version: row.version,
    state: row.state as RunState,
    finishedAt: row.finishedAt ?? row.updatedAt.toISOString(),
    firstBreachAt: row.trigger ? row.firstEvidenceAt : null,
    rollbackStartedAt: row.rollbackStartedAt,
    trafficRestoredAt: row.trafficRestoredAt,
    commitAt: row.commitAt,
  }));
}

/** Records when a commit was made; the first time given wins (a commit's time does not change). */
export async function saveCommitTime(db: Db, service: string, sha: string, committedAt: Date): Promise<void> {
  await db.insert(commits).values({ service, sha, committedAt }).onConflictDoNothing();
}
