// Blue-green: two slots on fixed ports; a run deploys to the one not serving, then moves all traffic to it.
import { ensureRouter, runsVersion, startBackend, stopBackend, waitFor } from './backends.mjs';
import { pause, requireVersion, run } from './run-env.mjs';
import { poolWeights, readState, recordAction, setPool, slotPorts, writeState } from './state.mjs';

/**
 * The slot this run deploys to (the one not serving; chosen once per run), remembering the pool as it
 * was before the run so that switch-back can put it back.
 */
export function planSlot(state) {
  const planned = state.runs[run] ?? {};
  const target = planned.target ?? (state.backends.blue?.weight > 0 ? 'green' : 'blue');
  state.runs[run] = { ...planned, target, previous: planned.previous ?? poolWeights(state) };
  return state.runs[run];
}

export async function deploy() {
  const version = requireVersion();
  const state = readState();
  await ensureRouter(state);
  const { target } = planSlot(state);
  writeState(state);
  if (!runsVersion(state.backends[target], version)) await startBackend(state, target, version, { port: slotPorts[target] });
  state.idle = target;
  writeState(state);
  await waitFor(`http://127.0.0.1:${slotPorts[target]}/health`, `slot ${target}`);
  await pause('deploy');
  recordAction(`deploy ${run} ${version} ${target}`);
  console.log(`deployed ${version} to the ${target} slot (port ${slotPorts[target]})`);
}

export async function switchToTarget() {
  await pause('switch');
  const state = readState();
  const target = state.runs[run]?.target;
  if (!target) throw new Error(`run ${run} deployed nothing to switch`);
  setPool(state, { [target]: 100 });
  writeState(state);
  recordAction(`switch ${run} ${target}`);
  console.log(`production traffic → ${target} (${state.backends[target]?.version})`);
}

/** Puts back the pool as it was before the run (the old backends kept running at weight 0). */
export async function switchBack() {
  await pause('switch-back');
  const state = readState();
  const planned = state.runs[run];
  if (!planned) throw new Error(`run ${run} deployed nothing to switch`);
  setPool(state, planned.previous ?? {});
  writeState(state);
  const names = Object.keys(planned.previous ?? {}).filter((name) => state.backends[name]);
  recordAction(`switch-back ${run} ${names.join('+') || 'none'}`);
  console.log(
    names.length
      ? `production traffic → ${names.map((name) => `${name} (${state.backends[name].version})`).join(', ')}`
      : 'production traffic → none (there was no previous version)',
  );
}

/** After monitoring passed: stop the backends that served before this run (kept warm until now for a switch back). */
export async function retire() {
  await pause('retire');
  const state = readState();
  const planned = state.runs[run];
  if (!planned) throw new Error(`run ${run} deployed nothing to retire after`);
  const retired = Object.keys(planned.previous ?? {}).filter((name) => name !== planned.target && state.backends[name] && !(state.backends[name].weight > 0));
  for (const name of retired) await stopBackend(state, name);
  writeState(state);
  recordAction(`retire ${run} ${retired.join('+') || 'none'}`);
  console.log(retired.length ? `retired ${retired.join(', ')} (kept warm through monitoring)` : 'nothing to retire (there was no previous version)');
}
