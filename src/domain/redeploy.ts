import type { RedeployPolicy } from './rollback-plan.ts';
import type { Redeploy, Run } from './run-types.ts';
import type { RunSpec } from './spec.ts';
import { numbered } from './steps.ts';

/**
 * Rolling back a deployment that has finished (`/deploy rollback <service> [environment] [to <version>]`):
 * a new run, with its own audit trail, status card, report and rollback, that deploys again a version that
 * already succeeded on the target, through the environment's strategy.
 *
 * The version already ran in this environment, so the run skips what proves a version fit for it: staging,
 * the readiness prerequisites and the enforced order (`requiresSuccessIn`). It keeps the plan's hard
 * pre-checks (they say whether the target can take a deployment now) and a lock, which a human took to stop
 * every change. A freeze window does not stop it: a freeze protects production from new code, and putting
 * back a known-good version is what the freeze exists for.
 */

/** A version that succeeded on the target, with the newest run that deployed it. */
export interface Success {
  version: string;
  key: string;
}

export type RedeployChoice = { ok: true; redeploy: Redeploy } | { ok: false; reason: string };

/**
 * Which version to deploy again. `succeeded` lists the target's versions, newest success first, so the first
 * is live now. Without `to`: the newest other version. With `to`: that version, if it succeeded here.
 */
export function chooseRedeploy(succeeded: Success[], to: string | null, target: { service: string; environment: string }): RedeployChoice {
  const where = `${target.service} ${target.environment}`;
  const live = succeeded[0];
  if (!live) return { ok: false, reason: `Nothing has succeeded on ${where} yet, so there is no earlier version to roll back to.` };
  const from = { from: live.version, of: live.key };
  if (to === null) {
    const before = succeeded.find((success) => success.version !== live.version);
    if (!before)
      return {
        ok: false,
        reason: `${target.service} ${live.version} (${live.key}) is the only version that has succeeded on ${target.environment}, so there is no earlier version to roll back to.`,
      };
    return { ok: true, redeploy: { ...from, to: before.version } };
  }
  if (to === live.version)
    return {
      ok: false,
      reason: `${target.service} ${to} is what runs on ${target.environment} now (${live.key}): there is nothing to roll back. Name another version, or leave out "to" for the one before it.`,
    };
  if (!succeeded.some((success) => success.version === to)) {
    const recent = succeeded.slice(1, 6).map((success) => success.version);
    return {
      ok: false,
      reason: `${target.service} ${to} has never succeeded on ${target.environment}: a rollback goes only to a version that did.${recent.length ? ` Versions it can go back to: ${recent.join(', ')}.` : ''} To deploy a new version, use /deploy start.`,
    };
  }
  return { ok: true, redeploy: { ...from, to } };
}

/** The spec of such a run: the environment's, less staging, readiness and the enforced order; a Go/No-Go only if the plan asks for one. */
export function redeploySpec(spec: RunSpec, policy: RedeployPolicy): RunSpec {
  const hardPreChecks = spec.steps.pre_checks.filter((step) => !step.prerequisite).map(({ id: _id, ...step }) => step);
  return {
    ...spec,
    steps: { ...spec.steps, pre_checks: numbered('pre_checks', hardPreChecks), staging: [] },
    requireDecision: policy.requireDecision,
    requiresSuccessIn: null,
  };
}

/** "Rollback of demo: 1.1.0 → 1.0.0", or null for an ordinary run. */
export function describeRedeploy(run: Pick<Run, 'service' | 'redeploy'>): string | null {
  return run.redeploy ? `Rollback of ${run.service}: ${run.redeploy.from} → ${run.redeploy.to}` : null;
}
