import { describe, expect, it } from 'vitest';
import { plain } from '../../src/domain/cards.ts';
import type { Actor } from '../../src/domain/identity.ts';
import type { Lock } from '../../src/domain/lock.ts';
import { statusCard } from '../../src/domain/messages/status-card.ts';
import { parsePlan, type Plan } from '../../src/domain/plan.ts';
import { chooseRedeploy, redeploySpec, type Success } from '../../src/domain/redeploy.ts';
import { deploymentReport } from '../../src/domain/reports/deployment-report.ts';
import { transition, type Run } from '../../src/domain/run.ts';
import { decideStart, type StartFacts } from '../../src/domain/start-decision.ts';
import { accepted, ALICE, BOB, buildPlan, buildSpec, CAROL, MALLORY, planDocument, T0, type PlanDocument } from './fixtures.ts';

/** Rolling back a finished deployment by a new run: which version, who may, which gates apply, and what the run looks like. */

const DAVE: Actor = { platform: 'slack', id: 'U04DAVE', name: 'dave' };
const TARGET = { service: 'checkout', environment: 'production' };
/** 1.2.0 is live (checkout-9); 1.1.0 and 1.0.0 succeeded before. */
const HISTORY: Success[] = [
  { version: '1.2.0', key: 'checkout-9' },
  { version: '1.1.0', key: 'checkout-6' },
  { version: '1.0.0', key: 'checkout-2' },
];

/** Production with everything a new version must pass and a rollback skips: readiness, staging, an enforced order, a freeze in force at T0. */
function gatedPlan(edit?: (document: PlanDocument) => void): Plan {
  return buildPlan((document) => {
    const production = document.environments.production as Record<string, unknown>;
    production.readiness = { threshold: 75, prerequisites: [{ name: 'Coverage report', run: ['./coverage'], points: 10 }] };
    production.staging = { deploy: [{ name: 'Deploy to staging', run: ['./ctl', 'deploy', 'staging'] }] };
    production.requiresSuccessIn = 'staging';
    (document.environments as Record<string, unknown>).staging = {
      ...document.environments.production,
      channel: { slack: 'C0STAGING' },
      requiresSuccessIn: undefined,
      readiness: undefined,
      staging: undefined,
      requireDecision: false,
    };
    (document as Record<string, unknown>).freezes = [{ name: 'Quarter close', zone: 'UTC', from: '2026-11-22 00:00', to: '2026-11-26 00:00' }];
    (document.people as Record<string, unknown>).dave = { slack: DAVE.id };
    (document as Record<string, unknown>).admins = ['dave'];
    edit?.(document);
  });
}

function facts(plan: Plan, overrides: Partial<StartFacts> = {}): StartFacts {
  return {
    plan,
    environment: 'production',
    spec: buildSpec(plan),
    actor: CAROL,
    now: T0,
    startsAt: T0,
    succeeded: HISTORY,
    orderMet: null,
    lock: null,
    active: null,
    ...overrides,
  };
}

