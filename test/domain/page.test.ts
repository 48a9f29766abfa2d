import { describe, expect, it } from 'vitest';
import { plain, type Card } from '../../src/domain/cards.ts';
import type { Actor } from '../../src/domain/identity.ts';
import {
  acknowledge,
  DEFAULT_PAGING,
  MAX_REMINDERS,
  openPage,
  overdueReminder,
  PAGE_ACTIONS,
  pagingOf,
  sendReminder,
  type Page,
  type Round,
} from '../../src/domain/page.ts';
import { acknowledgedCard, pageDirectCard } from '../../src/domain/messages/page-cards.ts';
import { parsePlan } from '../../src/domain/plan.ts';
import type { Run } from '../../src/domain/run.ts';
import type { RunSpec } from '../../src/domain/spec.ts';
import { ALICE, apply, BOB, CAROL, PLAN_DOCUMENT, plan, requested, step, T0, validated } from './fixtures.ts';
import type { Effect } from '../../src/domain/effects.ts';
import type { Plan } from '../../src/domain/plan.ts';

const erin: Actor = { platform: 'slack', id: 'UERIN', name: 'erin' };
const mallory: Actor = { platform: 'slack', id: 'UMALLORY', name: 'mallory' };
const PAGE = { id: '22222222-2222-4222-8222-222222222222', runId: '11111111-1111-4111-8111-111111111111', reason: 'api-1 was rolled back: health failing' };
const MINUTE = 60_000;

function runWith(paging: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): Run {
  const people = { ...PLAN_DOCUMENT.people, erin: { slack: 'UERIN', teams: 'aad-erin' } };
  return apply(null, [requested(plan({ people, ...(paging ? { paging } : {}), ...extra }))]).run;
}

const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);
const who = (round: Round) => round.deliveries.map((delivery) => `${delivery.person.key}${delivery.escalation ? ' (escalation)' : ''}`);

/** Sends reminders in order, each exactly at its slot; returns every round. */
function remindersUntil(spec: RunSpec, first: Round, count: number): Round[] {
  const rounds = [first];
  for (let n = 1; n <= count; n++) {
    const page = rounds.at(-1)!.page;
    const sent = sendReminder(page, spec, n, new Date(page.nextReminderAt!));
    if (!sent.ok) throw new Error(`reminder ${n} refused: ${sent.refusal}`);
    rounds.push(sent.round);
  }
  return rounds;
}

function text(card: Card): string {
  return [
    card.title,
    ...card.body.map(plain),
    ...card.fields.map((field) => `${field.label}: ${plain(field.value)}`),
    card.context ? plain(card.context) : '',
  ].join('\n');
}

describe('opening a page', () => {
  it('messages on-call at once and schedules the first reminder one interval later', () => {
    const run = runWith({ repeatEvery: '5m', escalateAfter: '15m', escalation: ['erin'] });
    const round = openPage(PAGE, run.spec, T0);
    expect(who(round)).toEqual(['carol']);
    expect(round.deliveries[0]!.reminder).toBe(0);
    expect(round.page).toEqual({
      ...PAGE,
      openedAt: T0.toISOString(),
      acknowledged: null,
      remindersSent: 0,
      nextReminderAt: at(5).toISOString(),
      escalatedAt: null,
    });
  });

  it('without a paging section the plan repeats every 5m and escalates to nobody', () => {
    const run = runWith(undefined);
    expect(run.spec.paging).toEqual(DEFAULT_PAGING);
    const rounds = remindersUntil(run.spec, openPage(PAGE, run.spec, T0), 4);
    expect(rounds.map(who)).toEqual([['carol'], ['carol'], ['carol'], ['carol'], ['carol']]);
    expect(rounds.at(-1)!.page.escalatedAt).toBeNull();
  });

  it('reads runs created before plans had paging with the defaults', () => {
    const run = runWith(undefined);
    const { paging: _gone, ...older } = run.spec;
    expect(pagingOf(older as RunSpec)).toEqual(DEFAULT_PAGING);
  });
});

