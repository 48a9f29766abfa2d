#!/usr/bin/env node
// Deploy tool of the demo service, called by the demo plans as real commands. A router (router.mjs, on
// DEMO_PORT) serves production traffic from a pool of app processes (app.mjs) with relative weights;
// the state lives in DEMO_STATE_DIR (state.json, and actions.log: one line per completed action).
//
// Every command gets FLIGHTDECK_RUN_ID, FLIGHTDECK_RUN_KEY, FLIGHTDECK_SERVICE, FLIGHTDECK_VERSION,
// FLIGHTDECK_ENVIRONMENT and FLIGHTDECK_PREVIOUS_VERSION (what the last successful run deployed; may be
// empty). Every action is idempotent per run (FLIGHTDECK_RUN_ID), so a step re-run after a crash is safe,
// and DEMO_<ACTION>_DELAY_MS (e.g. DEMO_CANARY_WEIGHT_DELAY_MS) pauses it, so tests can kill a worker mid-step.
//
// Blue-green (two slots, blue and green, on DEMO_PORT+1 and +2; /_idle/* reaches the slot being deployed)
//   deploy          start FLIGHTDECK_VERSION on the slot not serving (the router is started if needed)
//   switch          send all production traffic to this run's slot
//   switch-back     put back the pool that served before this run
//   retire          after monitoring: stop what served before this run (kept warm until then)
// Rolling (instance-0 … instance-N-1, equal shares; FLIGHTDECK_INSTANCES = N, FLIGHTDECK_BATCH_INSTANCES =
// the batch's 0-based indexes, e.g. "2,3", FLIGHTDECK_BATCH / FLIGHTDECK_BATCHES = batch number / count)
//   rolling-deploy  run FLIGHTDECK_VERSION on the batch's instances (creating missing ones); when other
//                   backends served production until now, the other instances start on the live version
//   rolling-check   health-check the batch's instances directly; exit 1 naming the first that fails
//   rolling-undo    put back on the batch's instances what they ran before this run
//                   (fallback FLIGHTDECK_PREVIOUS_VERSION; an instance with nothing to go back to is removed)
// Canary (backend "canary" next to the stable pool; /_canary/* reaches it outside production traffic)
//   canary-deploy   start FLIGHTDECK_VERSION as the canary at weight 0
//   canary-weight   canary gets FLIGHTDECK_WEIGHT (0–100), the stable pool the rest. On a first deployment
//                   there is no stable pool: any weight above 0 sends the canary all traffic
//   canary-promote  the canary gets all traffic; the old stable pool keeps running at weight 0
//   canary-abort    traffic back to the stable pool as it was before the run, canary stopped (the rollback,
//                   before or after promotion)
//   canary-retire   after monitoring: the old pool is stopped, the canary becomes backend "stable"
// Feature flag (flag name FLIGHTDECK_FLAG, default "new-release")
//   flag-deploy     deploy FLIGHTDECK_VERSION dark on the slot not serving and send it all production
//                   traffic: what its name makes it do ("broken", "errors", …) shows only while the flag is on
//   flag-on | flag-off   (flag-on is refused for a version named "noflag": the flag service says no)
//   switch-back     also takes a flag run's dark build out of production: the previous version back
// Any strategy
//   preflight       check the toolchain and report what is live
//   status [--json] show the pool;  stop: stop every process and forget the state
// What a version's name makes the app do ("broken", "errors", "slow", "breaks-at-N") is in app.mjs.
import { alive, stopEverything } from './backends.mjs';
import { deploy, retire, switchBack, switchToTarget } from './blue-green.mjs';
import { canaryAbort, canaryDeploy, canaryPromote, canaryRetire, canaryWeight } from './canary.mjs';
import { flagDeploy, flip } from './flags.mjs';
import { rollingCheck, rollingDeploy, rollingUndo } from './rolling.mjs';
import { describePool, emptyState, readState, routerPort, writeState } from './state.mjs';

function preflight() {
  const pool = describePool(readState());
  console.log(`demo toolchain ready; ${pool === 'nothing' ? 'nothing is live yet (first deployment)' : `live: ${pool}`}`);
}

function status(json) {
  const state = readState();
  if (json) return console.log(JSON.stringify(state, null, 2));
  const total = Object.values(state.backends).reduce((sum, { weight }) => sum + weight, 0);
  console.log(`router :${routerPort} ${alive(state.routerPid) ? 'up' : 'down'}`);
  const byName = Object.entries(state.backends).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  for (const [name, backend] of byName) {
    const share = backend.weight > 0 ? `${Math.round((100 * backend.weight) / total)}% of traffic` : 'no traffic';
    const flag = backend.flag ? `, dark behind flag ${backend.flag} (${state.flags[backend.flag] ? 'on' : 'off'})` : '';
    console.log(`${name.padEnd(11)} ${backend.version} on :${backend.port} ${alive(backend.pid) ? 'up' : 'DOWN'}, ${share}${flag}`);
  }
  if (!Object.keys(state.backends).length) console.log('no backends');
}

async function stop() {
  await stopEverything(readState());
  writeState(emptyState());
  console.log('demo service stopped');
}

const actions = {
  deploy,
  switch: switchToTarget,
  'switch-back': switchBack,
  retire,
  'rolling-deploy': rollingDeploy,
  'rolling-check': rollingCheck,
  'rolling-undo': rollingUndo,
  'canary-deploy': canaryDeploy,
  'canary-weight': canaryWeight,
  'canary-promote': canaryPromote,
  'canary-abort': canaryAbort,
  'canary-retire': canaryRetire,
  'flag-deploy': flagDeploy,
  'flag-on': () => flip(true),
  'flag-off': () => flip(false),
  preflight,
  status: () => status(process.argv.includes('--json')),
  stop,
};

const action = actions[process.argv[2]];
try {
  if (!action) throw new Error(`unknown action "${process.argv[2] ?? ''}"; use ${Object.keys(actions).join(', ')}`);
  await action();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
