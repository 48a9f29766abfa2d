import type { EnvironmentPlan } from './plan.ts';
import type { VersionProbe } from './rollback-plan.ts';
import { stepFrom, type Step } from './steps.ts';
import type { RollbackOutcome, StrategySteps } from './strategies/index.ts';

/**
 * The rollback a run will do, frozen into its spec: for each level of the strategy (feature flag: the flag
 * off, then the previous version; every other strategy: the previous version), its undo steps (newest
 * change first), then — on the last level — the reversible migration, then the level's checks (the
 * strategy's verifyRollback, the validation smoke tests) and its validation window. A level runs only
 * when the one before it failed its validation; a step of a level that undid nothing is skipped.
 */
export interface RollbackSpec {
  steps: Omit<Step, 'id'>[];
  levels: RollbackOutcome[];
  /** Asked at every validation check: which version answers production traffic. */
  versionProbe: VersionProbe | null;
}

export function rollbackSpecFor(strategy: StrategySteps, env: EnvironmentPlan, deployId: (index: number) => string): RollbackSpec {
  const { validation } = env.rollback;
  const smokeTests = (validation.smokeTests ?? env.smokeTests).map((test) => ({
    ...stepFrom(test),
    name: `Rollback smoke test: ${test.name}`,
    evidence: true,
  }));
  const migration = env.migration?.reversible && env.migration.rollback ? [stepFrom(env.migration.rollback)] : [];
  const steps = strategy.levels.flatMap((_, level) => {
    const own = strategy.rollback.filter((step) => (step.level ?? 0) === level);
    const undo = own.filter((step) => !step.evidence).map(({ undoes, ...step }) => ({ ...step, level, ...(undoes ? { undoes: undoes.map(deployId) } : {}) }));
    const checks = own.filter((step) => step.evidence).map(({ undoes: _none, ...step }) => ({ ...step, level, evidence: true }));
    const last = level === strategy.levels.length - 1;
    return [
      ...undo,
      ...(last ? migration.map((step) => ({ ...step, level })) : []),
      ...checks,
      ...smokeTests.map((step) => ({ ...step, level })),
      { name: 'Validate the rollback', level, action: { kind: 'validate' as const, windowMs: validation.window, everyMs: validation.every } },
    ];
  });
  return { steps, levels: strategy.levels, versionProbe: validation.version ?? null };
}
