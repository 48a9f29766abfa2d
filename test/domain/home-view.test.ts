import { describe, expect, it } from 'vitest';
import { ACTIONS, plain, type Card } from '../../src/domain/cards.ts';
import { HOME_LIST_LIMIT, homeView, rolesIn, servicesNaming, type HomeFacts } from '../../src/domain/messages/home-view.ts';
import { PAGE_ACTIONS, type Page } from '../../src/domain/page.ts';
import type { Run } from '../../src/domain/run.ts';
import { ALICE, BOB, buildPlan, buildSpec, CAROL, Flight, go, MALLORY, minutes, RUN_ID, RUN_KEY } from './fixtures.ts';

/** The Home tab's content, pure: what each person sees, and which buttons they get. */

const checkout = buildPlan((document) => {
  (document as Record<string, unknown>).deployers = ['alice'];
});
const waiting = () => new Flight().toDecision().run;
const page = (run: Run): Page => ({
  id: '9a9a9a9a-1111-4222-8333-444444444444',
  runId: run.id,
  reason: 'Automatic rollback: health failing for 3 checks',
  openedAt: minutes(5).toISOString(),
  acknowledged: null,
  remindersSent: 0,
  nextReminderAt: minutes(10).toISOString(),
  escalatedAt: null,
});

function facts(partial: Partial<HomeFacts> & Pick<HomeFacts, 'me'>): HomeFacts {
  return { now: minutes(6), plans: [checkout], active: [], openPages: [], history: [], ...partial };
}
const text = (card: Card) => [card.title, ...card.body.map(plain), ...card.fields.map((field) => `${field.label}: ${plain(field.value)}`)].join('\n');
const buttons = (cards: Card[]) => cards.flatMap((card) => card.buttons.map((button) => `${button.action} ${button.value}`));

