// Shared state of the demo service, one JSON file read by the router on every request:
//   backends  every app process by name (blue, green, canary, stable, instance-<i>): version, pid, port,
//             weight (a relative share of production traffic; 0 = out of the pool), instance index, flag
//   idle      the blue/green slot that /_idle/* reaches      flags  feature flags by name (true = on)
//   runs      what each run (FLIGHTDECK_RUN_ID) needs to be idempotent and to undo itself
import { mkdirSync, readFileSync, renameSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';

export const stateDir = process.env.DEMO_STATE_DIR ?? '.flightdeck/demo';
export const routerPort = Number(process.env.DEMO_PORT ?? 4480);
/** Blue and green keep fixed ports; every other backend listens where the OS puts it (see backends.mjs). */
export const slotPorts = { blue: routerPort + 1, green: routerPort + 2 };

const file = join(stateDir, 'state.json');
export const emptyState = () => ({ routerPid: null, backends: {}, idle: null, flags: {}, runs: {} });

export function readState() {
  try {
    return { ...emptyState(), ...JSON.parse(readFileSync(file, 'utf8')) };
  } catch {
    return emptyState();
  }
}

export function writeState(state) {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}

/** The backends that get production traffic, heaviest first. */
export function livePool(state) {
  return Object.entries(state.backends)
    .filter(([, backend]) => backend.weight > 0)
    .map(([name, backend]) => ({ name, ...backend }))
    .sort((a, b) => b.weight - a.weight);
}

/** The pool as { name: weight }: what a run remembers to put back later. */
export function poolWeights(state) {
  return Object.fromEntries(livePool(state).map(({ name, weight }) => [name, weight]));
}

/** Makes `weights` the whole pool: every backend not named gets weight 0 (it keeps running). */
export function setPool(state, weights) {
  for (const [name, backend] of Object.entries(state.backends)) backend.weight = weights[name] ?? 0;
}

/** What production serves now: the heaviest live backend's version. */
export function liveVersion(state) {
  return livePool(state)[0]?.version ?? null;
}

export function describePool(state) {
  const pool = livePool(state);
  const total = pool.reduce((sum, { weight }) => sum + weight, 0);
  return pool.map(({ name, version, weight }) => `${name} ${version} (${Math.round((100 * weight) / total)}%)`).join(', ') || 'nothing';
}

/** Every completed action, one line each: tests read it to prove no completed step ran twice. */
export function recordAction(line) {
  mkdirSync(stateDir, { recursive: true });
  appendFileSync(join(stateDir, 'actions.log'), `${new Date().toISOString()} ${line}\n`);
}
