import type { StrategyConfig } from '../plan.ts';
import type { Step } from '../steps.ts';
import { blueGreenSteps } from './blue-green.ts';

/** plan strategy → the ordered deploy steps and the steps that undo them. */
export function strategySteps(config: StrategyConfig): { deploy: Omit<Step, 'id'>[]; rollback: Omit<Step, 'id'>[] } {
  switch (config.kind) {
    case 'blue-green':
      return blueGreenSteps(config);
  }
}
