// Feature flag: the new version is deployed dark (on the blue/green slot not serving) and takes all
// production traffic with its new behaviour off; flipping the flag (FLIGHTDECK_FLAG, default
// "new-release") turns that behaviour on or off at once, without a deployment.
import { ensureRouter, runsVersion, startBackend, waitFor } from './backends.mjs';
import { planSlot } from './blue-green.mjs';
import { pause, requireVersion, run } from './run-env.mjs';
import { readState, recordAction, setPool, slotPorts, writeState } from './state.mjs';

const flagName = () => process.env.FLIGHTDECK_FLAG || 'new-release';

/** Like deploy then switch (the old slot stays warm, so switch-back also works), with the flag off. */
export async function flagDeploy() {
  const version = requireVersion();
  const flag = flagName();
  const state = readState();
  await ensureRouter(state);
  const { target } = planSlot(state);
  writeState(state);
  const backend = state.backends[target];
  if (!(runsVersion(backend, version) && backend.flag === flag)) await startBackend(state, target, version, { port: slotPorts[target], flag });
  await waitFor(`http://127.0.0.1:${slotPorts[target]}/health`, `slot ${target}`);
  state.flags[flag] = false;
  state.idle = target;
  setPool(state, { [target]: 100 });
  writeState(state);
  await pause('flag-deploy');
  recordAction(`flag-deploy ${run} ${version} ${target} flag ${flag}`);
  console.log(`${version} is live on the ${target} slot, dark: flag "${flag}" is off`);
}

export async function flip(on) {
  const action = on ? 'flag-on' : 'flag-off';
  const flag = flagName();
  await pause(action);
  const state = readState();
  const refusing = Object.values(state.backends).find((backend) => backend.flag === flag && backend.weight > 0 && backend.version.includes('noflag'));
  if (on && refusing) throw new Error(`the flag service refused to turn "${flag}" on for ${refusing.version}`);
  state.flags[flag] = on;
  writeState(state);
  const behind = Object.values(state.backends)
    .filter((backend) => backend.flag === flag && backend.weight > 0)
    .map((backend) => backend.version);
  recordAction(`${action} ${run} ${flag}`);
  console.log(`flag "${flag}" is ${on ? 'on' : 'off'}${behind.length ? `: ${behind.join(', ')} ${on ? 'shows' : 'hides'} its new behaviour` : ''}`);
}