describe('homeView', () => {
  it('an approver who has not decided gets the run with the status card’s GO / NO-GO / DEFER buttons, forms included', () => {
    const run = waiting();
    const home = homeView(facts({ me: BOB, active: [run], runUrls: { [RUN_KEY]: 'https://flightdeck.example/runs/checkout-7?t=x' } }));
    const decision = home.find((card) => card.title.startsWith('🚦 Your Go/No-Go'))!;
    expect(decision.title).toBe('🚦 Your Go/No-Go: checkout 2.3.0 → production');
    expect(decision.buttons.map((button) => [button.action, button.value, button.form?.decision])).toEqual([
      [ACTIONS.go, RUN_ID, 'go'],
      [ACTIONS.noGo, RUN_ID, 'no_go'],
      [ACTIONS.defer, RUN_ID, 'defer'],
    ]);
    expect(text(decision)).toContain('GO so far: 0 of 1 needed.');
    expect(plain(decision.context!)).toContain('📄 Report: https://flightdeck.example/runs/checkout-7?t=x');
    // The run is in flight too, with its link.
    const inFlight = home.find((card) => card.title.startsWith('🛫 In flight'))!;
    expect(inFlight.title).toBe('🛫 In flight (1)');
    expect(text(inFlight)).toContain('checkout-7: checkout 2.3.0 → production — awaiting decision');
    expect(text(inFlight)).toContain('📄 https://flightdeck.example/runs/checkout-7?t=x');
  });

  it('no GO button for someone who is not an approver, nor for an approver who has said GO, nor once the run moved on', () => {
    const run = waiting();
    for (const me of [ALICE, CAROL, MALLORY]) {
      const home = homeView(facts({ me, active: [run] }));
      expect(buttons(home)).toEqual([]);
      expect(home.map(text).join('\n')).toContain('Nothing is waiting for your Go/No-Go.');
    }
    const voted: Run = {
      ...run,
      approvals: [{ decision: 'go', by: BOB, at: minutes(2).toISOString(), rationale: null, approver: 'bob' } as Run['approvals'][number]],
    };
    expect(buttons(homeView(facts({ me: BOB, active: [voted] })))).toEqual([]);
    const flight = new Flight().toDecision();
    flight.send(go(BOB));
    expect(flight.run.state).not.toBe('awaiting_decision');
    expect(buttons(homeView(facts({ me: BOB, active: [flight.run] })))).toEqual([]);
  });

  it('an open page shows in the home of the on-call it calls, with Acknowledge; not in an approver’s', () => {
    const run = new Flight().toMonitoring().run;
    const open = page(run);
    const carol = homeView(facts({ me: CAROL, active: [run], openPages: [{ page: open, run }] }));
    const paged = carol.find((card) => card.title.startsWith('🚨'))!;
    expect(paged.title).toBe('🚨 You are paged: checkout production');
    expect(text(paged)).toContain('Automatic rollback: health failing for 3 checks');
    expect(text(paged)).toContain('Paged at 14:05 UTC');
    expect(paged.buttons).toEqual([{ action: PAGE_ACTIONS.ack, label: 'Acknowledge', value: open.id, style: 'primary' }]);
    const bob = homeView(facts({ me: BOB, active: [run], openPages: [{ page: open, run }] }));
    expect(buttons(bob)).toEqual([]);
    expect(bob.map(text).join('\n')).toContain('No open page calls you.');
  });

  it('an escalation contact gets the page once it has escalated, not before', () => {
    const flight = new Flight({ spec: { ...buildSpec(), paging: { ...buildSpec().paging, escalation: [{ key: 'alice', ids: { slack: ALICE.id } }] } } });
    const run = flight.run;
    const open = page(run);
    expect(buttons(homeView(facts({ me: ALICE, openPages: [{ page: open, run }] })))).toEqual([]);
    const escalated = { ...open, escalatedAt: minutes(20).toISOString() };
    expect(buttons(homeView(facts({ me: ALICE, openPages: [{ page: escalated, run }] })))).toEqual([`${PAGE_ACTIONS.ack} ${open.id}`]);
  });

  it('who I am in the plans, and the last deployments of the services that name me', () => {
    expect(rolesIn(checkout, BOB)).toEqual(['approver']);
    expect(rolesIn(checkout, ALICE)).toEqual(['deployer']);
    expect(rolesIn(checkout, CAROL)).toEqual(['on-call']);
    expect(rolesIn(checkout, MALLORY)).toEqual([]);
    expect(servicesNaming([checkout], CAROL)).toEqual(['checkout']);
    expect(servicesNaming([checkout], MALLORY)).toEqual([]);

    const done = new Flight().toMonitoring().run;
    const home = homeView(facts({ me: CAROL, history: [{ service: 'checkout', runs: [done] }] }));
    expect(plain(home[0]!.body[0]!)).toContain('You are in the plans of checkout (on-call).');
    const history = home.find((card) => card.title === '📜 Last deployments: checkout')!;
    expect(text(history)).toContain('checkout-7 · 2.3.0 → production');
    expect(
      homeView(facts({ me: MALLORY }))
        .map(text)
        .join('\n'),
    ).toContain('No plan names you yet');
  });

  it('a long list shows the first ten and counts the rest, so the other lists still show', () => {
    const many = Array.from({ length: HOME_LIST_LIMIT + 3 }, (_, index) => ({
      ...waiting(),
      id: `${RUN_ID.slice(0, -2)}${String(index).padStart(2, '0')}`,
      key: `checkout-${index}`,
    }));
    const home = homeView(facts({ me: BOB, active: many }));
    expect(home.filter((card) => card.title.startsWith('🚦 Your Go/No-Go:')).length).toBe(HOME_LIST_LIMIT);
    expect(home.find((card) => card.title.endsWith('and 3 more'))!.body.map(plain)).toEqual(['…and 3 more, not shown here.']);
    const inFlight = home.find((card) => card.title.startsWith('🛫'))!;
    expect(inFlight.title).toBe(`🛫 In flight (${HOME_LIST_LIMIT + 3})`);
    expect(plain(inFlight.body.at(-1)!)).toBe('…and 3 more: /deploy status lists them all.');
  });
});
