import type { StrategyConfig } from '../plan.ts';
import type { Step } from '../steps.ts';
import { blueGreenSteps } from './blue-green.ts';

export interface StrategySteps {
  deploy: Omit<Step, 'id'>[];
  rollback: Omit<Step, 'id'>[];
  /** Index of the first deploy step that sends production traffic to the new version: the baseline is measured just before it. */
  trafficMovesAt: number;
  /** Index of the rollback step after which production traffic is back on the old version: rollback time is measured to it. */
  trafficRestoredAfter: number;
}

/** plan strategy → the ordered deploy steps and the steps that undo them. */
export function strategySteps(config: StrategyConfig): StrategySteps {
  switch (config.kind) {
    case 'blue-green':
      return blueGreenSteps(config);
  }
}
