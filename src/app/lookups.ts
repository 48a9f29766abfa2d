import type { Page } from '../domain/page.ts';
import type { Run } from '../domain/run.ts';
import { pagesDueBefore, pagesOfRun } from '../store/pages.ts';
import { activeRuns, findRun, findRunByKey } from '../store/runs.ts';
import type { AppContext } from './shared/context.ts';

/** Read-only lookups the chat adapters need to draw a reply (chat/ never reads the store itself). */

export function runById(ctx: AppContext, id: string): Promise<Run | null> {
  return findRun(ctx.db, id);
}

export function runByKey(ctx: AppContext, key: string): Promise<Run | null> {
  return findRunByKey(ctx.db, key);
}

export function activeRunList(ctx: AppContext): Promise<Run[]> {
  return activeRuns(ctx.db);
}

/** The pages nobody has acknowledged yet: of one run, or of every run. */
/** Every open page is due before this; the largest Date JavaScript has (year 275760) is beyond what Postgres stores. */
const FAR_FUTURE = new Date('9999-12-31T00:00:00Z');

export async function openPages(ctx: AppContext, run: Run | null): Promise<Page[]> {
  return run ? (await pagesOfRun(ctx.db, run.id)).filter((page) => !page.acknowledged) : pagesDueBefore(ctx.db, FAR_FUTURE);
}
