import { describe, expect, it } from 'vitest';
import { transition, type Run } from '../../src/domain/run.ts';
import { currentShape } from '../../src/store/run-shape.ts';
import { awaitingDecision, BOB } from '../domain/fixtures.ts';

/** A run stored by an older Flightdeck (before quorums, staging, schedules …) keeps working after an upgrade. */
describe('snapshots of an older shape', () => {
  it('are read with the defaults of their time, and the run goes on', () => {
    const today = awaitingDecision();
    const {
      approvals: _a,
      awaiting: _w,
      scheduled: _s,
      emergency: _e,
      readiness: _r,
      watch: _wa,
      paused: _p,
      previousVersion: _v,
      redeploy: _rd,
      ...older
    } = today;
    const {
      approval: _ap,
      readinessThreshold: _t,
      requiresSuccessIn: _q,
      admins: _ad,
      risk: _ri,
      contacts: _c,
      lockAfterRollback: _l,
      ...olderSpec
    } = today.spec;
    const { staging: _st, finalize: _f, ...olderSteps } = today.spec.steps;
    const stored = { ...older, spec: { ...olderSpec, steps: olderSteps } } as unknown as Run;

    const read = currentShape(stored);
    expect(read).toMatchObject({
      approvals: [],
      scheduled: null,
      emergency: null,
      redeploy: null,
      spec: { approval: { quorum: 1 }, steps: { staging: [], finalize: [] } },
    });
    const decided = transition(read, { type: 'decision', decision: 'go', by: BOB, rationale: null }, new Date('2026-11-23T15:00:00Z'));
    expect(decided.ok && decided.run.state).toBe('deploying');
  });
});
