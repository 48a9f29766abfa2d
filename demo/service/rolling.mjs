// Rolling: N app processes (instance-0 … instance-N-1) share production traffic equally; a run replaces
// them batch by batch. FLIGHTDECK_BATCH_INSTANCES lists the batch's 0-based indexes ("0,1"),
// FLIGHTDECK_BATCH is its 1-based number, FLIGHTDECK_BATCHES the count, FLIGHTDECK_INSTANCES the total.
import { alive, answers, ensureRouter, runsVersion, sleep, startBackend, stopBackend } from './backends.mjs';
import { integerVariable, pause, previousVersion, requireVersion, run } from './run-env.mjs';
import { liveVersion, readState, recordAction, writeState } from './state.mjs';

const instanceName = (index) => `instance-${index}`;
const isInstance = (backend) => backend.instance !== undefined;

function batchOfThisStep() {
  const instances = integerVariable('FLIGHTDECK_INSTANCES', 1, 100);
  const listed = (process.env.FLIGHTDECK_BATCH_INSTANCES ?? '').split(',').filter((part) => part.trim() !== '');
  const indexes = listed.map(Number);
  if (!indexes.length || indexes.some((index) => !Number.isInteger(index) || index < 0 || index >= instances)) {
    throw new Error(`FLIGHTDECK_BATCH_INSTANCES must list instance indexes from 0 to ${instances - 1}, not "${process.env.FLIGHTDECK_BATCH_INSTANCES ?? ''}"`);
  }
  const batch = process.env.FLIGHTDECK_BATCH ? `${process.env.FLIGHTDECK_BATCH}/${process.env.FLIGHTDECK_BATCHES ?? '?'}` : '?';
  return { instances, indexes, batch };
}

/** What each instance ran before this run ({ index: version, or null if it did not exist }), for rolling-undo. */
function memoryOf(state) {
  state.runs[run] ??= {};
  return (state.runs[run].before ??= {});
}

/**
 * When production is not served by instances yet (a first deployment, or another strategy deployed last),
 * the instances take over: those outside this batch run what is live now, or are left to their own batch
 * when nothing is, and the old backends leave the pool (they keep running at weight 0).
 */
async function takeOver(state, instances, indexes) {
  const current = liveVersion(state) ?? previousVersion;
  const before = memoryOf(state);
  for (let index = 0; index < instances; index++) {
    const name = instanceName(index);
    if (indexes.includes(index)) {
      if (!(index in before)) before[index] = current;
    } else if (!current) {
      await stopBackend(state, name);
    } else if (!runsVersion(state.backends[name], current)) {
      await startBackend(state, name, current, { instance: index });
    }
  }
  for (const backend of Object.values(state.backends))
    backend.weight = isInstance(backend) && !indexes.includes(backend.instance) && alive(backend.pid) ? 1 : 0;
  writeState(state);
}

export async function rollingDeploy() {
  const version = requireVersion();
  const { instances, indexes, batch } = batchOfThisStep();
  const state = readState();
  await ensureRouter(state);
  for (const [name, backend] of Object.entries(state.backends)) if (isInstance(backend) && backend.instance >= instances) await stopBackend(state, name);
  const servedByInstances = Object.values(state.backends).some((backend) => isInstance(backend) && backend.weight > 0);
  if (!servedByInstances) await takeOver(state, instances, indexes);
  const before = memoryOf(state);
  for (const index of indexes) {
    const name = instanceName(index);
    if (!(index in before)) before[index] = state.backends[name]?.version ?? null;
    writeState(state);
    if (!runsVersion(state.backends[name], version)) await startBackend(state, name, version, { instance: index });
    state.backends[name].weight = 1;
    writeState(state);
  }
  await pause('rolling-deploy');
  recordAction(`rolling-deploy ${run} batch ${batch} ${version} instances ${indexes.join(',')}`);
  console.log(`batch ${batch}: ${version} runs on instance${indexes.length > 1 ? 's' : ''} ${indexes.join(', ')} of ${instances}`);
}

async function healthOf(port) {
  let status = 0;
  for (let attempt = 0; attempt < 3 && status !== 200; attempt++) {
    if (attempt) await sleep(200);
    status = await answers(`http://127.0.0.1:${port}/health`);
  }
  return status;
}

/** Checks the batch's instances directly (not through the router): running, on this version, healthy. */
export async function rollingCheck() {
  const version = requireVersion();
  const { indexes, batch } = batchOfThisStep();
  await pause('rolling-check');
  const state = readState();
  for (const index of indexes) {
    const backend = state.backends[instanceName(index)];
    let problem = null;
    if (!backend || !alive(backend.pid)) problem = `instance ${index} is not running`;
    else if (backend.version !== version) problem = `instance ${index} runs ${backend.version}, not ${version}`;
    else {
      const status = await healthOf(backend.port);
      if (status !== 200) problem = `instance ${index} (${version}) failed its health check: ${status ? `HTTP ${status}` : 'no answer'}`;
    }
    if (problem) {
      recordAction(`rolling-check ${run} batch ${batch} failed: ${problem}`);
      throw new Error(problem);
    }
  }
  recordAction(`rolling-check ${run} batch ${batch} ok`);
  console.log(`batch ${batch}: instance${indexes.length > 1 ? 's' : ''} ${indexes.join(', ')} healthy on ${version}`);
}

/**
 * Puts back on the batch's instances what they ran before this run. An instance this run has no memory of
 * gets FLIGHTDECK_PREVIOUS_VERSION if it runs this run's version, and is left alone otherwise; an instance
 * that did not exist before the run (and with no previous version to run) is removed.
 */
export async function rollingUndo() {
  const version = requireVersion();
  const { indexes, batch } = batchOfThisStep();
  await pause('rolling-undo');
  const state = readState();
  const before = state.runs[run]?.before ?? {};
  const restored = [];
  for (const index of indexes) {
    const name = instanceName(index);
    const backend = state.backends[name];
    if (!(index in before) && backend?.version !== version) continue;
    const wanted = (index in before ? before[index] : null) ?? previousVersion;
    if (!wanted) {
      await stopBackend(state, name);
      restored.push(`instance ${index} removed`);
      continue;
    }
    if (!runsVersion(backend, wanted)) await startBackend(state, name, wanted, { instance: index });
    state.backends[name].weight = 1;
    writeState(state);
    restored.push(`instance ${index} → ${wanted}`);
  }
  recordAction(`rolling-undo ${run} batch ${batch} ${restored.join(', ') || 'nothing to undo'}`);
  console.log(`batch ${batch}: ${restored.join(', ') || `nothing to undo (no instance of the batch runs ${version})`}`);
}
