import { describe, expect, it } from 'vitest';
import { decisionInputProblem } from '../../src/domain/decision-facts.ts';
import type { GoGates } from '../../src/domain/go-gates.ts';
import type { Actor } from '../../src/domain/identity.ts';
import { afterRollbackLock, manualLock, type Lock } from '../../src/domain/lock.ts';
import { statusCard } from '../../src/domain/messages/status-card.ts';
import { deploymentReport } from '../../src/domain/reports/deployment-report.ts';
import { replay, transition, type Run, type RunEvent } from '../../src/domain/run.ts';
import { specFor } from '../../src/domain/spec.ts';
import { ALICE, apply, BOB, CAROL, minutes, plan, step, T0 } from './fixtures.ts';

/**
 * A GO is judged against the target's lock and the freeze windows in force when it is given
 * (domain/go-gates.ts, run-approval.ts): a run that began before either must not deploy into it.
 * bob is an approver and an admin; carol only an approver. T0 is Mon 23 Nov 2026 14:00 UTC.
 */
const gated = plan({ approvers: ['bob', 'carol'], admins: ['bob'] });
const target = { service: 'api', environment: 'production' };
/** From 14:30 UTC (15:30 in Berlin), half an hour after the run starts waiting, to the next Monday morning. */
const [winterFreeze, otherFreeze] = plan({
  freezes: [
    { name: 'Winter freeze', zone: 'Europe/Berlin', from: '2026-11-23 15:30', to: '2026-11-30 09:00' },
    { name: 'Audit freeze', zone: 'UTC', from: '2026-11-23 14:30', to: '2026-11-24 12:00' },
  ],
}).freezes;
const LOCK = manualLock(target, ALICE, 'db migration', null, minutes(5));

function waiting(emergency: Run['emergency'] = null): Run {
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
      spec: specFor(gated, 'production')!,
      emergency,
    },
  };
  return apply(null, [requested, ...step('pre_checks.0')], T0).run;
}
const gates = (lock: Lock | null, freezes = [winterFreeze!]): GoGates => ({ lock, freezes });
const decide = (by: Actor, decision: 'go' | 'no_go' | 'defer', rationale: string | null, facts: GoGates): Extract<RunEvent, { type: 'decision' }> => ({
  type: 'decision',
  decision,
  by,
  rationale,
  gates: facts,
});
const refusal = (run: Run, event: RunEvent, at: Date) => {
  const result = transition(run, event, at);
  return result.ok ? null : result.error;
};

describe('a GO into a lock taken while the run waits', () => {
  it('is refused with the holder, the reason and "until someone unlocks it"; the run keeps waiting', () => {
    const run = waiting();
    expect(refusal(run, decide(CAROL, 'go', 'staging green', gates(LOCK, [])), minutes(10))).toEqual({
      code: 'not_allowed',
      message:
        '🔒 api production is locked by alice since 14:05 UTC until someone unlocks it: “db migration”. A GO now would deploy into it, so api-1 keeps waiting for its decision: say GO again once it is lifted. Only an admin who is also an approver may override it (bob).',
    });
  });

  it('names when a timed lock ends, and who holds a lock a rollback took', () => {
    const timed = manualLock(target, ALICE, 'release prep', 2 * 3_600_000, minutes(5));
    expect(refusal(waiting(), decide(CAROL, 'go', null, gates(timed, [])), minutes(10))?.message).toContain(
      'locked by alice since 14:05 UTC until 16:05 UTC (in 1h 55m): “release prep”.',
    );
    const rollback = afterRollbackLock(
      { ...target, key: 'api-0', version: '1.4.1', platform: 'slack', state: 'rolled_back', rollback: { reason: 'error rate 9%' } },
      minutes(5),
    );
    expect(refusal(waiting(), decide(CAROL, 'go', null, gates(rollback, [])), minutes(10))?.message).toContain(
      'api production is locked by Flightdeck after api-0 since 14:05 UTC until someone unlocks it: “api-0 (1.4.1) was rolled back: error rate 9%”.',
    );
  });

  it('an expired lock, or none, stops nothing', () => {
    const expired = manualLock(target, ALICE, 'quick look', 60_000, minutes(5));
    expect(apply(waiting(), [decide(CAROL, 'go', null, gates(expired, []))], minutes(10)).run.state).toBe('deploying');
    expect(apply(waiting(), [decide(CAROL, 'go', null, gates(null, []))], minutes(10)).run.decision).not.toHaveProperty('override');
  });

  it('NO-GO and DEFER are still accepted: they stop the run', () => {
    expect(apply(waiting(), [decide(CAROL, 'no_go', 'not during the migration', gates(LOCK))], minutes(40)).run.state).toBe('no_go');
    expect(apply(waiting(), [decide(CAROL, 'defer', 'after the migration', gates(LOCK))], minutes(40)).run.state).toBe('deferred');
  });
});

