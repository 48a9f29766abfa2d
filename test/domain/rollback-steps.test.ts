import { describe, expect, it } from 'vitest';
import { rollbackCard } from '../../src/domain/messages.ts';
import { plain } from '../../src/domain/cards.ts';
import { deploymentReport } from '../../src/domain/report.ts';
import { specFor } from '../../src/domain/spec.ts';
import type { RunEvent } from '../../src/domain/run.ts';
import { apply, bob, carol, minutes, plan, PLAN_DOCUMENT, requested, step } from './support.ts';

const production = PLAN_DOCUMENT.environments.production;
const withMigration = (migration: object) => plan({ environments: { production: { ...production, migration } } });
const undo = { name: 'Reverse migration 0042', run: ['migrate', 'down', '0042'] };

describe('rollback steps', () => {
  it('blue-green switches back; a reversible migration is reversed last', () => {
    const spec = specFor(withMigration({ reversible: true, rollback: undo }), 'production')!;
    expect(spec.steps.rollback.map((s) => s.name)).toEqual(['Switch back', 'Reverse migration 0042']);
    expect(spec.migrationReversible).toBe(true);
  });

  it('an irreversible migration is left in place, and the rollback message says so', () => {
    const p = withMigration({ reversible: false, rollback: undo });
    expect(specFor(p, 'production')!.steps.rollback.map((s) => s.name)).toEqual(['Switch back']);
    const waiting = apply(null, [requested(p), ...step('pre_checks.0')]).run;
    const rolled = apply(waiting, [{ type: 'decision', decision: 'go', by: bob, rationale: null }, { type: 'step.started', stepId: 'deploy.0' }, { type: 'rollback.requested', by: carol, reason: null }, { type: 'step.succeeded', stepId: 'deploy.0', summary: 'ok' }, ...step('rollback.0')]).run;
    expect(rolled.state).toBe('rolled_back');
    expect(rollbackCard(rolled).body.map(plain)).toContain('Database: the migration is not reversible and was left in place.');
  });

  it('a reversible migration needs the step that reverses it', () => {
    expect(() => withMigration({ reversible: true })).toThrow(/needs the step that reverses it/);
  });

  it('rollback time is measured to traffic back on the old version, and shown', () => {
    const p = withMigration({ reversible: true, rollback: undo });
    const waiting = apply(null, [requested(p), ...step('pre_checks.0')]).run;
    const deploying = apply(waiting, [{ type: 'decision', decision: 'go', by: bob, rationale: null }], minutes(0)).run;
    const failing = apply(deploying, [{ type: 'step.started', stepId: 'deploy.0' }, { type: 'step.failed', stepId: 'deploy.0', summary: 'exit 1' }], minutes(1)).run;
    const events = (stepId: string): RunEvent[] => [{ type: 'step.started', stepId }, { type: 'step.succeeded', stepId, summary: 'ok' }];
    const trafficBack = apply(failing, events('rollback.0'), minutes(2)).run;
    expect(trafficBack.rollback).toMatchObject({ startedAt: minutes(1).toISOString(), trafficRestoredAt: minutes(2).toISOString(), finishedAt: null });
    const done = apply(trafficBack, events('rollback.1'), minutes(4)).run;
    expect(done.state).toBe('rolled_back');
    const card = rollbackCard(done);
    expect(plain(card.fields.find((field) => field.label === 'Rollback Time')!.value)).toBe('14:04 UTC (traffic back after 1m, done in 3m)');
    expect(deploymentReport(done)).toContain('- Traffic back on the old version after: 1m');
  });
});
