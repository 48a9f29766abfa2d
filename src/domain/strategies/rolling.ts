import type { StrategyConfig } from '../plan.ts';
import { stepFrom } from '../steps.ts';
import type { StrategySteps, UndoStep } from './index.ts';
import { variant } from './step-helpers.ts';

type Rolling = Extract<StrategyConfig, { kind: 'rolling' }>;

/** Instance indexes (0-based) per batch: 5 instances in batches of 2 → [0,1] [2,3] [4]. */
export function batchesOf(instances: number, batchSize: number): number[][] {
  const batches: number[][] = [];
  for (let first = 0; first < instances; first += batchSize) {
    batches.push(Array.from({ length: Math.min(batchSize, instances - first) }, (_, i) => first + i));
  }
  return batches;
}

/**
 * Deploy and check one batch at a time. A failing batch stops the rollout; the rollback puts the
 * previous version back on the batches that were started, newest first.
 */
export function rollingSteps(config: Rolling): StrategySteps {
  const batches = batchesOf(config.instances, config.batchSize);
  const env = (batch: number[], index: number) => ({
    FLIGHTDECK_BATCH: String(index + 1),
    FLIGHTDECK_BATCHES: String(batches.length),
    FLIGHTDECK_INSTANCES: String(config.instances),
    FLIGHTDECK_BATCH_INSTANCES: batch.join(','),
  });
  const label = (batch: number[], index: number) => `batch ${index + 1}/${batches.length} (instance${batch.length > 1 ? 's' : ''} ${batch.join(', ')})`;
  // One batch is the whole fleet at once (e.g. a Kubernetes rollout): the plan's own step names read better.
  const named = (fallback: string, own: string) => (batches.length === 1 ? own : fallback);
  const deploy = batches.flatMap((batch, index) => [
    variant(stepFrom(config.deployBatch), named(`Deploy ${label(batch, index)}`, config.deployBatch.name), env(batch, index)),
    variant(stepFrom(config.checkBatch), named(`Check ${label(batch, index)}`, config.checkBatch.name), env(batch, index)),
  ]);
  const rollback: UndoStep[] = batches
    .map((batch, index) => ({
      ...variant(stepFrom(config.undoBatch), named(`Put the previous version back on ${label(batch, index)}`, config.undoBatch.name), env(batch, index)),
      undoes: [index * 2],
    }))
    .reverse();
  return { deploy, rollback, levels: ['previous_version'], trafficMovesAt: 0 };
}