describe('reminders and escalation', () => {
  it('repeats at the interval and adds the escalation contacts once escalateAfter has passed', () => {
    const run = runWith({ repeatEvery: '5m', escalateAfter: '15m', escalation: ['erin'] });
    const rounds = remindersUntil(run.spec, openPage(PAGE, run.spec, T0), 4);
    expect(rounds.map(who)).toEqual([['carol'], ['carol'], ['carol'], ['carol', 'erin (escalation)'], ['carol', 'erin (escalation)']]);
    expect(rounds.map((round) => round.page.nextReminderAt)).toEqual([at(5), at(10), at(15), at(20), at(25)].map((date) => date.toISOString()));
    expect(rounds[3]!.page.escalatedAt).toBe(at(15).toISOString());
    expect(rounds[4]!.page.escalatedAt).toBe(at(15).toISOString());
    expect(rounds[4]!.page.remindersSent).toBe(4);
  });

  it('escalates at escalateAfter even when it falls between two reminders', () => {
    const run = runWith({ repeatEvery: '5m', escalateAfter: '12m', escalation: ['erin'] });
    const rounds = remindersUntil(run.spec, openPage(PAGE, run.spec, T0), 4);
    expect(rounds.map((round) => round.page.nextReminderAt)).toEqual([at(5), at(10), at(12), at(15), at(20)].map((date) => date.toISOString()));
    expect(rounds.map(who)[3]).toEqual(['carol', 'erin (escalation)']);
  });

  it('messages someone who is both on call and an escalation contact once', () => {
    const run = runWith({ repeatEvery: '1m', escalateAfter: '2m', escalation: ['carol', 'erin'] });
    const rounds = remindersUntil(run.spec, openPage(PAGE, run.spec, T0), 2);
    expect(who(rounds[2]!)).toEqual(['carol', 'erin (escalation)']);
  });

  it('a late reminder keeps the grid, and one hours late does not send a burst to catch up', () => {
    const run = runWith({ repeatEvery: '5m', escalateAfter: '15m' });
    const opened = openPage(PAGE, run.spec, T0).page;
    const late = sendReminder(opened, run.spec, 1, at(7));
    expect(late.ok && late.round.page.nextReminderAt).toBe(at(10).toISOString());
    const hoursLate = sendReminder(opened, run.spec, 1, at(183));
    expect(hoursLate.ok && hoursLate.round.page.nextReminderAt).toBe(at(185).toISOString());
  });

  it('a reminder already sent, one not scheduled, or one for an acknowledged page is refused', () => {
    const run = runWith({ repeatEvery: '5m' });
    const first = remindersUntil(run.spec, openPage(PAGE, run.spec, T0), 1).at(-1)!.page;
    expect(sendReminder(first, run.spec, 1, at(6))).toEqual({ ok: false, refusal: 'already_sent' });
    expect(sendReminder(first, run.spec, 3, at(16))).toEqual({ ok: false, refusal: 'not_scheduled' });
    const taken = acknowledge(first, run.spec, CAROL, at(6));
    if (!taken.ok) throw new Error(taken.message);
    expect(sendReminder(taken.page, run.spec, 2, at(10))).toEqual({ ok: false, refusal: 'acknowledged' });
  });

  it('stops repeating a day after the page opened', () => {
    const run = runWith({ repeatEvery: '1h', escalateAfter: '2h', escalation: ['erin'] });
    const rounds = remindersUntil(run.spec, openPage(PAGE, run.spec, T0), 24);
    expect(rounds[23]!.page.nextReminderAt).toBe(at(24 * 60).toISOString());
    expect(rounds[24]!.page.nextReminderAt).toBeNull();
    expect(sendReminder(rounds[24]!.page, run.spec, 25, at(25 * 60))).toEqual({ ok: false, refusal: 'not_scheduled' });
  });

  it(`stops after ${MAX_REMINDERS} reminders however fast the plan repeats`, () => {
    const run = runWith({ repeatEvery: '1s', escalateAfter: '3s' });
    const rounds = remindersUntil(run.spec, openPage(PAGE, run.spec, T0), MAX_REMINDERS);
    expect(rounds[MAX_REMINDERS - 1]!.page.nextReminderAt).not.toBeNull();
    expect(rounds[MAX_REMINDERS]!.page.nextReminderAt).toBeNull();
  });
});

describe('the sweeper’s view', () => {
  it('a reminder late by more than the grace is overdue; an acknowledged page never is', () => {
    const run = runWith({ repeatEvery: '5m' });
    const page = openPage(PAGE, run.spec, T0).page;
    expect(overdueReminder(page, at(5.5), MINUTE)).toBeNull();
    expect(overdueReminder(page, at(6.5), MINUTE)).toBe(1);
    const taken = acknowledge(page, run.spec, CAROL, at(6));
    expect(taken.ok && overdueReminder(taken.page, at(60), MINUTE)).toBeNull();
  });
});

