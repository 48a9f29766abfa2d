import { doraFigures } from '../domain/dora.ts';
import { historyCard, scopeOf, statsCard } from '../domain/messages/history-cards.ts';
import { deploysSince, recentRuns, type Target } from '../store/history.ts';
import type { AppContext } from './shared/context.ts';
import { text, type Reply } from './shared/replies.ts';

/** `/deploy history` and `/deploy stats`: read-only answers from the runs Flightdeck has recorded. */

/** How many runs `/deploy history` lists. */
export const HISTORY_LIMIT = 15;

const DAY_MS = 86_400_000;

export async function onHistory(ctx: AppContext, service: string, environment: string | null): Promise<Reply> {
  const runs = await recentRuns(ctx.db, service, environment, HISTORY_LIMIT);
  if (runs.length === 0 && !ctx.plans.get(service))
    return text(`There is no deployment plan for "${service}" and no run of it. Services with plans: ${ctx.plans.services().join(', ') || 'none yet'}.`);
  const now = ctx.clock.now();
  const linkOf = (run: { key: string }) => ctx.links?.runUrl(run.key, now) ?? null;
  return { kind: 'card', card: historyCard(runs, scopeOf(service, environment), HISTORY_LIMIT, linkOf) };
}

export async function onStats(ctx: AppContext, service: string | null, environment: string | null, days: number): Promise<Reply> {
  const targets = targetsOf(ctx, service, environment);
  if ('reply' in targets) return targets.reply;
  const now = ctx.clock.now();
  const deploys = await deploysSince(ctx.db, targets.list, new Date(now.getTime() - days * DAY_MS));
  return { kind: 'card', card: statsCard(doraFigures(deploys, now, days), scopeOf(service, environment ?? (service ? targets.list[0]!.environment : null))) };
}

/** One service in the environment asked for (its plan's default otherwise), or every planned service. */
function targetsOf(ctx: AppContext, service: string | null, environment: string | null): { list: Target[] } | { reply: Reply } {
  if (service) {
    const plan = ctx.plans.get(service);
    // A service whose plan is gone still has its history: the environment must then be named.
    if (!plan && !environment)
      return { reply: text(`There is no deployment plan for "${service}": name the environment, e.g. /deploy stats ${service} production.`) };
    return { list: [{ service, environment: environment ?? plan!.defaultEnvironment }] };
  }
  const plans = ctx.plans.services().flatMap((name) => {
    const plan = ctx.plans.get(name);
    if (!plan) return [];
    const chosen = environment ?? plan.defaultEnvironment;
    return plan.environments[chosen] ? [{ service: name, environment: chosen }] : [];
  });
  if (plans.length === 0) return { reply: text(environment ? `No plan has an environment "${environment}".` : 'There are no deployment plans yet.') };
  return { list: plans };
}
