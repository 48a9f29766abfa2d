// Canary: the new version runs as backend "canary" next to the stable pool (whatever served production
// when the run began) and gets a growing share of the traffic; promote gives it all the traffic but keeps
// the old pool running at weight 0, so abort can still bring it back; retire (after monitoring) stops the
// old pool and makes the canary the one "stable" backend.
// Weights are relative shares, so on a first deployment, with no stable pool, a canary at any weight
// above 0 takes all production traffic, and at weight 0 production answers 503 as before any deployment.
import { ensureRouter, runsVersion, startBackend, stopBackend } from './backends.mjs';
import { integerVariable, pause, requireVersion, run } from './run-env.mjs';
import { describePool, poolWeights, readState, recordAction, setPool, writeState } from './state.mjs';

const CANARY = 'canary';
const STABLE = 'stable';

/**
 * A canary promoted by an earlier run that was never retired (a plan without retireOld) is production:
 * it becomes "stable" first, so this run's canary does not replace it.
 */
async function adoptPromotedCanary(state) {
  const promoted = state.backends[CANARY];
  if (!promoted || !(promoted.weight > 0) || state.runs[run]?.stable) return;
  for (const [name, backend] of Object.entries(state.backends)) if (name !== CANARY && !(backend.weight > 0)) await stopBackend(state, name);
  delete state.backends[CANARY];
  state.backends[STABLE] = promoted;
  writeState(state);
}

export async function canaryDeploy() {
  const version = requireVersion();
  const state = readState();
  await ensureRouter(state);
  await adoptPromotedCanary(state);
  const planned = (state.runs[run] ??= {});
  if (!planned.stable) {
    const { [CANARY]: _leftover, ...stable } = poolWeights(state);
    planned.stable = stable;
    writeState(state);
  }
  if (!runsVersion(state.backends[CANARY], version)) await startBackend(state, CANARY, version);
  writeState(state);
  await pause('canary-deploy');
  recordAction(`canary-deploy ${run} ${version}`);
  const stable = Object.keys(planned.stable).filter((name) => state.backends[name]);
  console.log(
    `canary ${version} started at weight 0 next to ${stable.map((name) => `${name} (${state.backends[name].version})`).join(', ') || 'nothing (first deployment)'}`,
  );
}

/** The canary gets FLIGHTDECK_WEIGHT; the stable pool shares the rest in its own proportions. */
export async function canaryWeight() {
  const weight = integerVariable('FLIGHTDECK_WEIGHT', 0, 100);
  await pause('canary-weight');
  const state = readState();
  const stable = state.runs[run]?.stable;
  if (!stable || !state.backends[CANARY]) throw new Error(`run ${run} has no canary to give weight to`);
  const total = Object.values(stable).reduce((sum, share) => sum + share, 0);
  setPool(state, { ...Object.fromEntries(Object.entries(stable).map(([name, share]) => [name, (share * (100 - weight)) / total])), [CANARY]: weight });
  writeState(state);
  recordAction(`canary-weight ${run} ${weight}`);
  console.log(`production traffic: ${describePool(state)}`);
}

/** All traffic to the canary; the old pool keeps running at weight 0 until retire, so abort can still switch back. */
export async function canaryPromote() {
  await pause('canary-promote');
  const state = readState();
  const planned = state.runs[run];
  if (!state.backends[CANARY]) throw new Error(`run ${run} has no canary to promote`);
  setPool(state, { [CANARY]: 100 });
  state.runs[run] = { ...planned, promoted: true };
  writeState(state);
  recordAction(`canary-promote ${run} ${state.backends[CANARY].version}`);
  console.log(`promoted: ${state.backends[CANARY].version} takes all production traffic; the old pool stays warm until it is retired`);
}

/** After monitoring passed: stop the old pool and make the canary the stable backend. */
export async function canaryRetire() {
  await pause('canary-retire');
  const state = readState();
  const planned = state.runs[run];
  const canary = state.backends[CANARY];
  if (canary && planned?.promoted) {
    for (const name of Object.keys(planned.stable ?? {})) if (name !== CANARY) await stopBackend(state, name);
    if (state.backends[STABLE]) await stopBackend(state, STABLE);
    delete state.backends[CANARY];
    state.backends[STABLE] = { ...canary, weight: 100 };
    writeState(state);
  }
  const live = state.backends[STABLE];
  recordAction(`canary-retire ${run} ${live?.version ?? 'none'}`);
  console.log(live ? `${live.version} is the stable backend; the old pool is stopped` : 'nothing to retire');
}

/** The rollback: traffic back to the stable pool as it was before the run, and the canary stopped. */
export async function canaryAbort() {
  await pause('canary-abort');
  const state = readState();
  const stable = state.runs[run]?.stable;
  if (stable) setPool(state, stable);
  await stopBackend(state, CANARY);
  writeState(state);
  recordAction(`canary-abort ${run}`);
  console.log(`canary stopped; production traffic: ${describePool(state)}`);
}
