import { and, desc, eq, sql } from 'drizzle-orm';
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
  const which = targets
    ? sql`and (${sql.join(
        targets.map((target) => sql`(r.service = ${target.service} and r.environment = ${target.environment})`),
        sql` or `,
      )})`
    : sql``;
  // One jsonb_to_record per row: each -> on the snapshot would detoast the whole (large) snapshot again.
  const result = (await db.execute(sql`
    select r.key, r.service, r.environment, r.version, r.state, r.updated_at as "updatedAt", x."finishedAt",
           x.rollback->>'trigger' as trigger, x.rollback->'evidence'->0->>'at' as "firstEvidenceAt",
           x.rollback->>'startedAt' as "rollbackStartedAt", x.rollback->>'trafficRestoredAt' as "trafficRestoredAt",
           coalesce(x.commit->>'at', to_char(c.committed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) as "commitAt"
    from ${runs} r
    cross join lateral jsonb_to_record(r.snapshot) as x("finishedAt" text, rollback jsonb, commit jsonb)
    left join ${commits} c on c.service = r.service and c.sha = x.commit->>'sha'
    where r.state in (${sql.join(
      DEPLOY_ENDINGS.map((state) => sql`${state}`),
      sql`, `,
    )}) and r.updated_at >= ${since.toISOString()} ${which}`)) as unknown as { rows: Row[] };
  return result.rows.map((row) => ({
    key: row.key,
    service: row.service,
    environment: row.environment,
    version: row.version,
    state: row.state as RunState,
    finishedAt: row.finishedAt ?? new Date(row.updatedAt).toISOString(),
    firstBreachAt: row.trigger ? row.firstEvidenceAt : null,
    rollbackStartedAt: row.rollbackStartedAt,
    trafficRestoredAt: row.trafficRestoredAt,
    commitAt: row.commitAt,
  }));
}

interface Row {
  key: string;
  service: string;
  environment: string;
  version: string;
  state: string;
  updatedAt: string | Date;
  finishedAt: string | null;
  trigger: string | null;
  firstEvidenceAt: string | null;
  rollbackStartedAt: string | null;
  trafficRestoredAt: string | null;
  commitAt: string | null;
}

/** Records when a commit was made; the first time given wins (a commit's time does not change). */
export async function saveCommitTime(db: Db, service: string, sha: string, committedAt: Date): Promise<void> {
  await db.insert(commits).values({ service, sha, committedAt }).onConflictDoNothing();
}
