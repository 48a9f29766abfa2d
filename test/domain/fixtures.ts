import type { Effect } from '../../src/domain/effects.ts';
import type { Actor } from '../../src/domain/identity.ts';
import { parsePlan, type Plan } from '../../src/domain/plan.ts';
import { transition, type Run, type RunEvent, type TransitionResult } from '../../src/domain/run.ts';
import { specFor, type RunSpec } from '../../src/domain/spec.ts';

/**
 * Fixtures for the pure domain: a valid blue-green plan, built through `parsePlan` from a plain
 * object (so the defaults and duration parsing are the real ones), and a small driver that moves a
 * run through `transition` the way the store does: one event at a time, each at its own instant.
 */

// People as the plan names them, and as chat identifies them.
export const ALICE: Actor = { platform: 'slack', id: 'U01ALICE', name: 'alice' };
export const BOB: Actor = { platform: 'slack', id: 'U02BOB', name: 'bob' };
export const CAROL: Actor = { platform: 'slack', id: 'U03CAROL', name: 'carol' };
/** Someone the plan does not know. */
export const MALLORY: Actor = { platform: 'slack', id: 'U99MALLORY', name: 'mallory' };
/** Bob's name on a platform where the plan has no id for him: not the approver. */
export const BOB_ON_TEAMS: Actor = { platform: 'teams', id: 'U02BOB', name: 'bob' };

/** Mon 23 Nov 2026, 14:00:00 UTC: times on cards read as 14:00, 14:01, … */
export const T0 = new Date('2026-11-23T14:00:00.000Z');
export function atSecond(seconds: number): Date {
  return new Date(T0.getTime() + seconds * 1_000);
}
export function minutes(n: number): Date {
  return new Date(T0.getTime() + n * 60_000);
}

export const TRIGGER = 'health failing for 3 checks';
export const STEP_NAMES = {
  'pre_checks.0': 'CI is green',
  'pre_checks.1': 'Staging smoke test',
  'deploy.0': 'Deploy to the idle slot',
  'deploy.1': 'Health-check the idle slot',
  'deploy.2': 'Switch production traffic',
  'rollback.0': 'Switch traffic back',
  'rollback.1': 'Check the old slot answers',
} as const;
export type StepId = keyof typeof STEP_NAMES;
export const PRE_CHECK_IDS = ['pre_checks.0', 'pre_checks.1'] as const;
export const DEPLOY_IDS = ['deploy.0', 'deploy.1', 'deploy.2'] as const;
export const ROLLBACK_IDS = ['rollback.0', 'rollback.1'] as const;
export const ALL_STEP_IDS: StepId[] = [...PRE_CHECK_IDS, ...DEPLOY_IDS, ...ROLLBACK_IDS];

/** A fresh copy of the plan document (as it would come out of YAML) on every call, so tests may edit it. */
export function planDocument() {
  return {
    service: 'checkout',
    description: 'The checkout service',
    people: {
      alice: { slack: ALICE.id },
      bob: { slack: BOB.id },
      carol: { slack: CAROL.id },
    },
    approvers: ['bob'],
    onCall: ['carol'],
    environments: {
      production: {
        channel: { slack: 'C0DEPLOYS' },
        preChecks: [
          { name: STEP_NAMES['pre_checks.0'], run: ['gh', 'run', 'view', '--exit-status'] },
          { name: STEP_NAMES['pre_checks.1'], http: { url: 'https://staging.example/health' } },
        ],
        strategy: {
          kind: 'blue-green',
          deployIdle: { name: STEP_NAMES['deploy.0'], run: ['./ctl', 'deploy'], timeout: '30s' },
          checkIdle: { name: STEP_NAMES['deploy.1'], http: { url: 'https://idle.example/health', expectStatus: 200 }, attempts: 5, interval: '500ms' },
          switch: { name: STEP_NAMES['deploy.2'], run: ['./ctl', 'switch'] },
          switchBack: { name: STEP_NAMES['rollback.0'], run: ['./ctl', 'switch-back'] },
          verifyRollback: { name: STEP_NAMES['rollback.1'], http: { url: 'https://prod.example/health' } },
        },
        monitoring: { check: { url: 'https://prod.example/health' }, every: '1s', for: '5s' },
        rollbackTriggers: [TRIGGER],
      },
    },
  };
}
export type PlanDocument = ReturnType<typeof planDocument>;

/** The fixture plan, parsed; `edit` may change the document first. Throws (a broken fixture is a bug) when it does not validate. */
export function buildPlan(edit?: (document: PlanDocument) => void): Plan {
  const document = planDocument();
  edit?.(document);
  const result = parsePlan(document);
  if (!result.ok) throw new Error(`fixture plan is invalid: ${JSON.stringify(result.problems)}`);
  return result.plan;
}

