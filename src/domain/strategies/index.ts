import type { StrategyConfig } from '../plan.ts';
import type { Step } from '../steps.ts';
import { blueGreenSteps } from './blue-green.ts';
import { canarySteps } from './canary.ts';
import { featureFlagSteps } from './feature-flag.ts';
import { rollingSteps } from './rolling.ts';

export type StrategyStep = Omit<Step, 'id' | 'undoes' | 'level' | 'evidence'>;
/**
 * A rollback step. `undoes`: the indexes of the deploy steps it undoes (it runs only if one of them changed
 * production); `level`: its rollback level (default 0); `evidence`: a check whose failure counts against the level.
 */
export type UndoStep = StrategyStep & { undoes?: number[]; level?: number; evidence?: boolean };

/** What a rollback level leaves production on when its validation passes. */
export type RollbackOutcome = 'previous_version' | 'feature_off';

export interface StrategySteps {
  deploy: StrategyStep[];
  rollback: UndoStep[];
  /** The outcome of each rollback level, in order; a level runs only when the one before it failed its validation. */
  levels: RollbackOutcome[];
  /** Index of the first deploy step that sends production traffic to the new version: the baseline is measured just before it. */
  trafficMovesAt: number;
  /** After monitoring passed: e.g. retire the old version kept warm until then. */
  finalize?: StrategyStep[];
}

/** plan strategy → the ordered deploy steps and the steps that undo them. */
export function strategySteps(config: StrategyConfig): StrategySteps {
  switch (config.kind) {
    case 'blue-green':
      return blueGreenSteps(config);
    case 'rolling':
      return rollingSteps(config);
    case 'canary':
      return canarySteps(config);
    case 'feature-flag':
      return featureFlagSteps(config);
  }
}
