#!/usr/bin/env node
// Deploy tool of the demo service, called by plans/demo.yaml as real commands:
//   ctl.mjs deploy       start FLIGHTDECK_VERSION on the idle slot (the router is started if needed)
//   ctl.mjs switch       send production traffic to this run's slot
//   ctl.mjs switch-back  send it back to the slot that was live before this run
//   ctl.mjs preflight    checks the toolchain and reports what is live
//   ctl.mjs status | stop
// Every action is idempotent per run (FLIGHTDECK_RUN_ID), so a step re-run after a crash is safe.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readState, recordAction, routerPort, slotPorts, stateDir, writeState } from './state.mjs';

const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const run = process.env.FLIGHTDECK_RUN_ID ?? 'manual';
const version = process.env.FLIGHTDECK_VERSION;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const alive = (pid) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function answers(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(500) })).status;
  } catch {
    return 0;
  }
}

async function waitFor(url, what) {
  for (let i = 0; i < 100; i++) {
    if ((await answers(url)) === 200) return;
    await sleep(100);
  }
  throw new Error(`${what} did not come up`);
}

function startDetached(args) {
  const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore', env: { ...process.env, DEMO_STATE_DIR: stateDir } });
  child.unref();
  return child.pid;
}

async function ensureRouter(state) {
  if (alive(state.routerPid) && (await answers(`http://127.0.0.1:${routerPort}/_router/health`)) === 200) return;
  state.routerPid = startDetached([here('router.mjs')]);
  writeState(state);
  await waitFor(`http://127.0.0.1:${routerPort}/_router/health`, 'the router');
}

async function deploy() {
  if (!version) throw new Error('FLIGHTDECK_VERSION is not set');
  const state = readState();
  await ensureRouter(state);
  const planned = state.runs[run];
  const target = planned?.target ?? (state.live === 'blue' ? 'green' : 'blue');
  state.runs[run] = { target, previous: planned?.previous ?? state.live };
  const slot = state.slots[target];
  if (!(slot && slot.version === version && alive(slot.pid))) {
    if (slot && alive(slot.pid)) process.kill(slot.pid, 'SIGTERM');
    state.slots[target] = { version, pid: startDetached([here('app.mjs'), String(slotPorts[target]), version]) };
  }
  state.idle = target;
  writeState(state);
  await waitFor(`http://127.0.0.1:${slotPorts[target]}/health`, `slot ${target}`);
  await pause('deploy');
  recordAction(`deploy ${run} ${version} ${target}`);
  console.log(`deployed ${version} to the ${target} slot (port ${slotPorts[target]})`);
}

/** Lets tests kill the worker while a step is running: DEMO_DEPLOY_DELAY_MS, DEMO_SWITCH_BACK_DELAY_MS, … */
async function pause(action) {
  await sleep(Number(process.env[`DEMO_${action.toUpperCase().replace(/-/g, '_')}_DELAY_MS`] ?? 0));
}

async function switchTo(which) {
  await pause(which === 'target' ? 'switch' : 'switch-back');
  const state = readState();
  const planned = state.runs[run];
  if (!planned) throw new Error(`run ${run} deployed nothing to switch`);
  const slot = which === 'target' ? planned.target : planned.previous;
  state.live = slot;
  writeState(state);
  recordAction(`${which === 'target' ? 'switch' : 'switch-back'} ${run} ${slot ?? 'none'}`);
  console.log(slot ? `production traffic → ${slot} (${state.slots[slot]?.version})` : 'production traffic → none (there was no previous version)');
}

function preflight() {
  const state = readState();
  const live = state.live ? `${state.live} slot runs ${state.slots[state.live]?.version}` : 'nothing is live yet (first deployment)';
  console.log(`demo toolchain ready; ${live}`);
}

function stop() {
  const state = readState();
  for (const pid of [state.routerPid, ...Object.values(state.slots).map((slot) => slot.pid)]) {
    if (alive(pid)) process.kill(pid, 'SIGTERM');
  }
  writeState({ live: null, slots: {}, runs: {}, routerPid: null });
  console.log('demo service stopped');
}

const action = process.argv[2];
try {
  if (action === 'deploy') await deploy();
  else if (action === 'switch') await switchTo('target');
  else if (action === 'switch-back') await switchTo('previous');
  else if (action === 'preflight') preflight();
  else if (action === 'status') console.log(JSON.stringify(readState(), null, 2));
  else if (action === 'stop') stop();
  else throw new Error(`unknown action "${action}"; use deploy, switch, switch-back, status or stop`);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
