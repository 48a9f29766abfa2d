import type { StrategyConfig } from '../plan.ts';
import { stepFrom } from '../steps.ts';
import type { StrategySteps } from './index.ts';

type FeatureFlag = Extract<StrategyConfig, { kind: 'feature-flag' }>;

const DEPLOY = 0;
const FLAG_ON = 1;

/**
 * Deploy dark, then turn the flag on. The rollback is the seeds' Feature Flag Rollback first (level 0: the
 * flag off; the new build still serves, with its feature off); when production is still unhealthy with the
 * flag off, or the flag was never turned on, level 1 brings the previous version back (`undeploy`).
 */
export function featureFlagSteps(config: FeatureFlag): StrategySteps {
  return {
    deploy: [stepFrom(config.deploy), stepFrom(config.flagOn)],
    rollback: [
      { ...stepFrom(config.flagOff), undoes: [FLAG_ON], level: 0 },
      ...(config.verifyRollback ? [{ ...stepFrom(config.verifyRollback), evidence: true, level: 0 }] : []),
      { ...stepFrom(config.undeploy), undoes: [DEPLOY], level: 1 },
    ],
    levels: ['feature_off', 'previous_version'],
    trafficMovesAt: FLAG_ON,
  };
}
