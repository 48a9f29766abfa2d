import { and, desc, eq, sql } from 'drizzle-orm';
import { DEPLOY_ENDINGS, outcomeOf, type RunOutcome } from '../domain/dora.ts';
import type { Run } from '../domain/run.ts';
import type { Db } from './db.ts';
import { runsFrom, type StoredRun } from './run-specs.ts';
import { commits, runs } from './schema.ts';

/** What happened on a target: the runs for `/deploy history`, the deploys for `/deploy stats`. */

/** A service's newest runs (in one environment, or every one), newest first. Read through runs_by_service. */
export async function recentRuns(db: Db, service: string, environment: string | null, limit: number): Promise<Run[]> {
  const rows = await db
    .select({ snapshot: runs.snapshot, specHash: runs.specHash })
    .from(runs)
    .where(environment ? and(eq(runs.service, service), eq(runs.environment, environment)) : eq(runs.service, service))
    .orderBy(desc(runs.createdAt))
    .limit(limit);
  return runsFrom(db, rows);
}

export interface Target {
  service: string;
  environment: string;
}

/**
 * The deploys of `targets` (every target when null) that ended since `since`, as DORA reads them. A run
 * ends once, so its last update is when it ended: `updated_at` finds them through deploys_by_target /
 * deploys_by_time. The `outcome` column (domain/dora.ts outcomeOf, written when the run ends) is all that is
 * read, so a year of history stays cheap; a run that ended before that column existed has none, and its
 * snapshot is read instead, through the same outcomeOf. A commit time looked up after the start
 * (the commits table) fills in one the start did not give.
 */
export async function deploysSince(db: Db, targets: readonly Target[] | null, since: Date): Promise<RunOutcome[]> {
  if (targets && targets.length === 0) return [];
  const which = targets
    ? sql`and (${sql.join(
        targets.map((target) => sql`(r.service = ${target.service} and r.environment = ${target.environment})`),
        sql` or `,
      )})`
    : sql``;
  // CASE, not coalesce: a run with an outcome but no commit must not make Postgres read (detoast) its snapshot.
  const result = (await db.execute(sql`
    select r.outcome, case when r.outcome is null then r.snapshot end as snapshot,
           to_char(c.committed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "lookedUp"
    from ${runs} r
    left join ${commits} c on c.service = r.service
      and c.sha = case when r.outcome is null then r.snapshot->'commit'->>'sha' else r.outcome->>'commitSha' end
    where r.state in (${sql.join(
      DEPLOY_ENDINGS.map((state) => sql`${state}`),
      sql`, `,
    )}) and r.updated_at >= ${since.toISOString()} ${which}`)) as unknown as {
    rows: { outcome: RunOutcome | null; snapshot: StoredRun | null; lookedUp: string | null }[];
  };
  return result.rows.flatMap((row) => {
    const outcome = row.outcome ?? (row.snapshot ? outcomeOf(row.snapshot) : null);
    return outcome ? [{ ...outcome, commitAt: outcome.commitAt ?? row.lookedUp }] : [];
  });
}

/** Records when a commit was made; the first time given wins (a commit's time does not change). */
export async function saveCommitTime(db: Db, service: string, sha: string, committedAt: Date): Promise<void> {
  await db.insert(commits).values({ service, sha, committedAt }).onConflictDoNothing();
}
