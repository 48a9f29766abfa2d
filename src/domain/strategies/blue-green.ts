import type { StrategyConfig } from '../plan.ts';
import { stepFrom, type Step } from '../steps.ts';

type BlueGreen = Extract<StrategyConfig, { kind: 'blue-green' }>;

/** Deploy the idle slot, check it, switch traffic; the old slot stays warm, so rollback is a switch back. */
export function blueGreenSteps(config: BlueGreen): { deploy: Omit<Step, 'id'>[]; rollback: Omit<Step, 'id'>[] } {
  return {
    deploy: [stepFrom(config.deployIdle), stepFrom(config.checkIdle), stepFrom(config.switch)],
    rollback: [stepFrom(config.switchBack), ...(config.verifyRollback ? [stepFrom(config.verifyRollback)] : [])],
  };
}
