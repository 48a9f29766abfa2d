// Shared state of the demo service: which slot is live, what runs where. One JSON file.
import { mkdirSync, readFileSync, renameSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';

export const stateDir = process.env.DEMO_STATE_DIR ?? '.flightdeck/demo';
export const routerPort = Number(process.env.DEMO_PORT ?? 4480);
export const slotPorts = { blue: routerPort + 1, green: routerPort + 2 };

const file = join(stateDir, 'state.json');

export function readState() {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { live: null, slots: {}, runs: {}, routerPid: null };
  }
}

export function writeState(state) {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}

/** Every completed action, one line each: tests read it to prove no completed step ran twice. */
export function recordAction(line) {
  mkdirSync(stateDir, { recursive: true });
  appendFileSync(join(stateDir, 'actions.log'), `${new Date().toISOString()} ${line}\n`);
}
