import type { Run } from '../domain/run.ts';
import type { Step } from '../domain/steps.ts';

/** Before rollbacks were validated: one level, an undo step named the one deploy step it undid, and no validation step. */
function rollbackOf(spec: Run['spec']): Step[] {
  const steps = (spec.steps as Partial<Run['spec']['steps']>).rollback ?? [];
  if (steps.some((step) => step.action.kind === 'validate')) return steps;
  const deployIds = ((spec.steps as Partial<Run['spec']['steps']>).deploy ?? []).map((step) => step.id);
  const undoes = (step: Step) => (typeof step.undoes === 'string' ? [step.undoes] : (step.undoes ?? deployIds));
  const upgraded = steps.map((step) => ({ ...step, level: 0, undoes: undoes(step) }));
  return [
    ...upgraded,
    { id: `rollback.${steps.length}`, name: 'Validate the rollback', level: 0, action: { kind: 'validate', windowMs: 60_000, everyMs: 15_000 } },
  ];
}

/**
 * Snapshots written by an older Flightdeck lack the fields added since; a run in flight across an
 * upgrade is read with the defaults those fields would have had when it was created (no scheduled
 * time, no emergency, not a rollback of a finished deployment, no quorum beyond one approver, no
 * staging, readiness or finalize steps, …).
 * One exception, on purpose: a rollback of an older run is validated like any other (a step is added),
 * because "rolled back" must follow a passing check whatever release created the run.
 */
export function currentShape(stored: Run): Run {
  return withSpec(stored, specShape(stored.spec));
}

/** The run part of currentShape, given its spec already in its current shape (store/run-specs.ts shapes each spec once). */
export function withSpec(stored: Omit<Run, 'spec'>, spec: Run['spec']): Run {
  return {
    ...stored,
    previousVersion: stored.previousVersion ?? null,
    scheduled: stored.scheduled ?? null,
    emergency: stored.emergency ?? null,
    redeploy: stored.redeploy ?? null,
    commit: stored.commit ?? null,
    readiness: stored.readiness ?? null,
    approvals: stored.approvals ?? [],
    awaiting: stored.awaiting ?? null,
    watch: stored.watch ?? null,
    paused: stored.paused ?? null,
    spec,
    rollback: stored.rollback
      ? {
          ...stored.rollback,
          level: stored.rollback.level ?? 0,
          undoneAt: stored.rollback.undoneAt ?? stored.rollback.trafficRestoredAt,
          validations: stored.rollback.validations ?? [],
        }
      : null,
  };
}

/** The spec part of currentShape. */
export function specShape(spec: Run['spec']): Run['spec'] {
  return {
    ...spec,
    steps: { pre_checks: [], staging: [], deploy: [], finalize: [], ...(spec.steps as Partial<Run['spec']['steps']>), rollback: rollbackOf(spec) },
    rollbackLevels: spec.rollbackLevels ?? ['previous_version'],
    versionProbe: spec.versionProbe ?? null,
    approval: spec.approval ?? { quorum: 1, allowSelfApproval: true, timeoutMs: 7 * 86_400_000, remindEveryMs: 7 * 86_400_000 },
    readinessThreshold: spec.readinessThreshold ?? 75,
    requiresSuccessIn: spec.requiresSuccessIn ?? null,
    admins: spec.admins ?? [],
    risk: spec.risk ?? 'medium',
    contacts: spec.contacts ?? [],
    lockAfterRollback: spec.lockAfterRollback ?? false,
    review: spec.review ?? null,
    commitLookup: spec.commitLookup ?? null,
    paging: {
      ...(spec.paging ?? { repeatEveryMs: 300_000, escalateAfterMs: 900_000, escalation: [] }),
      on: spec.paging?.on ?? ['automatic_rollback', 'rollback_failed', 'paused'],
    },
  };
}