describe('a GO inside a freeze window that began while the run waits', () => {
  it('is accepted before the window begins and refused once it has, with its name and its end in its zone and in UTC', () => {
    expect(apply(waiting(), [decide(CAROL, 'go', null, gates(null))], minutes(29)).run.state).toBe('deploying');
    expect(refusal(waiting(), decide(CAROL, 'go', null, gates(null)), minutes(31))?.message).toBe(
      '❄️ Frozen: Winter freeze until Mon 30 Nov 09:00 Europe/Berlin (08:00 UTC). A GO now would deploy into it, so api-1 keeps waiting for its decision: say GO again once it is lifted. Only an admin who is also an approver may override it (bob).',
    );
  });

  it('a lock and a freeze together are both named', () => {
    const message = refusal(waiting(), decide(CAROL, 'go', null, gates(LOCK)), minutes(31))?.message;
    expect(message).toMatch(/^🔒 api production is locked by alice .*“db migration”\. ❄️ Frozen: Winter freeze until .*\. A GO now/);
  });
});

describe('an admin who is an approver may override, with a reason', () => {
  it('without a rationale: refused, and told how to override; the form shows it on the rationale input', () => {
    const run = waiting();
    const bare = decide(BOB, 'go', null, gates(LOCK));
    expect(refusal(run, bare, minutes(31))).toEqual({
      code: 'invalid_input',
      input: 'rationale',
      refused: true,
      message: expect.stringMatching(
        /^🔒 api production is locked by alice .* ❄️ Frozen: Winter freeze until .*\. As an admin you may override it: say GO with a rationale \(why deploying now is safe\); the override is kept in the audit trail\.$/,
      ),
    });
    expect(decisionInputProblem(run, bare, minutes(31))).toMatchObject({
      input: 'rationale',
      ruledBy: 'domain',
      message: expect.stringContaining('As an admin you may override it'),
    });
  });

  it('with one: accepted, and the decision, its log line, the status card and the report say what it overrode', () => {
    const overriding = decide(BOB, 'go', 'hotfix for the outage, migration paused', gates(LOCK));
    const done = apply(waiting(), [overriding], minutes(31));
    expect(done.run.state).toBe('deploying');
    const blocked =
      '🔒 api production is locked by alice since 14:05 UTC until someone unlocks it: “db migration”. ❄️ Frozen: Winter freeze until Mon 30 Nov 09:00 Europe/Berlin (08:00 UTC).';
    expect(done.run.decision).toMatchObject({ decision: 'go', approver: 'bob', rationale: 'hotfix for the outage, migration paused', override: blocked });
    expect(done.effects).toContainEqual({
      kind: 'postLog',
      text: `Decision: GO by bob at 14:31 UTC (“hotfix for the outage, migration paused”), ⚠️ overriding: ${blocked}`,
    });
    expect(JSON.stringify(statusCard(done.run))).toContain(`⚠️ overriding: ${blocked}`);
    expect(deploymentReport(done.run)).toContain(`**Go/No-Go**: GO by bob at 14:31 UTC (“hotfix for the outage, migration paused”), ⚠️ overriding: ${blocked}`);
    // The event carries the facts it was judged on, so the audit trail replays to the same override.
    const events = [waitingEvents(), { event: overriding, at: minutes(31) }].flat();
    expect(replay(events)?.decision).toEqual(done.run.decision);
  });

  it('an admin who is not an approver cannot decide at all', () => {
    const adminOnly = plan({ approvers: ['carol'], admins: ['bob'] });
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
        spec: specFor(adminOnly, 'production')!,
      },
    };
    const run = apply(null, [requested, ...step('pre_checks.0')], T0).run;
    expect(refusal(run, decide(BOB, 'go', 'I am the admin', gates(LOCK)), minutes(10))).toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('Only approvers may decide'),
    });
  });
});

describe('an emergency run', () => {
  const emergency = { justification: 'checkout is down', freeze: 'Winter freeze' };

  it('is not stopped by the freeze it was started inside', () => {
    const first = apply(waiting(emergency), [decide(CAROL, 'go', null, gates(null))], minutes(40)).run;
    expect(first.approvals).toHaveLength(1);
    expect(first.approvals[0]).not.toHaveProperty('override');
  });

  it('is stopped by a lock, and by another freeze', () => {
    expect(refusal(waiting(emergency), decide(CAROL, 'go', null, gates(LOCK)), minutes(40))?.message).toMatch(
      /^🔒 api production is locked by alice .*“db migration”\. A GO now/,
    );
    expect(refusal(waiting(emergency), decide(CAROL, 'go', null, gates(null, [winterFreeze!, otherFreeze!])), minutes(40))?.message).toMatch(
      /^❄️ Frozen: Audit freeze until Tue 24 Nov 12:00 UTC \(12:00 UTC\)\. A GO now/,
    );
  });
});

/** The events that bring `waiting()` to awaiting_decision, as the store would replay them. */
function waitingEvents(): { event: RunEvent; at: Date }[] {
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
      spec: specFor(gated, 'production')!,
      emergency: null,
    },
  };
  return [requested, ...step('pre_checks.0')].map((event) => ({ event, at: T0 }));
}
