import type { StrategyConfig } from '../plan.ts';
import { stepFrom } from '../steps.ts';
import { holdName, variant, type StrategySteps } from './index.ts';

type Canary = Extract<StrategyConfig, { kind: 'canary' }>;

/**
 * Start the canary with no traffic, then for each step: give it the step's weight and hold there
 * while checks watch production (moving on by itself, or when a human promotes it); finally promote
 * it to 100 %. The rollback sets its weight to 0 and removes it.
 */
export function canarySteps(config: Canary): StrategySteps {
  const deploy = [
    stepFrom(config.deploy),
    ...config.steps.flatMap((step) => [
      variant(stepFrom(config.setWeight), `Send ${step.weight}% of traffic to the canary`, { FLIGHTDECK_WEIGHT: String(step.weight) }),
      { name: holdName(step.weight, step.hold, step.promotion), action: { kind: 'hold' as const, durationMs: step.hold, everyMs: config.checkEvery, promotion: step.promotion } },
    ]),
    variant(stepFrom(config.promote), 'Promote the canary to 100%', { FLIGHTDECK_WEIGHT: '100' }),
  ];
  return { deploy, rollback: [variant(stepFrom(config.abort), 'Abort the canary (weight 0, canary removed)', { FLIGHTDECK_WEIGHT: '0' })], trafficMovesAt: 1, trafficRestoredAfter: 0 };
}
