import type { StrategyConfig } from '../plan.ts';
import { stepFrom } from '../steps.ts';
import type { StrategySteps } from './index.ts';

type BlueGreen = Extract<StrategyConfig, { kind: 'blue-green' }>;

const SWITCH = 2;

/**
 * Deploy the idle slot, check it, switch traffic; the old slot stays warm, so rollback is a switch back.
 * Only the switch changes production: a rollback before it has nothing to undo.
 */
export function blueGreenSteps(config: BlueGreen): StrategySteps {
  return {
    deploy: [stepFrom(config.deployIdle), stepFrom(config.checkIdle), stepFrom(config.switch)],
    trafficMovesAt: SWITCH,
    rollback: [
      { ...stepFrom(config.switchBack), undoes: [SWITCH] },
      ...(config.verifyRollback ? [{ ...stepFrom(config.verifyRollback), evidence: true }] : []),
    ],
    levels: ['previous_version'],
    finalize: config.retireOld ? [stepFrom(config.retireOld)] : [],
  };
}
