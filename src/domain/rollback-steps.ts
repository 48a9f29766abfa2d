import type { Run } from './run-types.ts';
import type { Step } from './steps.ts';

/**
 * Undo only what changed. A deploy step changed production when it succeeded, or when it failed but the
 * plan says it may leave partial changes (`partialOnFailure`): a step refused before it did anything
 * (`kubectl set image` rejected) is not undone, because undoing it (`kubectl rollout undo`) would revert the
 * release that was live before the run. A rollback step that undoes deploy steps runs when one of them
 * changed production; the other steps of its level (the migration, the checks, the validation) run only
 * when an undo step of that level ran. So a rollback undoes exactly the changes, newest first.
 */
export function changedProduction(run: Run, deployStepId: string): boolean {
  const record = run.steps.find((candidate) => candidate.stepId === deployStepId);
  if (!record) return false;
  return record.ok || Boolean(run.spec.steps.deploy.find((step) => step.id === deployStepId)?.partialOnFailure);
}

export function rollbackStepApplies(run: Run, step: Step): boolean {
  if (step.undoes) return step.undoes.some((id) => changedProduction(run, id));
  const level = step.level ?? 0;
  return run.spec.steps.rollback.some((undo) => undo.undoes && (undo.level ?? 0) === level && run.steps.some((record) => record.stepId === undo.id));
}

/** The first rollback step after `index`, on a later level than `level`, that undoes something: where a rollback goes when a level did not work. */
export function nextLevelStart(run: Run, index: number, level: number): number {
  return run.spec.steps.rollback.findIndex((step, at) => at > index && (step.level ?? 0) > level && Boolean(step.undoes) && rollbackStepApplies(run, step));
}

/** The check steps of a level that ran in this rollback (smoke tests, verifyRollback): evidence for its validation. */
export function levelCheckRecords(run: Run, level: number) {
  const ids = new Set(run.spec.steps.rollback.filter((step) => step.evidence && (step.level ?? 0) === level).map((step) => step.id));
  return run.steps.filter((record) => ids.has(record.stepId));
}
