import { card, type Card, type Text } from '../cards.ts';
import { decisionOf } from '../decisions.ts';
import { isPerson, mentionOf, type Actor } from '../identity.ts';
import { pagingOf, type Page } from '../page.ts';
import { peopleOf, type Plan } from '../plan.ts';
import { describeReadiness } from '../readiness.ts';
import { quorumOf, undecidedApprovers } from '../run-approval.ts';
import { stateLabel, type Run } from '../run.ts';
import { acknowledgeButton } from './page-cards.ts';
import { historyLine } from './history-cards.ts';
import { progressLine, statusCard } from './status-card.ts';
import { target, time, withReportLink } from './words.ts';

/**
 * A person's home in chat (Slack's App Home tab), as platform-neutral cards, most actionable first:
 * the runs waiting for *their* Go/No-Go (with the status card's own buttons, so a click there is the
 * same click as in the channel), their open pages (with Acknowledge), every run in flight, and the last
 * runs of the services whose plan names them.
 */

/** Items shown per list; the rest are counted ("…and 3 more"), so one busy list never pushes the others out. */
export const HOME_LIST_LIMIT = 10;
/** Runs shown per service under "Last deployments". */
export const HOME_HISTORY_PER_SERVICE = 5;

export type PlanRole = 'deployer' | 'approver' | 'on-call' | 'admin';

export interface HomeFacts {
  /** Who opened the home, as their platform knows them. */
  me: Actor;
  now: Date;
  /** The plans (the catalog now), to tell which services name `me` and as what. */
  plans: readonly Plan[];
  /** Every run in flight, oldest first. */
  active: readonly Run[];
  /** Every page nobody has acknowledged yet, with its run. */
  openPages: readonly { page: Page; run: Run }[];
  /** The newest runs of each of `me`'s services (servicesNaming), newest first. */
  history: readonly { service: string; runs: readonly Run[] }[];
  /** The signed link to a run's page, by run key, where serve draws them. */
  runUrls?: Readonly<Record<string, string>>;
}

/** The roles a plan gives this person (groups expanded), in the plan's own order of lists. */
export function rolesIn(plan: Plan, me: Actor): PlanRole[] {
  const lists: [PlanRole, string[]][] = [
    ['deployer', plan.deployers],
    ['approver', plan.approvers],
    ['on-call', plan.onCall],
    ['admin', plan.admins],
  ];
  return lists.filter(([, keys]) => peopleOf(plan, keys).some((person) => isPerson(me, person))).map(([role]) => role);
}

/** The services whose plan names this person (deployer, approver, on-call or admin), sorted. */
export function servicesNaming(plans: readonly Plan[], me: Actor): string[] {
  return plans
    .filter((plan) => rolesIn(plan, me).length > 0)
    .map((plan) => plan.service)
    .sort();
}

/** Runs waiting for this person's Go/No-Go: they approve the run (as frozen into it) and have not said GO yet. */
export function waitingForDecisionOf(runs: readonly Run[], me: Actor): Run[] {
  return runs.filter((run) => run.state === 'awaiting_decision' && undecidedApprovers(run).some((person) => isPerson(me, person)));
}

/** Pages that call this person: they are on call for the run, or one of its escalation contacts once the page has escalated. */
export function pagesOf(openPages: readonly { page: Page; run: Run }[], me: Actor): { page: Page; run: Run }[] {
  return openPages.filter(({ page, run }) =>
    [...run.spec.onCall, ...(page.escalatedAt ? pagingOf(run.spec).escalation : [])].some((person) => isPerson(me, person)),
  );
}

export function homeView(facts: HomeFacts): Card[] {
  const { me } = facts;
  const url = (run: Run) => facts.runUrls?.[run.key] ?? null;
  const waiting = waitingForDecisionOf(facts.active, me);
  const pages = pagesOf(facts.openPages, me);
  return [
    welcomeCard(facts),
    ...listed(waiting, (run) => withReportLink(decisionCard(run), url(run)), '🚦 Waiting for your Go/No-Go', 'Nothing is waiting for your Go/No-Go.'),
    ...listed(pages, ({ page, run }) => withReportLink(homePageCard(page, run), url(run)), '🚨 Your open pages', 'No open page calls you.'),
    inFlightCard(facts.active, url),
    ...facts.history.map(({ service, runs }) => historyOf(service, runs, url)),
  ];
}

