import { plan, PLAN_DOCUMENT } from './fixtures.ts';

/** Plans of the other three strategies, on the support plan's production environment. */

const production = PLAN_DOCUMENT.environments.production;
const cmd = (name: string) => ({ name, run: [name] });

export const ROLLING = {
  kind: 'rolling',
  instances: 5,
  batchSize: 2,
  deployBatch: cmd('deploy-batch'),
  checkBatch: cmd('check-batch'),
  undoBatch: cmd('undo-batch'),
};
export const CANARY = {
  kind: 'canary',
  deploy: cmd('canary-deploy'),
  setWeight: cmd('canary-weight'),
  promote: cmd('canary-promote'),
  abort: cmd('canary-abort'),
  steps: [
    { weight: 5, hold: '2m' },
    { weight: 25, hold: '5m', promotion: 'manual' },
  ],
  checkEvery: '1m',
};
export const FLAG = {
  kind: 'feature-flag',
  deploy: cmd('deploy-dark'),
  flagOn: { name: 'Flag on', http: { method: 'POST', url: 'http://flags/on' } },
  flagOff: cmd('flag-off'),
  undeploy: cmd('undeploy'),
};

export function withStrategy(strategy: object, extra: object = {}) {
  return plan({ environments: { production: { ...production, strategy, ...extra } } });
}
