import { describe, expect, it } from 'vitest';
import { rollbackCard } from '../../src/domain/messages/announcements.ts';
import { plain } from '../../src/domain/cards.ts';
import { deploymentReport } from '../../src/domain/reports/deployment-report.ts';
import { specFor } from '../../src/domain/spec.ts';
import type { RunEvent } from '../../src/domain/run.ts';
import { apply, BOB, CAROL, minutes, plan, PLAN_DOCUMENT, requested, step, validated } from './fixtures.ts';

const production = PLAN_DOCUMENT.environments.production;
const withMigration = (migration: object) => plan({ environments: { production: { ...production, migration } } });
const undo = { name: 'Reverse migration 0042', run: ['migrate', 'down', '0042'] };

describe('rollback steps', () => {
  it('blue-green switches back; a reversible migration is reversed last', () => {
    const spec = specFor(withMigration({ reversible: true, rollback: undo }), 'production')!;
    expect(spec.steps.rollback.map((s) => s.name)).toEqual(['Switch back', 'Reverse migration 0042', 'Validate the rollback']);
    // The switch back undoes the switch only: before it, production was not changed.
    expect(spec.steps.rollback.map((s) => s.undoes)).toEqual([['deploy.2'], undefined, undefined]);
    expect(spec.migrationReversible).toBe(true);
  });

  it('an irreversible migration is left in place, and the rollback message says so', () => {
    const p = withMigration({ reversible: false, rollback: undo });
    expect(specFor(p, 'production')!.steps.rollback.map((s) => s.name)).toEqual(['Switch back', 'Validate the rollback']);
    const waiting = apply(null, [requested(p), ...step('pre_checks.0')]).run;
    const switching = apply(waiting, [
      { type: 'decision', decision: 'go', by: BOB, rationale: null },
      ...step('deploy.0'),
      ...step('deploy.1'),
      { type: 'step.started', stepId: 'deploy.2' },
    ]).run;
    const switchedBack = apply(switching, [
      { type: 'rollback.requested', by: CAROL, reason: null },
      { type: 'step.succeeded', stepId: 'deploy.2', summary: 'ok' },
      ...step('rollback.0'),
    ]).run;
    const rolled = validated(switchedBack).run;
    expect(rolled.state).toBe('rolled_back');
    expect(rollbackCard(rolled).body.map(plain)).toContain('Database: the migration is not reversible and was left in place.');
  });

  it('a reversible migration needs the step that reverses it', () => {
    expect(() => withMigration({ reversible: true })).toThrow(/needs the step that reverses it/);
  });

  const events = (stepId: string): RunEvent[] => [
    { type: 'step.started', stepId },
    { type: 'step.succeeded', stepId, summary: 'ok' },
  ];
  /** A switch that fails but may have moved some traffic: the rollback, at minute 1, switches back. */
  const failedSwitch = (migration?: object) => {
    const switchStep = { ...production.strategy.switch, partialOnFailure: true };
    const p = plan({
      environments: { production: { ...production, strategy: { ...production.strategy, switch: switchStep }, ...(migration ? { migration } : {}) } },
    });
    const waiting = apply(null, [requested(p), ...step('pre_checks.0')]).run;
    const deploying = apply(
      waiting,
      [{ type: 'decision', decision: 'go', by: BOB, rationale: null }, ...events('deploy.0'), ...events('deploy.1')],
      minutes(0),
    ).run;
    return apply(
      deploying,
      [
        { type: 'step.started', stepId: 'deploy.2' },
        { type: 'step.failed', stepId: 'deploy.2', summary: 'exit 1' },
      ],
      minutes(1),
    ).run;
  };

  it('rollback time is measured to traffic back on the old version, and shown only once the validation passed', () => {
    const failing = failedSwitch();
    expect(failing.state).toBe('rolling_back');
    const trafficBack = apply(failing, events('rollback.0'), minutes(2)).run;
    // Not yet claimed: the validation has not seen production.
    expect(trafficBack.state).toBe('validating_rollback');
    expect(trafficBack.rollback).toMatchObject({
      startedAt: minutes(1).toISOString(),
      undoneAt: minutes(2).toISOString(),
      trafficRestoredAt: null,
      finishedAt: null,
    });
    const done = validated(trafficBack, true, minutes(4)).run;
    expect(done.state).toBe('rolled_back');
    expect(done.rollback).toMatchObject({ trafficRestoredAt: minutes(2).toISOString(), finishedAt: minutes(4).toISOString() });
    const card = rollbackCard(done);
    expect(plain(card.fields.find((field) => field.label === 'Rollback Time')!.value)).toBe('14:04 UTC (traffic back after 1m, done in 3m)');
    expect(deploymentReport(done)).toContain('- Traffic back on the old version after: 1m');
  });

  // KNOWN BUG in src (reported to the lead, not fixed here): run.ts onStepFinished sets rollback.undoneAt on every
  // non-evidence rollback step, the migration reversal included, so trafficRestoredAt is 14:03, not 14:02.
  // Everything above the last assertion passes; turn `it.fails` back into `it` once undoneAt follows `undoes` steps only.
  it('a reversible migration is reversed after the switch back; traffic was back before it', () => {
    const failing = failedSwitch({ reversible: true, rollback: undo });
    const switchedBack = apply(failing, events('rollback.0'), minutes(2)).run;
    expect(switchedBack.cursor).toMatchObject({ phase: 'rollback', index: 1 });
    const migrated = apply(switchedBack, events('rollback.1'), minutes(3)).run;
    expect(migrated.state).toBe('validating_rollback');
    const done = validated(migrated, true, minutes(4)).run;
    expect(done.state).toBe('rolled_back');
    expect(done.steps.filter((s) => s.stepId.startsWith('rollback')).map((s) => s.name)).toEqual(['Switch back', 'Reverse migration 0042']);
    expect(done.rollback?.trafficRestoredAt).toBe(minutes(2).toISOString());
  });
});
