import type { Logger } from 'pino';
import type { Card } from '../../domain/cards.ts';
import { directMessageId, type Actor } from '../../domain/identity.ts';
import { homeView, HOME_HISTORY_PER_SERVICE, servicesNaming } from '../../domain/messages/home-view.ts';
import type { Page } from '../../domain/page.ts';
import type { Plan } from '../../domain/plan.ts';
import type { Run } from '../../domain/run.ts';
import type { PlanCatalog } from '../../plans/catalog.ts';
import type { ChatPlatform, RunLinks } from '../../ports.ts';
import type { Db } from '../../store/db.ts';
import { recentRuns } from '../../store/history.ts';
import { homeUsersAmong } from '../../store/home-users.ts';
import { unacknowledgedPages } from '../../store/pages.ts';
import { activeRuns, findRun } from '../../store/runs.ts';

/** A person's home (Slack's App Home tab): read from the store, drawn by the domain (homeView). */

export interface HomeDeps {
  db: Db;
  /** The plan catalog: which services name the person. Without it the home lists no service's history. */
  plans?: PlanCatalog | undefined;
  links?: RunLinks | null | undefined;
}

export async function homeFor(deps: HomeDeps, me: Actor, now: Date): Promise<Card[]> {
  const plans: Plan[] = deps.plans ? deps.plans.services().flatMap((service) => deps.plans?.get(service) ?? []) : [];
  const active = await activeRuns(deps.db);
  const openPages: { page: Page; run: Run }[] = [];
  for (const page of await unacknowledgedPages(deps.db)) {
    const run = active.find((candidate) => candidate.id === page.runId) ?? (await findRun(deps.db, page.runId));
    if (run) openPages.push({ page, run });
  }
  const history = await Promise.all(
    servicesNaming(plans, me).map(async (service) => ({ service, runs: await recentRuns(deps.db, service, null, HOME_HISTORY_PER_SERVICE) })),
  );
  const runUrls: Record<string, string> = {};
  if (deps.links) {
    for (const run of [...active, ...openPages.map((open) => open.run), ...history.flatMap((entry) => entry.runs)]) {
      runUrls[run.key] ??= deps.links.runUrl(run.key, now);
    }
  }
  return homeView({ me, now, plans, active, openPages, history, runUrls });
}

/**
 * A run someone can act on moved: republish the Slack home of its approvers and on-call (escalation
 * contacts too) who have a Slack id and have opened the home at least once. A failed publish is a log
 * line: the home is a convenience, and the run's job must not fail (or retry) because of it.
 */
export async function republishHomes(deps: HomeDeps & { chat: ChatPlatform | undefined; log: Logger }, run: Run, now: Date): Promise<void> {
  const chat = deps.chat;
  if (!chat?.publishHome) return;
  try {
    const people = [...run.spec.approvers, ...run.spec.onCall, ...run.spec.paging.escalation];
    const ids = [...new Set(people.map((person) => directMessageId(person, 'slack')).filter((id): id is string => id !== null))];
    for (const id of await homeUsersAmong(deps.db, ids)) {
      try {
        await chat.publishHome(id, await homeFor(deps, { platform: 'slack', id, name: id }, now));
      } catch (error) {
        deps.log.warn({ err: error, run: run.key, user: id }, 'could not republish a Slack home (the run goes on)');
      }
    }
  } catch (error) {
    deps.log.warn({ err: error, run: run.key }, 'could not find whose Slack home to republish (the run goes on)');
  }
}