function welcomeCard(facts: HomeFacts): Card {
  const roles = facts.plans.map((plan) => ({ service: plan.service, roles: rolesIn(plan, facts.me) })).filter((entry) => entry.roles.length > 0);
  const named = roles.length
    ? `You are in the plans of ${roles.map((entry) => `${entry.service} (${entry.roles.join(', ')})`).join('; ')}.`
    : 'No plan names you yet (as deployer, approver, on-call or admin): ask for your Slack id to be added to a plan’s people.';
  return card({
    title: '✈️ Flightdeck',
    body: [['Hello ', { mention: mentionOf(facts.me) }, '. ', named]],
    context: [`Updated ${time(facts.now.toISOString())} · /deploy help lists the commands.`],
  });
}

/** One card per item, up to the limit, then a card that counts the rest; an empty list says so in one card. */
function listed<T>(items: readonly T[], draw: (item: T) => Card, heading: string, empty: string): Card[] {
  if (items.length === 0) return [card({ title: heading, body: [[empty]] })];
  const shown = items.slice(0, HOME_LIST_LIMIT).map(draw);
  const hidden = items.length - shown.length;
  return hidden > 0 ? [...shown, card({ title: `${heading}: and ${hidden} more`, body: [[`…and ${hidden} more, not shown here.`]] })] : shown;
}

/** A run waiting for the reader's decision: its facts and the status card's GO / NO-GO / DEFER buttons, forms included. */
function decisionCard(run: Run): Card {
  const status = statusCard(run);
  const quorum = quorumOf(run);
  const body: Text[] = [
    [`Waiting since ${run.awaiting ? time(run.awaiting.since) : time(run.requestedAt)} · requested by `, { mention: mentionOf(run.requestedBy) }],
    [`GO so far: ${run.approvals.length} of ${quorum} needed.`],
  ];
  if (run.readiness) body.push([`Readiness: ${describeReadiness(run.readiness)}`]);
  if (run.emergency) body.push([`🚨 EMERGENCY: ${run.emergency.justification}`]);
  return card({
    title: `🚦 Your Go/No-Go: ${target(run)}`,
    tone: 'warning',
    body,
    fields: [
      { label: 'Run', value: [run.key] },
      { label: 'Strategy', value: [run.spec.strategy] },
      { label: 'Risk', value: [run.spec.risk.toUpperCase()] },
    ],
    buttons: status.buttons.filter((button) => decisionOf(button.action) !== null),
    context: [`${run.key} · the form shows the run's facts before anything is recorded`],
  });
}

function homePageCard(page: Page, run: Run): Card {
  return card({
    title: `🚨 You are paged: ${run.service} ${run.environment}`,
    tone: 'danger',
    body: [[page.reason], [`Paged at ${time(page.openedAt)}; nobody has acknowledged yet.`]],
    fields: [
      { label: 'Run', value: [run.key] },
      { label: 'State', value: [stateLabel(run.state)] },
    ],
    buttons: [acknowledgeButton(page)],
  });
}

function inFlightCard(active: readonly Run[], url: (run: Run) => string | null): Card {
  if (active.length === 0) return card({ title: '🛫 In flight', body: [['Nothing is deploying right now.']] });
  const lines = active.slice(0, HOME_LIST_LIMIT).map((run): Text => {
    const link = url(run);
    return [`${run.key}: ${target(run)} — ${stateLabel(run.state)} (${progressLine(run)})${link ? ` · 📄 ${link}` : ''}`];
  });
  const hidden = active.length - lines.length;
  if (hidden > 0) lines.push([`…and ${hidden} more: /deploy status lists them all.`]);
  return card({ title: `🛫 In flight (${active.length})`, body: lines });
}

function historyOf(service: string, runs: readonly Run[], url: (run: Run) => string | null): Card {
  if (runs.length === 0) return card({ title: `📜 Last deployments: ${service}`, body: [['No runs yet.']] });
  return card({
    title: `📜 Last deployments: ${service}`,
    body: runs.map((run) => historyLine(run, url(run))),
    context: [`/deploy history ${service} shows more.`],
  });
}