describe('acknowledging', () => {
  const run = runWith({ repeatEvery: '5m', escalateAfter: '15m', escalation: ['erin'] });
  const page: Page = openPage(PAGE, run.spec, T0).page;

  it('on-call takes the page: reminders stop and the run’s log says who and after how long', () => {
    const taken = acknowledge(page, run.spec, CAROL, at(3));
    expect(taken).toEqual({
      ok: true,
      page: { ...page, acknowledged: { by: CAROL, at: at(3).toISOString() }, nextReminderAt: null },
      log: '🟢 Page acknowledged by carol after 3m',
    });
  });

  it('twice answers who acknowledged it and when', () => {
    const taken = acknowledge(page, run.spec, CAROL, at(3));
    if (!taken.ok) throw new Error(taken.message);
    expect(acknowledge(taken.page, run.spec, BOB, at(4))).toEqual({
      ok: false,
      code: 'already_acknowledged',
      message: 'Already acknowledged by carol at 14:03 UTC.',
    });
  });

  it('escalation contacts and approvers may acknowledge; anyone else is refused politely', () => {
    expect(acknowledge(page, run.spec, erin, at(16)).ok).toBe(true);
    expect(acknowledge(page, run.spec, BOB, at(1)).ok).toBe(true);
    expect(acknowledge(page, run.spec, ALICE, at(1))).toEqual({
      ok: false,
      code: 'forbidden',
      message: 'Only on-call, the escalation contacts and approvers may acknowledge this page (carol, erin, bob).',
    });
    expect(acknowledge(page, run.spec, mallory, at(1)).ok).toBe(false);
  });

  it('a Teams user is matched by their AAD object id, not by a name', () => {
    expect(acknowledge(page, run.spec, { platform: 'teams', id: 'aad-erin', name: 'Erin E.' }, at(1)).ok).toBe(true);
    expect(acknowledge(page, run.spec, { platform: 'teams', id: 'UERIN', name: 'erin' }, at(1)).ok).toBe(false);
  });
});

describe('page cards', () => {
  const run = runWith({ repeatEvery: '5m', escalateAfter: '15m', escalation: ['erin'] });
  const rounds = remindersUntil(run.spec, openPage(PAGE, run.spec, T0), 3);

  it('the first direct message says why, names the run and carries the Acknowledge button', () => {
    const card = pageDirectCard(rounds[0]!.page, run, rounds[0]!.deliveries[0]!);
    expect(card.title).toBe('🚨 You are paged: api production');
    expect(card.tone).toBe('danger');
    expect(text(card)).toContain(PAGE.reason);
    expect(text(card)).toContain('Run: api-1');
    expect(text(card)).toContain('Version: 1.4.2');
    expect(text(card)).toContain('Repeated every 5m');
    expect(card.buttons).toEqual([{ action: PAGE_ACTIONS.ack, label: 'Acknowledge', value: PAGE.id, style: 'primary' }]);
  });

  it('a reminder is numbered; an escalation tells the contact who did not answer', () => {
    const reminder = pageDirectCard(rounds[1]!.page, run, rounds[1]!.deliveries[0]!);
    expect(reminder.title).toBe('🚨 Reminder 1: page for api production not acknowledged');
    expect(text(reminder)).toContain('Paged at 14:00 UTC');
    const escalation = rounds[3]!.deliveries.find((delivery) => delivery.escalation)!;
    expect(text(pageDirectCard(rounds[3]!.page, run, escalation))).toContain('Escalated to you: on-call (carol) has not acknowledged within 15m.');
    expect(text(pageDirectCard(rounds[3]!.page, run, rounds[3]!.deliveries[0]!))).not.toContain('Escalated');
  });

  it('the last reminder says repeating stops', () => {
    const last: Page = { ...rounds[3]!.page, nextReminderAt: null };
    expect(text(pageDirectCard(last, run, { reminder: 3, escalation: false }))).toContain('This is the last reminder');
  });

  it('once acknowledged, the page’s messages say by whom and lose the button', () => {
    const taken = acknowledge(rounds[1]!.page, run.spec, CAROL, at(7));
    if (!taken.ok) throw new Error(taken.message);
    const card = acknowledgedCard(taken.page, run);
    expect(card.title).toBe('🟢 Page acknowledged: api production');
    expect(card.tone).toBe('good');
    expect(card.body.map(plain)).toContain('Acknowledged by @carol at 14:07 UTC, after 7m.');
    expect(card.buttons).toEqual([]);
  });
});

describe('the plan’s paging section', () => {
  it('parses durations and people; escalation contacts must be people of the plan', () => {
    const people = { ...PLAN_DOCUMENT.people, erin: { slack: 'UERIN' } };
    const parsed = parsePlan({ ...PLAN_DOCUMENT, people, paging: { repeatEvery: '2m', escalateAfter: '10m', escalation: ['erin'] } });
    expect(parsed.ok && parsed.plan.paging).toEqual({ repeatEvery: 120_000, escalateAfter: 600_000, escalation: ['erin'], also: [] });
    const unknown = parsePlan({ ...PLAN_DOCUMENT, paging: { escalation: ['eve'] } });
    expect(unknown).toEqual({ ok: false, problems: [{ path: 'paging.escalation[0]', message: '"eve" is not listed under people' }] });
    const bad = parsePlan({ ...PLAN_DOCUMENT, paging: { repeatEvery: 'soon' } });
    expect(bad.ok).toBe(false);
  });

  it('defaults the parts left out', () => {
    const parsed = parsePlan({ ...PLAN_DOCUMENT, paging: { escalateAfter: '30m' } });
    expect(parsed.ok && parsed.plan.paging).toEqual({ repeatEvery: 300_000, escalateAfter: 1_800_000, escalation: [], also: [] });
  });
});

