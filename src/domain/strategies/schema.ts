import { z } from 'zod';
import { durationSchema } from '../duration.ts';
import { commandStepSchema, httpStepSchema, stepSchema } from '../plan-steps.ts';

/**
 * The four deployment strategies of the seeds, as a plan writes them. A slot is a command or an HTTP
 * call (a deploy API), except where a command must see FLIGHTDECK_BATCH* or FLIGHTDECK_WEIGHT.
 */

const blueGreenSchema = z.strictObject({
  kind: z.literal('blue-green'),
  /** Deploy the new version to the slot not serving traffic. */
  deployIdle: stepSchema,
  /** Health-check the idle slot before it gets traffic. */
  checkIdle: httpStepSchema,
  /** Move production traffic to the new slot; the old slot stays warm. */
  switch: stepSchema,
  /** Move traffic back to the old slot: the rollback. */
  switchBack: stepSchema,
  /** Checks that the old version answers after a switch back. */
  verifyRollback: httpStepSchema.optional(),
  /** The old slot stays warm, ready for a switch back, through monitoring (the plan's time); then this retires it. */
  retireOld: stepSchema.optional(),
});

/** Batches of `batchSize` out of `instances`; commands see FLIGHTDECK_BATCH, _BATCHES, _INSTANCES, _BATCH_INSTANCES. */
const rollingSchema = z
  .strictObject({
    kind: z.literal('rolling'),
    instances: z.number().int().min(1).max(1_000),
    batchSize: z.number().int().min(1),
    /** Deploy the new version to one batch's instances. */
    deployBatch: commandStepSchema,
    /** Health-check the batch just deployed; a failure stops the rollout and rolls back the batches done. */
    checkBatch: stepSchema,
    /** Put the previous version back on one batch (FLIGHTDECK_PREVIOUS_VERSION). */
    undoBatch: commandStepSchema,
  })
  .superRefine((rolling, ctx) => {
    if (rolling.batchSize > rolling.instances)
      ctx.addIssue({ code: 'custom', path: ['batchSize'], message: `must be at most instances (${rolling.instances})` });
  });

const canaryStepSchema = z.strictObject({
  weight: z.number().int().min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100'),
  /** How long the canary is watched at this weight before it moves on. */
  hold: durationSchema,
  /** auto: moves on after a healthy hold; manual: waits for promote / hold / roll back. */
  promotion: z.enum(['auto', 'manual']).default('auto'),
});

/** The seeds' 5 % → 25 % → 100 %. */
const SEED_CANARY_STEPS = [
  { weight: 5, hold: 300_000, promotion: 'auto' as const },
  { weight: 25, hold: 300_000, promotion: 'auto' as const },
];

const canarySchema = z
  .strictObject({
    kind: z.literal('canary'),
    /** Start the new version as the canary, with no traffic yet. */
    deploy: stepSchema,
    /** Give the canary FLIGHTDECK_WEIGHT percent of production traffic. */
    setWeight: commandStepSchema,
    /** Make the canary the stable version at 100 % (after the last step). */
    promote: stepSchema,
    /** The rollback, from any point up to finalize: traffic back to the pool that served before the run, canary removed. */
    abort: stepSchema,
    /** After monitoring passed: stop the old pool, kept warm since promotion so that `abort` could still bring it back. */
    retireOld: stepSchema.optional(),
    steps: z.array(canaryStepSchema).min(1).default(SEED_CANARY_STEPS),
    /** How often production is checked during a hold. */
    checkEvery: durationSchema.default(30_000),
  })
  .superRefine((canary, ctx) => {
    canary.steps.forEach((step, index) => {
      const before = canary.steps[index - 1];
      if (before && step.weight <= before.weight)
        ctx.addIssue({ code: 'custom', path: ['steps', index, 'weight'], message: `must be more than the step before (${before.weight})` });
      if (canary.checkEvery > step.hold)
        ctx.addIssue({ code: 'custom', path: ['steps', index, 'hold'], message: 'is shorter than checkEvery: the hold would see no check' });
    });
  });

/** Deploy dark, flip the flag on; the rollback flips it off. */
const featureFlagSchema = z.strictObject({
  kind: z.literal('feature-flag'),
  /** Deploy the new version with its feature flag off. */
  deploy: stepSchema,
  flagOn: stepSchema,
  /** The first rollback: the new build keeps serving, with its feature off. */
  flagOff: stepSchema,
  /** Checks production once the flag is off (optional; the rollback validation checks it too). */
  verifyRollback: stepSchema.optional(),
  /** Brings the previous version back: when production is still unhealthy with the flag off, or the flag was never on. */
  undeploy: stepSchema,
});

export const strategySchema = z.discriminatedUnion('kind', [blueGreenSchema, rollingSchema, canarySchema, featureFlagSchema]);
export type StrategyConfig = z.infer<typeof strategySchema>;
export const STRATEGY_KINDS = ['blue-green', 'rolling', 'canary', 'feature-flag'] as const;
