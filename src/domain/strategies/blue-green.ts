import type { StrategyConfig } from '../plan.ts';
import { stepFrom } from '../steps.ts';
import type { StrategySteps } from './index.ts';

type BlueGreen = Extract<StrategyConfig, { kind: 'blue-green' }>;

/** Deploy the idle slot, check it, switch traffic; the old slot stays warm, so rollback is a switch back. */
export function blueGreenSteps(config: BlueGreen): StrategySteps {
  return {
    deploy: [stepFrom(config.deployIdle), stepFrom(config.checkIdle), stepFrom(config.switch)],
    trafficMovesAt: 2,
    trafficRestoredAfter: 0,
    rollback: [stepFrom(config.switchBack), ...(config.verifyRollback ? [stepFrom(config.verifyRollback)] : [])],
    finalize: config.retireOld ? [stepFrom(config.retireOld)] : [],
  };
}
