import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { TERMINAL_STATES } from '../src/domain/run-types.ts';
import { PROJECT_ROOT } from '../src/runtime.ts';
import { freePort } from '../src/services/ports.ts';

/**
 * The real processes a benchmark measures: a fresh Postgres database, Flightdeck `serve` and `worker`
 * (each its own Node process, as deployed), a bare Bolt app, and a stand-in for Slack's Web API that
 * answers at once. Every part is stopped by `stop()`.
 */

export const SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';
export const BENCH_USER = { id: 'U0BENCHALICE', name: 'alice' };
export const BENCH_APPROVER = { id: 'U0BENCHBOB', name: 'bob' };

export interface Stack {
  databaseUrl: string;
  db: pg.Pool;
  servePort: number;
  barePort: number;
  /** The bare app's durable-inbox variant (StackOptions.inbox), or null. */
  inboxPort: number | null;
  /** The worker's own listener (/health, /metrics: its memory, its check lateness histogram). */
  workerPort: number;
  services: string[];
  /**
   * CPU time (user + system, ms) each process has used so far; `postgres` and `redis`: every process of the machine by
   * that name (all databases: the bench is meant to run alone), `machine`: all of it, busy (the load generator too).
   */
  cpuMs(): { serve: number; worker: number; bare: number; postgres: number; redis: number; machine: number };
  /** Stops the worker process in its tracks (SIGSTOP) or lets it go on (SIGCONT): what the ack costs with no worker beside it. */
  pauseWorker(paused: boolean): void;
  /** Starts (or restarts) the worker process; `stopWorker` ends it. */
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

/** What every bench plan of one service opens with: its people (alice starts, bob approves and is on call) and the production channel. */
export function benchPlanHead(service: string): string {
  return `service: ${service}
versionPattern: '^\\d+\\.\\d+\\.\\d+$'
defaultEnvironment: production
people:
  alice: { slack: ${BENCH_USER.id} }
  bob: { slack: ${BENCH_APPROVER.id} }
approvers: [bob]
onCall: [bob]
environments:
  production:
    channel: { slack: C0BENCH }
`;
}

/** A plan per service: no pre-checks, a Go/No-Go, so a started run waits for a decision (blue-green steps that run only after GO). */
export function benchPlan(service: string): string {
  return `${benchPlanHead(service)}    strategy:
      kind: blue-green
      deployIdle: { name: Deploy, run: [node, demo/service/ctl.mjs, deploy], timeout: 60s }
      checkIdle: { name: Check, http: { url: 'http://127.0.0.1:9/health', timeout: 1s }, attempts: 1, interval: 100ms }
      switch: { name: Switch, run: [node, demo/service/ctl.mjs, switch], timeout: 10s }
      switchBack: { name: Switch back, run: [node, demo/service/ctl.mjs, switch-back], timeout: 10s }
`;
}

/** Slack's Web API as the worker sees it: every call answered ok at once, nothing recorded. */
export async function slackStandIn(): Promise<{ url: string; server: Server }> {
  let ts = 1;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true, channel: 'C0BENCH', ts: `1700000000.${String(ts++).padStart(6, '0')}`, view: { id: 'V0BENCH' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/`, server };
}

function child(name: string, args: string[], env: Record<string, string>): ChildProcess {
  const process_ = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  process_.stderr!.on('data', (chunk: Buffer) => {
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${chunk}`);
  });
  return process_;
}

/** utime + stime of a process from /proc (Linux), in ms; 0 where /proc is not there. */
/** CPU of the machine's Postgres and Redis processes, and of the whole machine (busy: all but idle and iowait), in ms. */
function sharedCpuMs(): { postgres: number; redis: number; machine: number } {
  const shared = { postgres: 0, redis: 0, machine: 0 };
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const which = name === 'postgres' ? 'postgres' : name.startsWith('redis-server') ? 'redis' : null;
      if (!which) continue;
      // With its children's: a backend that ended is counted in the postmaster's (which reaped it), so the sum never goes back.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      shared[which] += ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1_000) / 100;
    } catch {
      // The process ended while the list was read.
    }
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  shared.machine = ((cpu.reduce((sum, ticks) => sum + ticks, 0) - cpu[3]! - cpu[4]!) * 1_000) / 100;
  return shared;
}