describe('chooseRedeploy: the version to deploy again', () => {
  it('without "to": the newest version that succeeded other than the live one', () => {
    expect(chooseRedeploy(HISTORY, null, TARGET)).toEqual({ ok: true, redeploy: { from: '1.2.0', to: '1.1.0', of: 'checkout-9' } });
  });

  it('the live version is the newest success, even when it also succeeded long ago: the one before it is another version', () => {
    // 1.1.0 was rolled back to (checkout-10), so it is live; 1.2.0 is the newest other version.
    const again: Success[] = [
      { version: '1.1.0', key: 'checkout-10' },
      { version: '1.2.0', key: 'checkout-9' },
      { version: '1.0.0', key: 'checkout-2' },
    ];
    expect(chooseRedeploy(again, null, TARGET)).toEqual({ ok: true, redeploy: { from: '1.1.0', to: '1.2.0', of: 'checkout-10' } });
  });

  it('with "to": a version that succeeded there', () => {
    expect(chooseRedeploy(HISTORY, '1.0.0', TARGET)).toEqual({ ok: true, redeploy: { from: '1.2.0', to: '1.0.0', of: 'checkout-9' } });
  });

  it.each([
    ['nothing succeeded yet', [], null, 'Nothing has succeeded on checkout production yet, so there is no earlier version to roll back to.'],
    [
      'only one version ever succeeded',
      [HISTORY[0]!],
      null,
      'checkout 1.2.0 (checkout-9) is the only version that has succeeded on production, so there is no earlier version to roll back to.',
    ],
    [
      'the version named is live',
      HISTORY,
      '1.2.0',
      'checkout 1.2.0 is what runs on production now (checkout-9): there is nothing to roll back. Name another version, or leave out "to" for the one before it.',
    ],
    [
      'the version named never succeeded there',
      HISTORY,
      '9.9.9',
      'checkout 9.9.9 has never succeeded on production: a rollback goes only to a version that did. Versions it can go back to: 1.1.0, 1.0.0. To deploy a new version, use /deploy start.',
    ],
    [
      'nothing succeeded, and a version is named',
      [],
      '1.0.0',
      'Nothing has succeeded on checkout production yet, so there is no earlier version to roll back to.',
    ],
  ] as const)('refused when %s', (_case, succeeded, to, reason) => {
    expect(chooseRedeploy([...succeeded], to, TARGET)).toEqual({ ok: false, reason });
  });
});

describe('redeploySpec: what such a run does', () => {
  it('skips staging, the readiness prerequisites and the enforced order; keeps the hard pre-checks and the strategy', () => {
    const spec = buildSpec(gatedPlan());
    expect(spec.steps.staging).toHaveLength(1);
    expect(spec.steps.pre_checks.filter((step) => step.prerequisite)).toHaveLength(1);
    const again = redeploySpec(spec, { requireDecision: false });
    expect(again.steps.staging).toEqual([]);
    expect(again.steps.pre_checks.map((step) => [step.id, step.name])).toEqual([
      ['pre_checks.0', 'CI is green'],
      ['pre_checks.1', 'Staging smoke test'],
    ]);
    expect(again.requiresSuccessIn).toBeNull();
    expect(again.steps.deploy).toEqual(spec.steps.deploy);
    expect(again.steps.rollback).toEqual(spec.steps.rollback);
    expect(again.strategy).toBe('blue-green');
  });

  it('asks for no Go/No-Go by default; the plan may require the environment’s quorum', () => {
    const plan = gatedPlan();
    expect(plan.environments.production!.rollback.redeploy).toEqual({ requireDecision: false });
    expect(redeploySpec(buildSpec(plan), plan.environments.production!.rollback.redeploy).requireDecision).toBe(false);
    const strict = gatedPlan((document) => {
      const production = document.environments.production as Record<string, unknown>;
      production.rollback = { redeploy: { requireDecision: true } };
      production.approval = { quorum: 1 };
    });
    const spec = redeploySpec(buildSpec(strict), strict.environments.production!.rollback.redeploy);
    expect(spec).toMatchObject({ requireDecision: true, approval: { quorum: 1, allowSelfApproval: false } });
  });

  it('a plan that misspells the policy is told so', () => {
    const document = planDocument() as PlanDocument & { environments: { production: Record<string, unknown> } };
    document.environments.production.rollback = { redeploy: { requireDecisions: true } };
    const parsed = parsePlan(document);
    expect(parsed.ok).toBe(false);
    // The unknown key is named at its own path, with the key it is closest to.
    expect(!parsed.ok && parsed.problems[0]).toEqual({
      path: 'environments.production.rollback.redeploy.requireDecisions',
      message: 'is not a key here; did you mean "requireDecision"?',
    });
  });

  it.each([
    [false, 'deploying'],
    [true, 'awaiting_decision'],
  ] as const)('a run with that spec (requireDecision: %s) passes no readiness gate or staging after its pre-checks, and is %s', (requireDecision, state) => {
    const spec = redeploySpec(buildSpec(gatedPlan()), { requireDecision });
    let run = accepted(
      transition(
        null,
        {
          type: 'requested',
          run: {
            id: 'f0000000-0000-4000-8000-000000000001',
            key: 'checkout-10',
            service: 'checkout',
            version: '1.1.0',
            previousVersion: '1.2.0',
            environment: 'production',
            platform: 'slack',
            requestedBy: CAROL,
            spec,
            redeploy: { from: '1.2.0', to: '1.1.0', of: 'checkout-9' },
          },
        },
        T0,
      ),
    ).run;
    for (const stepId of ['pre_checks.0', 'pre_checks.1']) {
      run = accepted(transition(run, { type: 'step.started', stepId }, T0)).run;
      run = accepted(transition(run, { type: 'step.succeeded', stepId, summary: 'ok' }, T0)).run;
    }
    expect(run).toMatchObject({ state, readiness: null, previousVersion: '1.2.0', redeploy: { from: '1.2.0', to: '1.1.0', of: 'checkout-9' } });
    expect(run.steps.map((step) => step.stepId)).toEqual(['pre_checks.0', 'pre_checks.1']);
  });
});

