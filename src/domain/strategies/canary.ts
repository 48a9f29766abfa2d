import type { StrategyConfig } from '../plan.ts';
import { stepFrom } from '../steps.ts';
import type { StrategySteps } from './index.ts';
import { holdName, variant } from './step-helpers.ts';

type Canary = Extract<StrategyConfig, { kind: 'canary' }>;

/**
 * Start the canary with no traffic, then for each step: give it the step's weight and hold there
 * while checks watch production (moving on by itself, or when a human promotes it); finally promote
 * it to 100 %. The old pool stays warm until `retireOld` (finalize), so the rollback — `abort`: traffic
 * back to the pool that served before the run, canary removed — works at every point, promotion included.
 */
export function canarySteps(config: Canary): StrategySteps {
  const deploy = [
    stepFrom(config.deploy),
    ...config.steps.flatMap((step) => [
      variant(stepFrom(config.setWeight), `Send ${step.weight}% of traffic to the canary`, { FLIGHTDECK_WEIGHT: String(step.weight) }),
      {
        name: holdName(step.weight, step.hold, step.promotion),
        action: { kind: 'hold' as const, durationMs: step.hold, everyMs: config.checkEvery, promotion: step.promotion },
      },
    ]),
    variant(stepFrom(config.promote), 'Promote the canary to 100%', { FLIGHTDECK_WEIGHT: '100' }),
  ];
  // Everything but the holds changes production: the canary's process, its weights, the promotion.
  const changing = deploy.flatMap((step, index) => (step.action.kind === 'hold' ? [] : [index]));
  const abort = variant(stepFrom(config.abort), 'Abort the canary (weight 0, canary removed)', { FLIGHTDECK_WEIGHT: '0' });
  return {
    deploy,
    rollback: [{ ...abort, undoes: changing }],
    levels: ['previous_version'],
    trafficMovesAt: 1,
    finalize: config.retireOld ? [stepFrom(config.retireOld)] : [],
  };
}