/**
 * The compact variant of the plan above: the same people, channel and trigger, service `api`, one
 * pre-check, a blue-green deploy without a verification step, watched every minute for five. The older
 * domain tests (approval, gates, pages, monitoring, strategies …) were written against it and pin its run
 * (`api-1`, 1.4.1 → 1.4.2); a variant of the one world rather than a second world, as the strategy
 * fixtures are. Folding it into the full plan would change their drivers (a second pre-check,
 * `rollback.1`, a one-second watch), not what they assert.
 */
export const PLAN_DOCUMENT = (() => {
  const { people, approvers, onCall, environments } = planDocument();
  const production = environments.production;
  return {
    service: 'api',
    people,
    approvers,
    onCall,
    environments: {
      production: {
        channel: production.channel,
        preChecks: [{ name: 'CI green', run: ['true'] }],
        strategy: {
          kind: 'blue-green',
          deployIdle: { name: 'Deploy idle', run: ['deploy'] },
          checkIdle: { name: 'Check idle', http: { url: 'http://idle/health' } },
          switch: { name: 'Switch', run: ['switch'] },
          switchBack: { name: 'Switch back', run: ['switch-back'] },
        },
        monitoring: { check: { url: 'http://prod/health' }, every: '1m', for: '5m' },
        rollbackTriggers: production.rollbackTriggers,
      },
    },
  };
})();

/** The compact plan with some top-level fields replaced; throws when the result does not validate. */
export function plan(overrides: Record<string, unknown> = {}): Plan {
  const result = parsePlan({ ...PLAN_DOCUMENT, ...overrides });
  if (!result.ok) throw new Error(`fixture plan is invalid: ${JSON.stringify(result.problems)}`);
  return result.plan;
}

export function buildSpec(plan: Plan = buildPlan(), environment = 'production'): RunSpec {
  const spec = specFor(plan, environment);
  if (!spec) throw new Error(`no environment ${environment}`);
  return spec;
}

export const RUN_ID = '5f0c2f0e-7b7d-4c39-9d0e-2a4f8f6b1c11';
export const RUN_KEY = 'checkout-7';

/** What production ran before the fixture's runs: a rollback brings it back. */
export const PREVIOUS_VERSION = '2.2.9';

export function requestedEvent(
  options: { spec?: RunSpec; by?: Actor; version?: string; previousVersion?: string | null } = {},
): Extract<RunEvent, { type: 'requested' }> {
  return {
    type: 'requested',
    run: {
      id: RUN_ID,
      key: RUN_KEY,
      service: 'checkout',
      version: options.version ?? '2.3.0',
      environment: 'production',
      platform: 'slack',
      requestedBy: options.by ?? ALICE,
      spec: options.spec ?? buildSpec(),
      previousVersion: options.previousVersion === undefined ? PREVIOUS_VERSION : options.previousVersion,
    },
  };
}

/** The compact plan's run (`api-1`, 1.4.1 → 1.4.2, requested by alice) with plan `p`'s production environment. */
export function requested(p: Plan = plan()): RunEvent {
  return {
    type: 'requested',
    run: {
      id: '11111111-1111-4111-8111-111111111111',
      key: 'api-1',
      service: 'api',
      version: '1.4.2',
      previousVersion: '1.4.1',
      environment: 'production',
      platform: 'slack',
      requestedBy: ALICE,
      spec: buildSpec(p),
    },
  };
}

/** `transition(null, requested)`; throws if the domain refuses to create it. */
export function createRun(options: Parameters<typeof requestedEvent>[0] = {}, at: Date = T0): { run: Run; effects: Effect[] } {
  const result = transition(null, requestedEvent(options), at);
  if (!result.ok) throw new Error(`could not create the run: ${result.error.message}`);
  return result;
}

export type Accepted = Extract<TransitionResult, { ok: true }>;

/** The result of an accepted transition, or a thrown error naming the refusal. */
export function accepted(result: TransitionResult, what = 'event'): Accepted {
  if (!result.ok) throw new Error(`${what} refused: ${result.error.code}: ${result.error.message}`);
  return result;
}

export const go = (by: Actor = BOB, rationale: string | null = null): RunEvent => ({ type: 'decision', decision: 'go', by, rationale });
export const check = (seq: number, healthy: boolean): RunEvent => ({
  type: 'check',
  seq,
  healthy,
  detail: healthy ? 'GET /health → 200' : `GET /health → 503 (check ${seq})`,
});

/**
 * Drives one run as the store would: events at increasing times (one second apart unless told),
 * refused events leave the run as it was, every attempt is kept for replay.
 */
export class Flight {
  run: Run;
  now: Date;
  /** The effects of the last accepted transition. */
  effects: Effect[];
  /** Every event offered, accepted or not, with its instant: what a store would try to replay. */
  readonly offered: { event: RunEvent; at: Date }[] = [];
  /** Only the accepted ones: the audit trail. */
  readonly trail: { event: RunEvent; at: Date }[] = [];

  constructor(options: Parameters<typeof requestedEvent>[0] = {}, start: Date = T0) {
    const event = requestedEvent(options);
    const created = accepted(transition(null, event, start), 'requested');
    this.run = created.run;
    this.effects = created.effects;
    this.now = start;
    this.offered.push({ event, at: start });
    this.trail.push({ event, at: start });
  }

