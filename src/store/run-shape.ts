import type { Run } from '../domain/run.ts';

/**
 * Snapshots written by an older Flightdeck lack the fields added since; a run in flight across an
 * upgrade is read with the defaults those fields would have had when it was created (no scheduled
 * time, no emergency, not a rollback of a finished deployment, no quorum beyond one approver, no
 * staging, readiness or finalize steps, …).
 */
export function currentShape(stored: Run): Run {
  const spec = stored.spec;
  return {
    ...stored,
    previousVersion: stored.previousVersion ?? null,
    scheduled: stored.scheduled ?? null,
    emergency: stored.emergency ?? null,
    redeploy: stored.redeploy ?? null,
    readiness: stored.readiness ?? null,
    approvals: stored.approvals ?? [],
    awaiting: stored.awaiting ?? null,
    watch: stored.watch ?? null,
    paused: stored.paused ?? null,
    spec: {
      ...spec,
      steps: { pre_checks: [], staging: [], deploy: [], finalize: [], rollback: [], ...(spec.steps as Partial<Run['spec']['steps']>) },
      approval: spec.approval ?? { quorum: 1, allowSelfApproval: true, timeoutMs: 7 * 86_400_000, remindEveryMs: 7 * 86_400_000 },
      readinessThreshold: spec.readinessThreshold ?? 75,
      requiresSuccessIn: spec.requiresSuccessIn ?? null,
      admins: spec.admins ?? [],
      risk: spec.risk ?? 'medium',
      contacts: spec.contacts ?? [],
      lockAfterRollback: spec.lockAfterRollback ?? false,
      paging: spec.paging ?? { repeatEveryMs: 300_000, escalateAfterMs: 900_000, escalation: [] },
    },
  };
}
