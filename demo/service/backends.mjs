// The demo service's processes: the router and the app backends, started detached so they outlive
// the ctl.mjs command that started them.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { routerPort, stateDir, writeState } from './state.mjs';

const here = (name) => fileURLToPath(new URL(name, import.meta.url));
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A zombie counts as dead: kill(pid, 0) alone would say a killed, unreaped backend still runs. */
export function alive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true; // no /proc (not Linux): trust kill(pid, 0)
  }
}

/** The HTTP status `url` answers with, 0 when it does not answer. */
export async function answers(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).status;
  } catch {
    return 0;
  }
}

export async function waitFor(url, what, accept = (status) => status === 200) {
  for (let i = 0; i < 100; i++) {
    if (accept(await answers(url))) return;
    await sleep(100);
  }
  throw new Error(`${what} did not come up`);
}

function startDetached(args) {
  const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore', env: { ...process.env, DEMO_STATE_DIR: stateDir } });
  child.unref();
  return child.pid;
}

export async function ensureRouter(state) {
  if (alive(state.routerPid) && (await answers(`http://127.0.0.1:${routerPort}/_router/health`)) === 200) return;
  state.routerPid = startDetached([here('router.mjs')]);
  writeState(state);
  await waitFor(`http://127.0.0.1:${routerPort}/_router/health`, 'the router');
}

export function runsVersion(backend, version) {
  return Boolean(backend && backend.version === version && alive(backend.pid));
}

/** SIGTERM, then wait until it is gone, so a new backend can take its fixed port. */
async function stopProcess(pid) {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
}

export async function stopBackend(state, name) {
  const backend = state.backends[name];
  if (!backend) return;
  backend.weight = 0;
  writeState(state); // out of the pool before it dies, so the router sends it nothing more
  await stopProcess(backend.pid);
  delete state.backends[name];
  writeState(state);
}

/**
 * Runs `version` as backend `name` at weight 0, replacing whatever ran under that name, and resolves once
 * it answers HTTP at all (whether it is healthy is for the caller to check). The state is written as soon
 * as the process exists, so a ctl.mjs killed meanwhile leaves no process the next attempt cannot find.
 * Without a fixed `port` the app listens where the OS puts it and writes that port to ports/<its pid>.
 */
export async function startBackend(state, name, version, { port = 0, instance, flag } = {}) {
  await stopBackend(state, name);
  const args = [here('app.mjs'), String(port), version];
  if (instance !== undefined) args.push('--instance', String(instance));
  if (flag) args.push('--flag', flag);
  const pid = startDetached(args);
  const backend = { version, pid, port: port || null, weight: 0, ...(instance !== undefined && { instance }), ...(flag && { flag }) };
  state.backends[name] = backend;
  writeState(state);
  backend.port ||= await portOf(pid, name);
  writeState(state);
  await waitFor(`http://127.0.0.1:${backend.port}/health`, `${name} (${version})`, (status) => status > 0);
  return backend;
}

async function portOf(pid, name) {
  for (let i = 0; i < 100; i++) {
    let port = 0;
    try {
      port = Number(readFileSync(join(stateDir, 'ports', String(pid)), 'utf8'));
    } catch {}
    if (port > 0) return port;
    if (!alive(pid)) break;
    await sleep(100);
  }
  throw new Error(`${name} did not come up`);
}

export async function stopEverything(state) {
  await Promise.all([state.routerPid, ...Object.values(state.backends).map((backend) => backend.pid)].map(stopProcess));
}
