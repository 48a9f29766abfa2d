import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/identity.ts';
import { deploymentReport } from '../../src/domain/reports/deployment-report.ts';
import { plain } from '../../src/domain/cards.ts';
import { statusCard } from '../../src/domain/messages/status-card.ts';
import { undecidedApprovers } from '../../src/domain/run-approval.ts';
import { transition, type Run, type RunEvent } from '../../src/domain/run.ts';
import { specFor } from '../../src/domain/spec.ts';
import { ALICE, apply, BOB, CAROL, minutes, plan, PLAN_DOCUMENT, step, T0 } from './fixtures.ts';

const production = PLAN_DOCUMENT.environments.production;
const bobOnTeams: Actor = { platform: 'teams', id: 'aad-bob', name: 'Bob B.' };
const dave: Actor = { platform: 'slack', id: 'UDAVE', name: 'dave' };

const quorumOfTwo = plan({
  people: { alice: { slack: 'U01ALICE' }, bob: { slack: 'U02BOB', teams: 'aad-bob' }, carol: { slack: 'U03CAROL' }, dave: { slack: 'UDAVE' } },
  approvers: ['alice', 'bob', 'dave'],
  environments: { production: { ...production, channel: { slack: 'C0DEPLOYS', teams: '19:x' }, approval: { quorum: 2, timeout: '2h', remindEvery: '45m' } } },
});

function waiting(p = quorumOfTwo, by: Actor = ALICE): Run {
  const requested: RunEvent = {
    type: 'requested',
    run: {
      id: '11111111-1111-4111-8111-111111111111',
      key: 'api-1',
      service: 'api',
      version: '1.4.2',
      environment: 'production',
      platform: 'slack',
      requestedBy: by,
      spec: specFor(p, 'production')!,
    },
  };
  return apply(null, [requested, ...step('pre_checks.0')], T0).run;
}
const go = (by: Actor, rationale: string | null = null): RunEvent => ({ type: 'decision', decision: 'go', by, rationale });
const refusal = (run: Run, event: RunEvent) => {
  const result = transition(run, event, minutes(1));
  return result.ok ? null : result.error;
};

describe('Go/No-Go quorum', () => {
  it('needs GOs from two different approvers; the requester does not count', () => {
    const run = waiting();
    expect(refusal(run, go(ALICE))).toEqual({
      code: 'forbidden',
      message: 'You started api-1, and this plan does not let the requester approve their own deployment. Another approver must say GO.',
    });
    const first = apply(run, [go(BOB, 'staging green')], minutes(1));
    expect(first.run.state).toBe('awaiting_decision');
    expect(first.run.approvals.map((vote) => vote.approver)).toEqual(['bob']);
    expect(first.effects).toContainEqual({ kind: 'postLog', text: expect.stringMatching(/^GO 1 of 2: GO by bob/) });
    expect(first.effects.some((effect) => effect.kind === 'runStep')).toBe(false);

    const second = apply(first.run, [go(dave)], minutes(2));
    expect(second.run.state).toBe('deploying');
    expect(second.run.decision).toMatchObject({ decision: 'go', approver: 'dave' });
    expect(second.effects).toContainEqual({ kind: 'postLog', text: 'Decision: GO by bob and dave (quorum of 2)' });
    expect(second.effects).toContainEqual({ kind: 'runStep', stepId: 'deploy.0' });
  });

  it('one person clicking on Slack and on Teams counts once', () => {
    const first = apply(waiting(), [go(BOB)], minutes(1)).run;
    expect(refusal(first, go(bobOnTeams))).toEqual({ code: 'not_allowed', message: 'You have already said GO on api-1; 1 more approver(s) needed.' });
  });

  it('one NO-GO ends it, even after a GO', () => {
    const first = apply(waiting(), [go(BOB)], minutes(1)).run;
    const vetoed = apply(first, [{ type: 'decision', decision: 'no_go', by: dave, rationale: 'error budget spent' }], minutes(2)).run;
    expect(vetoed.state).toBe('no_go');
    expect(vetoed.decision).toMatchObject({ decision: 'no_go', approver: 'dave', rationale: 'error budget spent' });
  });

  it('a plan may let the requester approve', () => {
    const selfish = plan({ environments: { production: { ...production, approval: { allowSelfApproval: true } } } });
    expect(apply(waiting(selfish, BOB), [go(BOB)], minutes(1)).run.state).toBe('deploying');
  });

  it('a quorum larger than the approvers is refused with its path', () => {
    expect(() => plan({ environments: { production: { ...production, approval: { quorum: 2 } } } })).toThrow(
      /environments.production.approval.quorum.*needs 2 approvers but the plan lists 1/,
    );
  });

  it('carol is not an approver', () => {
    expect(refusal(waiting(), go(CAROL))?.code).toBe('forbidden');
  });
});

describe('waiting for a decision', () => {
  it('reminds the approvers who have not decided, on the plan’s pace, then defers at the timeout', () => {
    const run = waiting();
    const first = apply(run, [go(BOB)], minutes(10)).run;
    expect(undecidedApprovers(first).map((person) => person.key)).toEqual(['dave']);

    const reminded = apply(first, [{ type: 'timer', timer: 'decision_reminder', n: 1 }], minutes(45));
    expect(reminded.effects).toEqual([
      { kind: 'remindApprovers' },
      { kind: 'refreshStatus' },
      { kind: 'scheduleTimer', timer: 'decision_reminder', n: 2, at: minutes(90).toISOString() },
    ]);
    // The same reminder delivered twice is stale; the last one before the timeout sets no further reminder.
    expect(refusal(reminded.run, { type: 'timer', timer: 'decision_reminder', n: 1 })?.code).toBe('stale');
    const last = apply(reminded.run, [{ type: 'timer', timer: 'decision_reminder', n: 2 }], minutes(90));
    expect(last.effects.some((effect) => effect.kind === 'scheduleTimer')).toBe(false);

    const expired = apply(last.run, [{ type: 'timer', timer: 'decision_timeout', n: 1 }], minutes(120));
    expect(expired.run.state).toBe('deferred');
    expect(expired.run.awaiting?.timedOutAt).toBe(minutes(120).toISOString());
    expect(expired.effects).toContainEqual({
      kind: 'postLog',
      text: '⏰ No Go/No-Go within 2h: api-1 is deferred. Start it again when approvers are available.',
    });
  });

  it('a timer after the decision is stale', () => {
    const decided = apply(apply(waiting(), [go(BOB)], minutes(1)).run, [go(dave)], minutes(2)).run;
    expect(refusal(decided, { type: 'timer', timer: 'decision_timeout', n: 1 })?.code).toBe('stale');
  });
});