describe('what pages on-call', () => {
  const pages = (effects: Effect[]) => effects.flatMap((effect) => (effect.kind === 'page' ? [effect.cause] : []));
  const optedIn = () => plan({ paging: { also: ['manual_rollback', 'deployment_stopped'] } });
  const goEvent = { type: 'decision', decision: 'go', by: BOB, rationale: null } as const;
  const unhealthy = (seq: number) => ({ type: 'check', seq, healthy: false, detail: '503' }) as const;
  function monitoringOf(p: Plan): Run {
    return apply(null, [requested(p), ...step('pre_checks.0'), goEvent, ...step('deploy.0'), ...step('deploy.1'), ...step('deploy.2')]).run;
  }
  function rolledBack(p: Plan, manual: boolean) {
    const watching = monitoringOf(p);
    const rolling = manual
      ? apply(watching, [{ type: 'rollback.requested', by: CAROL, reason: 'wrong build' }]).run
      : apply(watching, [unhealthy(1), unhealthy(2), unhealthy(3)]).run;
    return validated(apply(rolling, step('rollback.0')).run);
  }

  it('an automatic rollback always pages, with its cause; a manual one does not, unless the plan asks', () => {
    expect(pages(rolledBack(plan(), false).effects)).toEqual(['automatic_rollback']);
    expect(pages(rolledBack(optedIn(), false).effects)).toEqual(['automatic_rollback']);
    const manual = rolledBack(plan(), true);
    expect(manual.run.state).toBe('rolled_back');
    expect(pages(manual.effects)).toEqual([]);
    expect(manual.effects).toContainEqual({ kind: 'announce', message: 'rollback' });
    const paged = rolledBack(optedIn(), true).effects.find((effect) => effect.kind === 'page');
    expect(paged).toMatchObject({
      cause: 'manual_rollback',
      reason: expect.stringContaining('— manual rollback by carol: wrong build; validated: 1.4.1 should be serving again'),
    });
  });

  it('a NO-GO pages nobody, unless the plan asks for no_go', () => {
    const noGo = (p: ReturnType<typeof plan>) =>
      apply(apply(null, [requested(p), ...step('pre_checks.0')]).run, [{ type: 'decision', decision: 'no_go', by: BOB, rationale: 'not today' }]);
    expect(pages(noGo(plan()).effects)).toEqual([]);
    const asked = noGo(plan({ paging: { also: ['no_go'] } })).effects.find((effect) => effect.kind === 'page');
    expect(asked).toMatchObject({ cause: 'no_go', reason: expect.stringContaining('NO-GO by bob') });
  });

  it('a failed rollback always pages', () => {
    for (const p of [plan(), optedIn()]) {
      const rolling = apply(monitoringOf(p), [{ type: 'rollback.requested', by: CAROL, reason: null }]).run;
      const failed = apply(rolling, step('rollback.0', false));
      expect(failed.run.state).toBe('rollback_failed');
      expect(pages(failed.effects)).toEqual(['rollback_failed']);
    }
  });

  it('a run that stops before production changed tells the channel; on-call only if the plan asks', () => {
    const preCheck = (p: Plan) => apply(null, [requested(p), ...step('pre_checks.0', false)]);
    const darkDeploy = (p: Plan) => apply(null, [requested(p), ...step('pre_checks.0'), goEvent, ...step('deploy.0', false)]);
    for (const stop of [preCheck, darkDeploy]) {
      const quiet = stop(plan());
      expect(quiet.run.state).toBe('failed');
      expect(quiet.effects).toContainEqual({ kind: 'announce', message: 'stopped' });
      expect(pages(quiet.effects)).toEqual([]);
      expect(pages(stop(optedIn()).effects)).toEqual(['deployment_stopped']);
    }
  });

  it('the causes that always page cannot be listed under also, and unknown causes are refused', () => {
    for (const cause of ['automatic_rollback', 'sometimes']) {
      const parsed = parsePlan({ ...PLAN_DOCUMENT, paging: { also: [cause] } });
      expect(parsed.ok ? [] : parsed.problems.map((problem) => problem.path)).toEqual(['paging.also[0]']);
    }
    expect(plan({ paging: { also: ['no_go'] } }).paging.also).toEqual(['no_go']);
  });
});