function cpuOf(process_: ChildProcess | null): number {
  if (!process_?.pid) return 0;
  try {
    const fields = readFileSync(`/proc/${process_.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000) / 100; // clock ticks of 1/100 s
  } catch {
    return 0;
  }
}

async function ready(port: number, what: string, process_: ChildProcess, timeoutMs = 180_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (process_.exitCode !== null) throw new Error(`${what} exited (${process_.exitCode}); BENCH_VERBOSE=1 shows its log`);
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not become ready on port ${port}`);
}

async function ended(process_: ChildProcess | null): Promise<void> {
  if (!process_ || process_.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => process_.once('exit', () => resolve()));
  process_.kill('SIGTERM');
  const timer = setTimeout(() => process_.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface StackOptions {
  services: number;
  env?: Record<string, string>;
  /** The plan written for each service (default: benchPlan). */
  plan?: (service: string) => string;
  /** The baseline app beside Flightdeck: a script run with tsx as `<script> <port> <signing secret>` (default: the bare Bolt app). */
  bare?: string;
  /** The bare Bolt app also serves its durable-inbox variant, on `inboxPort` (bench/bare-bolt.ts). */
  inbox?: boolean;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const admin = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `bench_${process.pid}_${Date.now()}`;
  const adminPool = new pg.Pool({ connectionString: admin, max: 1 });
  await adminPool.query(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();

  const plansDir = mkdtempSync(join(tmpdir(), 'flightdeck-bench-plans-'));
  const services = Array.from({ length: options.services }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
  for (const service of services) writeFileSync(join(plansDir, `${service}.yaml`), (options.plan ?? benchPlan)(service));
  const slack = await slackStandIn();
  const [servePort, barePort, workerPort, inboxPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env = {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: name,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_API_URL: slack.url,
    PLANS_DIR: plansDir,
    WORKER_PORT: String(workerPort),
    LOG_LEVEL: process.env.BENCH_VERBOSE ? 'info' : 'warn',
    ...options.env,
  };
  const migrate = child('migrate', ['bin/flightdeck.js', 'migrate'], env);
  await new Promise((resolve) => migrate.once('exit', resolve));
  // BENCH_PROFILE=<dir>: serve and the worker write V8 CPU profiles there when they stop.
  const profile = (role: string) => (process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}/${role}`] : []);
  const serve = child('serve', [...profile('serve'), 'bin/flightdeck.js', 'serve'], { ...env, PORT: String(servePort) });
  const bareScript = options.bare ?? 'bench/bare-bolt.ts';
  const inboxArgs = options.inbox ? [String(inboxPort), databaseUrl] : [];
  const bare = child('bare', ['--import', 'tsx', bareScript, String(barePort), SIGNING_SECRET, ...inboxArgs], {});
  let worker: ChildProcess | null = null;
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const stack: Stack = {
    databaseUrl,
    db,
    servePort,
    barePort,
    inboxPort: options.inbox ? inboxPort : null,
    workerPort,
    services,
    pauseWorker(paused: boolean) {
      if (worker?.pid && worker.exitCode === null) process.kill(worker.pid, paused ? 'SIGSTOP' : 'SIGCONT');
    },
    cpuMs: () => ({ serve: cpuOf(serve), worker: cpuOf(worker), bare: cpuOf(bare), ...sharedCpuMs() }),
    async startWorker() {
      await ended(worker);
      // Its own probe port: the default (3001) may be taken by another stack on the machine, and the worker would exit.
      worker = child('worker', [...profile('worker'), 'bin/flightdeck.js', 'worker'], { ...env, WORKER_PORT: String(workerPort) });
      // BENCH_WORKER_NICE=10: the worker yields the cores to serve (as separate pods' CPU shares would), to see what that buys the ack.
      if (process.env.BENCH_WORKER_NICE) setPriority(worker.pid!, Number(process.env.BENCH_WORKER_NICE));
      await ready(workerPort, 'flightdeck worker', worker);
    },
    async stopWorker() {
      await ended(worker);
      worker = null;
    },
    async stop() {
      await Promise.all([ended(worker), ended(serve), ended(bare)]);
      await db.end();
      await new Promise<void>((resolve) => {
        slack.server.close(() => resolve());
        slack.server.closeAllConnections();
      });
      await adminPool.query(`drop database if exists ${name} with (force)`).catch(() => {});
      await adminPool.end();
      rmSync(plansDir, { recursive: true, force: true });
    },
  };
  try {
    await stack.startWorker();
    await Promise.all([
      ready(servePort, 'flightdeck serve', serve),
      ready(barePort, bareScript, bare),
      ...(options.inbox ? [ready(inboxPort, `${bareScript} (inbox)`, bare)] : []),
    ]);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

/** Ends every active run (as a cancel would, without the chat) so the next phase's starts create runs again. */
export async function freeTargets(stack: Stack): Promise<void> {
  await stack.db.query(`update runs set state = 'cancelled', snapshot = jsonb_set(snapshot, '{state}', '"cancelled"') where state <> all($1::text[])`, [
    TERMINAL_STATES,
  ]);
}

/**
 * Waits until the last phase's work is done, so it does not run into the next one: the outbox relayed and
 * serve and the worker quiet (under 5 % of a core over half a second), at most `timeoutMs`.
 */
export async function settle(stack: Stack, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const { rows } = await stack.db.query<{ n: string }>('select count(*) as n from outbox where relayed_at is null');
    const before = stack.cpuMs();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = stack.cpuMs();
    const busy = after.serve - before.serve + (after.worker - before.worker) + (after.bare - before.bare);
    if (rows[0]!.n === '0' && busy < 25) return;
  }
}
