import { parsePlan, type Plan } from '../../src/domain/plan.ts';
import { transition, type Run, type RunEvent, type TransitionResult } from '../../src/domain/run.ts';
import { specFor } from '../../src/domain/spec.ts';
import type { Actor } from '../../src/domain/identity.ts';

export const alice: Actor = { platform: 'slack', id: 'UALICE', name: 'alice' };
export const bob: Actor = { platform: 'slack', id: 'UBOB', name: 'bob' };
export const carol: Actor = { platform: 'slack', id: 'UCAROL', name: 'carol' };
export const T0 = new Date('2026-11-23T14:00:00Z');

export const PLAN_DOCUMENT = {
  service: 'api',
  people: { alice: { slack: 'UALICE' }, bob: { slack: 'UBOB' }, carol: { slack: 'UCAROL' } },
  approvers: ['bob'],
  onCall: ['carol'],
  environments: {
    production: {
      channel: { slack: 'CDEPLOYS' },
      preChecks: [{ name: 'CI green', run: ['true'] }],
      strategy: {
        kind: 'blue-green',
        deployIdle: { name: 'Deploy idle', run: ['deploy'] },
        checkIdle: { name: 'Check idle', http: { url: 'http://idle/health' } },
        switch: { name: 'Switch', run: ['switch'] },
        switchBack: { name: 'Switch back', run: ['switch-back'] },
      },
      monitoring: { check: { url: 'http://prod/health' }, every: '1m', for: '5m' },
      rollbackTriggers: ['health failing for 3 checks'],
    },
  },
};

export function plan(overrides: Record<string, unknown> = {}): Plan {
  const result = parsePlan({ ...PLAN_DOCUMENT, ...overrides });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.plan;
}

export function requested(p: Plan = plan()): RunEvent {
  return { type: 'requested', run: { id: '11111111-1111-4111-8111-111111111111', key: 'api-1', service: 'api', version: '1.4.2', previousVersion: '1.4.1', environment: 'production', platform: 'slack', requestedBy: alice, spec: specFor(p, 'production')! } };
}

export function minutes(n: number): Date {
  return new Date(T0.getTime() + n * 60_000);
}

/** Applies events in order, failing the test on the first refusal; returns the last result. */
export function apply(run: Run | null, events: RunEvent[], at: Date = T0): Extract<TransitionResult, { ok: true }> {
  let last: TransitionResult | null = null;
  for (const event of events) {
    last = transition(run, event, at);
    if (!last.ok) throw new Error(`${event.type} refused: ${last.error.message}`);
    run = last.run;
  }
  return last as Extract<TransitionResult, { ok: true }>;
}

export function step(stepId: string, ok = true): RunEvent[] {
  return [{ type: 'step.started', stepId }, ok ? { type: 'step.succeeded', stepId, summary: 'ok' } : { type: 'step.failed', stepId, summary: 'exit 1: boom' }];
}

/** A run waiting for Go/No-Go. */
export function awaitingDecision(): Run {
  return apply(null, [requested(), ...step('pre_checks.0')]).run;
}

/** A run in its monitoring window after GO and a complete deploy. */
export function monitoring(): Run {
  return apply(awaitingDecision(), [{ type: 'decision', decision: 'go', by: bob, rationale: null }, ...step('deploy.0'), ...step('deploy.1'), ...step('deploy.2')]).run;
}

/** Every check of the rollback's validation window (healthy unless told), at `at`; returns the last result. */
export function validated(run: Run, healthy = true, at: Date = T0): Extract<TransitionResult, { ok: true }> {
  let last: Extract<TransitionResult, { ok: true }> | null = null;
  for (let guard = 0; run.state === 'validating_rollback'; guard++) {
    if (guard > 100) throw new Error('the validation window never ended');
    last = apply(run, [{ type: 'check', seq: run.nextCheck, healthy, detail: healthy ? 'GET /health → 200' : 'GET /health → 503' }], at);
    run = last.run;
  }
  if (!last) throw new Error(`${run.key} was not validating a rollback (${run.state})`);
  return last;
}
