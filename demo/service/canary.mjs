// Canary: the new version runs as backend "canary" next to the stable pool (whatever served production
// when the run began) and gets a growing share of the traffic; promote makes it the one "stable" backend.
// Weights are relative shares, so on a first deployment, with no stable pool, a canary at any weight
// above 0 takes all production traffic, and at weight 0 production answers 503 as before any deployment.
import { ensureRouter, runsVersion, startBackend, stopBackend } from './backends.mjs';
import { integerVariable, pause, requireVersion, run } from './run-env.mjs';
import { describePool, poolWeights, readState, recordAction, setPool, writeState } from './state.mjs';

const CANARY = 'canary';
const STABLE = 'stable';

export async function canaryDeploy() {
  const version = requireVersion();
  const state = readState();
  await ensureRouter(state);
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
  console.log(`canary ${version} started at weight 0 next to ${stable.map((name) => `${name} (${state.backends[name].version})`).join(', ') || 'nothing (first deployment)'}`);
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

export async function canaryPromote() {
  await pause('canary-promote');
  const state = readState();
  const planned = state.runs[run];
  const canary = state.backends[CANARY];
  if (!canary) {
    if (!planned?.promoted) throw new Error(`run ${run} has no canary to promote`);
  } else {
    setPool(state, { [CANARY]: 100 });
    writeState(state);
    for (const name of new Set([...Object.keys(planned?.stable ?? {}), STABLE])) await stopBackend(state, name);
    delete state.backends[CANARY];
    state.backends[STABLE] = { ...canary, weight: 100 };
    state.runs[run] = { ...planned, promoted: true };
    writeState(state);
  }
  recordAction(`canary-promote ${run} ${state.backends[STABLE].version}`);
  console.log(`promoted: ${state.backends[STABLE].version} is the stable backend and takes all production traffic`);
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