describe('decideStart for a rollback of a finished deployment', () => {
  it('on-call, approvers and admins may; the draft deploys the version before the live one with previousVersion = the live one', () => {
    const plan = gatedPlan();
    for (const actor of [CAROL, BOB, DAVE]) {
      const decision = decideStart(facts(plan, { actor }), { kind: 'redeploy', to: null });
      expect(decision.refusals).toEqual([]);
      expect(decision.draft).toMatchObject({
        version: '1.1.0',
        previousVersion: '1.2.0',
        emergency: null,
        redeploy: { from: '1.2.0', to: '1.1.0', of: 'checkout-9' },
        spec: { requireDecision: false, requiresSuccessIn: null, steps: { staging: [] } },
      });
    }
  });

  it('a deployer who is not on-call, an approver or an admin is refused with the reason', () => {
    const plan = gatedPlan((document) => void ((document as Record<string, unknown>).deployers = ['alice']));
    // alice may start a new version (only the freeze would stop her now), but not roll back.
    expect(
      decideStart(facts(plan, { actor: ALICE, orderMet: true }), { kind: 'start', version: '1.3.0', emergency: null }).refusals.map((refusal) => refusal.gate),
    ).toEqual(['freeze']);
    for (const actor of [ALICE, MALLORY]) {
      expect(decideStart(facts(plan, { actor }), { kind: 'redeploy', to: null }).refusals).toEqual([
        { gate: 'rule', message: 'Only approvers, on-call and admins may roll back checkout production (bob, carol, dave).' },
      ]);
    }
  });

  it('is not stopped by the freeze window or the enforced order that stop a start of a new version', () => {
    const plan = gatedPlan();
    const start = decideStart(facts(plan, { actor: BOB, orderMet: false }), { kind: 'start', version: '1.3.0', emergency: null });
    expect(start.refusals.map((refusal) => refusal.gate)).toEqual(['rule', 'freeze']);
    expect(start.refusals[1]!.message).toMatch(/^❄️ Frozen: Quarter close until /);
    expect(decideStart(facts(plan, { actor: BOB }), { kind: 'redeploy', to: '1.0.0' })).toMatchObject({
      refusals: [],
      draft: { version: '1.0.0', previousVersion: '1.2.0' },
    });
  });

  it('a version that never succeeded there is refused, and there is no run to draft', () => {
    expect(decideStart(facts(gatedPlan()), { kind: 'redeploy', to: '9.9.9' })).toEqual({
      draft: null,
      refusals: [
        {
          gate: 'rule',
          message:
            'checkout 9.9.9 has never succeeded on production: a rollback goes only to a version that did. Versions it can go back to: 1.1.0, 1.0.0. To deploy a new version, use /deploy start.',
        },
      ],
    });
  });

  it('a locked target refuses it like a start, naming the holder, the reason and the end', () => {
    const lock: Lock = {
      service: 'checkout',
      environment: 'production',
      by: BOB,
      reason: 'db migration',
      since: T0.toISOString(),
      until: new Date(T0.getTime() + 7_200_000).toISOString(),
      kind: 'manual',
      runKey: null,
    };
    const refusals = decideStart(facts(gatedPlan(), { lock }), { kind: 'redeploy', to: null }).refusals;
    expect(refusals).toEqual([{ gate: 'lock', message: 'checkout production is locked by bob since 14:00 UTC until 16:00 UTC (in 2h): “db migration”.' }]);
  });

  it('a run active on the target refuses it, saying which and how to stop it', () => {
    const plan = gatedPlan();
    const active = (state: Run['state']) => ({ key: 'checkout-11', state, requestedBy: ALICE });
    expect(decideStart(facts(plan, { active: active('monitoring') }), { kind: 'redeploy', to: null }).refusals).toEqual([
      {
        gate: 'active',
        message:
          'checkout-11 is active on this service and environment (monitoring, started by alice): wait for it to end, or /deploy rollback checkout-11 undoes it.',
      },
    ]);
    expect(decideStart(facts(plan, { active: active('awaiting_decision') }), { kind: 'redeploy', to: null }).refusals).toEqual([
      {
        gate: 'active',
        message:
          'checkout-11 is active on this service and environment (awaiting decision, started by alice): wait for it to end, or /deploy cancel checkout-11 stops it.',
      },
    ]);
    // Already rolling back, or tidying up after monitoring: nothing to do but wait.
    for (const state of ['rolling_back', 'finalizing'] as const) {
      expect(decideStart(facts(plan, { active: active(state) }), { kind: 'redeploy', to: null }).refusals).toEqual([
        {
          gate: 'active',
          message: `checkout-11 is active on this service and environment (${state.replace('_', ' ')}, started by alice): wait for it to end.`,
        },
      ]);
    }
  });
});

