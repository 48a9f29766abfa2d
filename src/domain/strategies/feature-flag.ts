import type { StrategyConfig } from '../plan.ts';
import { stepFrom } from '../steps.ts';
import type { StrategySteps } from './index.ts';

type FeatureFlag = Extract<StrategyConfig, { kind: 'feature-flag' }>;

/** Deploy dark, then turn the flag on; the rollback turns it off (only if it was turned on). */
export function featureFlagSteps(config: FeatureFlag): StrategySteps {
  return {
    deploy: [stepFrom(config.deploy), stepFrom(config.flagOn)],
    rollback: [{ ...stepFrom(config.flagOff), undoes: 1 }, ...(config.verifyRollback ? [stepFrom(config.verifyRollback)] : [])],
    trafficMovesAt: 1,
    trafficRestoredAfter: 0,
  };
}
