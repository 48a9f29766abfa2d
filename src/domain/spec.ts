import type { Person } from './identity.ts';
import { paceOf, peopleOf, type HttpProbe, type MetricMonitor, type Plan } from './plan.ts';
import { checkCount, type SchedulePace } from './schedule.ts';
import { numbered, stepFrom, type Phase, type Step } from './steps.ts';
import { strategySteps } from './strategies/index.ts';
import type { Trigger } from './trigger.ts';
import { rollbackSpecFor } from './rollback-spec.ts';
import type { VersionProbe } from './rollback-plan.ts';
import type { RollbackOutcome } from './strategies/index.ts';
import { DEFAULT_PAGE_CAUSES, type PageCause } from './page-causes.ts';
import type { CommitLookup } from './commit-lookup.ts';

/**
 * What one run will do, frozen from the plan when the run is created, so that editing
 * a plan never changes a run in flight, and a run can be rebuilt from its events alone.
 */
export interface RunSpec {
  strategy: string;
  channel: Record<string, string>;
  steps: Record<Phase, Step[]>;
  requireDecision: boolean;
  /** Enforced order: the environment where this version must have succeeded first, if any. */
  requiresSuccessIn: string | null;
  /** The readiness gate's threshold (the prerequisites are pre-check steps marked `prerequisite`). */
  readinessThreshold: number;
  approval: { quorum: number; allowSelfApproval: boolean; timeoutMs: number; remindEveryMs: number };
  /** What each rollback level leaves production on when its validation passes (domain/rollback-spec.ts). */
  rollbackLevels: RollbackOutcome[];
  /** Asked at each rollback validation check: which version answers production traffic. */
  versionProbe: VersionProbe | null;
  /** null: the release has no migration; false: it has one that a rollback leaves in place. */
  migrationReversible: boolean | null;
  monitoring: {
    check: HttpProbe;
    metrics: MetricMonitor[];
    schedule: SchedulePace[];
    checks: number;
    inconclusive: { after: number; then: 'rollback' | 'pause' };
  } | null;
  triggers: Trigger[];
  deployers: Person[];
  approvers: Person[];
  onCall: Person[];
  /** May unlock any lock and take over one someone else holds (domain/lock.ts). */
  admins: Person[];
  risk: 'low' | 'medium' | 'high' | 'critical';
  contacts: { role: string; name: string; contact: string }[];
  /** A rollback locks the target until someone unlocks it with a reason (app/on-lock.ts). */
  lockAfterRollback: boolean;
  /** How an unacknowledged page is repeated and escalated (domain/page.ts). */
  paging: { repeatEveryMs: number; escalateAfterMs: number; escalation: Person[]; on: PageCause[] };
  /** A post-deployment review reminder, so long after a run that changed production ends (run-ending.ts); null: none. */
  review: { afterMs: number } | null;
  /** Where the time of a `--commit <sha>` given without one is looked up (domain/commit-lookup.ts); null: nowhere. */
  commitLookup: CommitLookup | null;
}

/** The run an environment's plan makes, with its default strategy or the alternative named; null when there is no such environment or strategy. */
export function specFor(plan: Plan, environment: string, strategyKind?: string): RunSpec | null {
  const env = plan.environments[environment];
  if (!env) return null;
  const chosen = strategyKind ? [env.strategy, ...env.alternatives].find((candidate) => candidate.kind === strategyKind) : env.strategy;
  if (!chosen) return null;
  const strategy = strategySteps(chosen);
  const baseline = env.monitoring?.baseline;
  const measure = baseline
    ? [{ name: 'Measure the baseline on the current version', action: { kind: 'baseline' as const, windowMs: baseline.window, everyMs: baseline.every } }]
    : [];
  const smoke = env.smokeTests.map((test) => ({ ...stepFrom(test), name: `Smoke test: ${test.name}` }));
  const deploy = numbered('deploy', [
    ...strategy.deploy.slice(0, strategy.trafficMovesAt),
    ...measure,
    ...strategy.deploy.slice(strategy.trafficMovesAt),
    ...smoke,
  ]);
  // A strategy names the deploy step an undo step undoes by its index; the baseline step may have shifted it.
  const deployId = (index: number) => deploy[index + (measure.length && index >= strategy.trafficMovesAt ? 1 : 0)]!.id;
  const rollback = rollbackSpecFor(strategy, env, deployId);
  return {
    strategy: chosen.kind,
    channel: env.channel,
    steps: {
      pre_checks: numbered('pre_checks', [
        ...env.preChecks.map(stepFrom),
        ...(env.readiness?.prerequisites ?? []).map(({ step, points, critical, minScore }) => ({
          ...stepFrom(step),
          prerequisite: { points, critical, ...(minScore === undefined ? {} : { minScore }) },
        })),
      ]),
      staging: numbered('staging', [
        ...(env.staging?.deploy ?? []).map(stepFrom),
        ...(env.staging?.smokeTests ?? []).map((test) => ({ ...stepFrom(test), name: `Staging smoke test: ${test.name}` })),
      ]),
      deploy,
      finalize: numbered('finalize', strategy.finalize ?? []),
      rollback: numbered('rollback', rollback.steps),
    },
    requireDecision: env.requireDecision,
    requiresSuccessIn: env.requiresSuccessIn ?? null,
    readinessThreshold: env.readiness?.threshold ?? 75,
    approval: {
      quorum: env.approval.quorum,
      allowSelfApproval: env.approval.allowSelfApproval,
      timeoutMs: env.approval.timeout,
      remindEveryMs: env.approval.remindEvery,
    },
    rollbackLevels: rollback.levels,
    versionProbe: rollback.versionProbe,
    migrationReversible: env.migration ? env.migration.reversible : null,
    monitoring: env.monitoring
      ? {
          check: env.monitoring.check,
          metrics: env.monitoring.metrics,
          schedule: paceOf(env.monitoring),
          checks: checkCount(paceOf(env.monitoring)),
          inconclusive: env.monitoring.inconclusive,
        }
      : null,
    triggers: env.rollbackTriggers,
    deployers: peopleOf(plan, plan.deployers),
    approvers: peopleOf(plan, plan.approvers),
    onCall: peopleOf(plan, plan.onCall),
    admins: peopleOf(plan, plan.admins),
    risk: plan.risk,
    contacts: plan.contacts,
    lockAfterRollback: env.lockAfterRollback,
    paging: {
      repeatEveryMs: plan.paging.repeatEvery,
      escalateAfterMs: plan.paging.escalateAfter,
      escalation: peopleOf(plan, plan.paging.escalation),
      on: [...DEFAULT_PAGE_CAUSES, ...plan.paging.also],
    },
    review: env.review ? { afterMs: env.review.after } : null,
    commitLookup: plan.commits ?? null,
  };
}