describe('messages of such a run', () => {
  const run = (): Run => {
    const plan = buildPlan();
    const spec = redeploySpec(buildSpec(plan), plan.environments.production!.rollback.redeploy);
    return accepted(
      transition(
        null,
        {
          type: 'requested',
          run: {
            id: 'f0000000-0000-4000-8000-000000000002',
            key: 'checkout-10',
            service: 'checkout',
            version: '1.1.0',
            previousVersion: '1.2.0',
            environment: 'production',
            platform: 'slack',
            requestedBy: CAROL,
            spec,
            redeploy: { from: '1.2.0', to: '1.1.0', of: 'checkout-9' },
          },
        },
        T0,
      ),
    ).run;
  };

  it('the status card shows the rollback from → to, in its title and body', () => {
    const card = statusCard(run());
    expect(card.title).toBe('🚀 Deployment started: checkout 1.1.0 → production (rollback from 1.2.0)');
    expect(card.body.map(plain)).toContain('↩️ Rollback of checkout: 1.2.0 → 1.1.0 (1.2.0 was deployed by checkout-9)');
  });

  it('an ordinary run’s card says nothing of the kind', () => {
    const ordinary = accepted(transition(null, { type: 'requested', run: { ...run(), redeploy: undefined } as never }, T0)).run;
    expect(statusCard(ordinary).title).toBe('🚀 Deployment started: checkout 1.1.0 → production');
    expect(statusCard(ordinary).body.map(plain).join('\n')).not.toContain('Rollback of');
  });

  it('the report says what it rolled back and what it skipped', () => {
    expect(deploymentReport(run())).toContain(
      '**Rollback of checkout**: 1.2.0 → 1.1.0 (1.2.0 was deployed by checkout-9): a version that had succeeded on production before, deployed again without staging or readiness prerequisites',
    );
    expect(deploymentReport(run())).toContain('**Go/No-Go**: not required');
  });
});
