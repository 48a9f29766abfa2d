import type { Card } from '../domain/cards.ts';
import type { Actor } from '../domain/identity.ts';
import { acknowledge } from '../domain/page.ts';
import { acknowledgedCard } from '../domain/messages/page-cards.ts';
import { lockPage, updatePage } from '../store/pages.ts';
import { findRun } from '../store/runs.ts';
import { persistEffects, persistWork } from './apply-effects.ts';
import type { AppContext } from './shared/context.ts';
import { text, type Reply } from './shared/replies.ts';
import { metricsOf } from './shared/run-metrics.ts';

export interface PageAckRequest {
  actor: Actor;
  pageId: string;
}

/** `card` is what the clicked message should now show (Teams swaps it at once); null when it stays as it is. */
export interface PageAckOutcome {
  accepted: boolean;
  reply: Reply;
  card: Card | null;
}

/**
 * A click on a page's Acknowledge button, from any platform. The domain decides (allowed? taken
 * already?); on success, in one transaction: the page stops repeating, the run's thread gets a log
 * line, and a job edits every message of the page. The reply goes to the clicker only.
 */
export async function onPageAck(ctx: AppContext, request: PageAckRequest): Promise<PageAckOutcome> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(async (tx): Promise<PageAckOutcome & { runKey?: string }> => {
    const page = await lockPage(tx, request.pageId);
    const run = page && (await findRun(tx, page.runId));
    if (!page || !run) return { accepted: false, reply: text('That page no longer exists.'), card: null };
    const result = acknowledge(page, run.spec, request.actor, now);
    if (!result.ok) return { accepted: false, reply: text(result.message), card: result.code === 'already_acknowledged' ? acknowledgedCard(page, run) : null };
    await updatePage(tx, result.page);
    await persistEffects(tx, run, [{ kind: 'postLog', text: result.log }], now);
    await persistWork(tx, [{ kind: 'pageAcknowledged', page: result.page }], now);
    return {
      accepted: true,
      reply: text(`Acknowledged: you have the page for ${run.key}. Reminders have stopped.`),
      card: acknowledgedCard(result.page, run),
      runKey: run.key,
    };
  });
  const { runKey, ...answer } = outcome;
  if (answer.accepted) {
    ctx.kickRelay();
    metricsOf(ctx).pageAcknowledged();
    ctx.log.info({ run: runKey, page: request.pageId, by: request.actor.name }, 'page acknowledged');
  }
  return answer;
}
