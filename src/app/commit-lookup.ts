import { commitToLookUp } from '../domain/commit-lookup.ts';
import type { CommitTimes } from '../ports.ts';
import type { CommitJob } from '../queue/jobs.ts';
import { saveCommitTime } from '../store/history.ts';
import { findRun } from '../store/runs.ts';
import type { AppContext } from './shared/context.ts';

/**
 * Worker: a run was started with `--commit <sha>` and no time, and its plan says where to look the time
 * up. The answer is recorded in `commits` for lead time; a lookup that fails is logged (masked) and
 * leaves lead time unknown: it is never guessed, and never retried into a rate limit.
 */
export async function lookUpCommitTime(ctx: AppContext, commits: CommitTimes, job: CommitJob): Promise<'saved' | 'unknown' | 'skipped'> {
  const run = await findRun(ctx.db, job.runId);
  const sha = run ? commitToLookUp(run) : null;
  if (!run || !sha || sha !== job.sha) {
    ctx.log.warn({ runId: job.runId, sha: job.sha }, 'commit time lookup for a run that needs none; skipped');
    return 'skipped';
  }
  const context = {
    runId: run.id,
    runKey: run.key,
    service: run.service,
    version: run.version,
    environment: run.environment,
    previousVersion: run.previousVersion,
  };
  const found = await commits.lookUp(run.spec.commitLookup!, sha, context);
  if (!found.ok) {
    ctx.log.warn({ run: run.key, sha, problem: found.problem }, 'commit time lookup failed; lead time stays unknown for this run');
    return 'unknown';
  }
  await saveCommitTime(ctx.db, run.service, sha, found.at);
  ctx.log.info({ run: run.key, sha, committedAt: found.at.toISOString() }, 'commit time recorded');
  return 'saved';
}
