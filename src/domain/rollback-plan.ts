import { z } from 'zod';
import { durationSchema } from './duration.ts';
import { httpStepSchema } from './plan-steps.ts';

/**
 * An environment's `rollback:` section: how Flightdeck proves a rollback worked before it says so,
 * and who may roll back a deployment that has already finished.
 */

/**
 * Asks production which version answered: `samples` requests to `url`, each answer naming its version
 * in a JSON field of the body (`field`, a dot path) or in a response `header`. A rollback is SUCCESS only
 * when every sample names the version that served before the run.
 */
export const versionProbeSchema = z.strictObject({
  /** May use ${env.NAME} (the worker's environment), ${service}, ${environment}. */
  url: z.string().min(1),
  field: z
    .string()
    .regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/, 'a JSON field is a dot path such as version or build.version')
    .default('version'),
  header: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'a header name is letters, digits and dashes')
    .optional(),
  samples: z.number().int().min(1).max(200).default(20),
  timeout: durationSchema.default(2_000),
});
export type VersionProbe = z.infer<typeof versionProbeSchema>;

const VALIDATION_DEFAULTS = { window: 60_000, every: 15_000 };

/**
 * The seeds' "Rollback Validation": after the rollback steps, checks of production for `window`, every
 * `every` (the plan's health check and the metrics of its triggers, and the version probe when given),
 * and smoke tests once. SUCCESS only when the last check is clean and every smoke test passed.
 */
export const rollbackValidationSchema = z
  .strictObject({
    window: durationSchema.default(VALIDATION_DEFAULTS.window),
    every: durationSchema.default(VALIDATION_DEFAULTS.every),
    /** Smoke tests run against production once the rollback steps are done; default: the environment's smokeTests. */
    smokeTests: z.array(httpStepSchema).optional(),
    version: versionProbeSchema.optional(),
  })
  .superRefine((validation, ctx) => {
    if (validation.every > validation.window)
      ctx.addIssue({ code: 'custom', path: ['every'], message: 'is longer than window: the validation would see one check' });
  });

const REDEPLOY_DEFAULTS = { requireDecision: false };

/**
 * `/deploy rollback <service> [environment] [to <version>]`: a new run that deploys again a version that
 * already succeeded here (domain/redeploy.ts). On-call, approvers and admins may start one. It asks for no
 * Go/No-Go by default, since restoring a known-good version should not wait for a quorum at 3 a.m.;
 * `requireDecision: true` makes it wait for the environment's `approval` like any start.
 */
export const redeploySchema = z.strictObject({
  requireDecision: z.boolean().default(REDEPLOY_DEFAULTS.requireDecision),
});
export type RedeployPolicy = z.infer<typeof redeploySchema>;

export const rollbackPlanSchema = z
  .strictObject({
    validation: rollbackValidationSchema.default(VALIDATION_DEFAULTS),
    redeploy: redeploySchema.default(REDEPLOY_DEFAULTS),
  })
  .default({ validation: VALIDATION_DEFAULTS, redeploy: REDEPLOY_DEFAULTS });

export type RollbackPlan = z.infer<typeof rollbackPlanSchema>;