describe('what changes the GO', () => {
  it('an emergency start needs one approver more than usual', () => {
    const solo = plan({
      people: { alice: { slack: 'U01ALICE' }, bob: { slack: 'U02BOB' }, carol: { slack: 'U03CAROL' }, dave: { slack: 'UDAVE' } },
      approvers: ['bob', 'dave'],
    });
    const requested: RunEvent = {
      type: 'requested',
      run: {
        id: '11111111-1111-4111-8111-111111111111',
        key: 'api-1',
        service: 'api',
        version: '1.4.2',
        environment: 'production',
        platform: 'slack',
        requestedBy: ALICE,
        spec: specFor(solo, 'production')!,
        emergency: { justification: 'checkout is down' },
      },
    };
    const waitingRun = apply(null, [requested, ...step('pre_checks.0')], T0).run;
    const first = apply(waitingRun, [go(BOB)], minutes(1)).run;
    expect(first.state).toBe('awaiting_decision');
    expect(apply(first, [go(dave)], minutes(2)).run.state).toBe('deploying');
  });

  it('GO on a CONDITIONAL run needs the approver to acknowledge its failing items', () => {
    const conditional: Run = {
      ...waiting(),
      readiness: { score: 80, threshold: 75, verdict: 'CONDITIONAL', failing: [{ name: 'Load test', critical: false, points: 20, summary: 'p99 310ms' }] },
    };
    expect(refusal(conditional, go(BOB))).toEqual({
      code: 'invalid_input',
      input: 'acknowledged',
      refused: true,
      message: 'api-1 is CONDITIONAL (readiness 80/100; failing: Load test). Acknowledge those items in the GO form to say GO.',
    });
    expect(
      apply(conditional, [{ type: 'decision', decision: 'go', by: BOB, rationale: 'load test flaky, accepted', acknowledged: true }], minutes(1)).run.approvals,
    ).toHaveLength(1);
    // NO-GO needs no acknowledgement.
    expect(apply(conditional, [{ type: 'decision', decision: 'no_go', by: BOB, rationale: 'not with a failing load test' }], minutes(1)).run.state).toBe(
      'no_go',
    );
  });

  it.each(['no_go', 'defer'] as const)(
    '%s without a rationale is not taken: the state machine names the rationale input, and the run keeps waiting',
    (decision) => {
      const run = waiting();
      for (const rationale of [null, '   ']) {
        expect(refusal(run, { type: 'decision', decision, by: BOB, rationale })).toEqual({
          code: 'invalid_input',
          input: 'rationale',
          refused: false,
          message: expect.stringMatching(/^Please say why: a (NO-GO|DEFER) ends api-1 for now/),
        });
      }
      // Who may decide comes first: someone who may not is told that, not asked for a reason.
      expect(refusal(run, { type: 'decision', decision, by: CAROL, rationale: null })).toMatchObject({ code: 'forbidden' });
    },
  );
});

describe('approver groups', () => {
  it('a list may name a group; its members count as people, each once', () => {
    const grouped = plan({
      people: { alice: { slack: 'U01ALICE' }, bob: { slack: 'U02BOB' }, carol: { slack: 'U03CAROL' }, dave: { slack: 'UDAVE' } },
      groups: { 'release-managers': ['bob', 'dave'] },
      approvers: ['release-managers', 'bob'],
      environments: { production: { ...production, approval: { quorum: 2 } } },
    });
    expect(specFor(grouped, 'production')!.approvers.map((person) => person.key)).toEqual(['bob', 'dave']);
    const first = apply(waiting(grouped), [go(BOB)], minutes(1)).run;
    expect(apply(first, [go(dave)], minutes(2)).run.state).toBe('deploying');
  });

  it('an unknown group member, or a name that is both, is refused with its path', () => {
    expect(() => plan({ groups: { oncall: ['zed'] } })).toThrow(/groups.oncall\[0\].*zed.*is not listed under people/);
    expect(() => plan({ groups: { bob: ['carol'] } })).toThrow(/groups.bob.*both a person and a group/);
  });
});

describe('the report of a quorum', () => {
  it('names every GO', () => {
    const decided = apply(apply(waiting(), [go(BOB, 'staging green')], minutes(1)).run, [go(dave)], minutes(2)).run;
    expect(deploymentReport(decided)).toContain('**Go/No-Go**: GO by bob at 14:01 UTC (“staging green”); GO by dave at 14:02 UTC');
  });

  it('the status card’s Decision lists every GO too', () => {
    const decided = apply(apply(waiting(), [go(BOB, 'staging green')], minutes(1)).run, [go(dave)], minutes(2)).run;
    const decision = statusCard(decided).fields.find((field) => field.label === 'Decision');
    expect(decision && plain(decision.value)).toBe('GO by @bob at 14:01 UTC (“staging green”); GO by @dave at 14:02 UTC');
  });
});