  /** Offers an event `afterMs` after the previous one; returns the raw result. */
  offer(event: RunEvent, afterMs = 1_000): TransitionResult {
    this.now = new Date(this.now.getTime() + afterMs);
    const result = transition(this.run, event, this.now);
    this.offered.push({ event, at: this.now });
    if (result.ok) {
      this.run = result.run;
      this.effects = result.effects;
      this.trail.push({ event, at: this.now });
    }
    return result;
  }

  /** Offers an event that must be accepted; returns its effects. */
  send(event: RunEvent, afterMs = 1_000): Effect[] {
    return accepted(this.offer(event, afterMs), event.type).effects;
  }

  started(stepId: string): Effect[] {
    return this.send({ type: 'step.started', stepId });
  }

  /** step.started then step.succeeded (or step.failed); returns the effects of the result event. */
  step(stepId: string, outcome: 'succeeded' | 'failed' = 'succeeded', summary = outcome === 'succeeded' ? 'exit 0' : 'exit 1: connection refused'): Effect[] {
    this.started(stepId);
    return this.send(outcome === 'succeeded' ? { type: 'step.succeeded', stepId, summary } : { type: 'step.failed', stepId, summary });
  }

  steps(stepIds: readonly string[]): Effect[] {
    let effects: Effect[] = [];
    for (const stepId of stepIds) effects = this.step(stepId);
    return effects;
  }

  /** Runs the pre-checks: the run then waits for Go/No-Go. */
  toDecision(): this {
    this.steps(PRE_CHECK_IDS);
    return this;
  }

  /** GO by bob, then the deploy steps: the run is then monitoring production. */
  toMonitoring(): this {
    this.toDecision();
    this.send(go());
    this.steps(DEPLOY_IDS);
    return this;
  }

  /** The next due health check, healthy or not. */
  check(healthy: boolean): Effect[] {
    return this.send(check(this.run.nextCheck, healthy));
  }

  /** Every check of the rollback's validation window, healthy or not; returns the effects of the last one. */
  validate(healthy = true): Effect[] {
    let effects: Effect[] = [];
    for (let guard = 0; this.run.state === 'validating_rollback'; guard++) {
      if (guard > 100) throw new Error('the validation window never ended');
      effects = this.check(healthy);
    }
    return effects;
  }
}

/**
 * Offers events to `run` in order, all at `at`, failing the test on the first refusal; returns the last
 * result. For tests that pin each event's instant themselves; `Flight` spaces them out.
 */
export function apply(run: Run | null, events: RunEvent[], at: Date = T0): Accepted {
  let last: TransitionResult | null = null;
  for (const event of events) {
    last = transition(run, event, at);
    if (!last.ok) throw new Error(`${event.type} refused: ${last.error.message}`);
    run = last.run;
  }
  if (!last) throw new Error('no events to apply');
  return last as Accepted;
}

/** A step's two events: started, then succeeded (or failed). */
export function step(stepId: string, ok = true): RunEvent[] {
  return [{ type: 'step.started', stepId }, ok ? { type: 'step.succeeded', stepId, summary: 'ok' } : { type: 'step.failed', stepId, summary: 'exit 1: boom' }];
}

/** The events of several steps, each succeeding. */
export function steps(stepIds: readonly string[]): RunEvent[] {
  return stepIds.flatMap((stepId) => step(stepId));
}

/** The compact plan's run waiting for Go/No-Go: its pre-check passed, at T0. */
export function awaitingDecision(): Run {
  return apply(null, [requested(), ...step('pre_checks.0')]).run;
}

/** The compact plan's run in its monitoring window after bob's GO and its three deploy steps, at T0. */
export function monitoring(): Run {
  return apply(awaitingDecision(), [go(), ...steps(DEPLOY_IDS)]).run;
}

/** Every check of the rollback's validation window (healthy unless told), at `at`; returns the last result. */
export function validated(run: Run, healthy = true, at: Date = T0): Accepted {
  let last: Accepted | null = null;
  for (let guard = 0; run.state === 'validating_rollback'; guard++) {
    if (guard > 100) throw new Error('the validation window never ended');
    last = apply(run, [{ type: 'check', seq: run.nextCheck, healthy, detail: healthy ? 'GET /health → 200' : 'GET /health → 503' }], at);
    run = last.run;
  }
  if (!last) throw new Error(`${run.key} was not validating a rollback (${run.state})`);
  return last;
}

export function kinds(effects: Effect[]): string[] {
  return effects.map((effect) => effect.kind);
}

export function runSteps(effects: Effect[]): string[] {
  return effects.flatMap((effect) => (effect.kind === 'runStep' ? [effect.stepId] : []));
}

/** A deep copy to compare a run with after a transition that must not have touched it. */
export function snapshot<T>(value: T): T {
  return structuredClone(value);
}
