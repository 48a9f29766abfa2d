import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePortRun } from '../../src/services/ports.ts';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { PROJECT_ROOT, startRuntime, type Runtime } from '../../src/runtime.ts';
import { BOT_TOKEN, SIGNING_SECRET } from './slack-requests.ts';
import { vi } from 'vitest';
import type { Run } from '../../src/domain/run.ts';
import { TERMINAL_STATES } from '../../src/domain/run-types.ts';
import type { Db } from '../../src/store/db.ts';
import { findRunByKey } from '../../src/store/runs.ts';

export const quietLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/**
 * The demo service's own environment for one test file: three consecutive free ports (router, blue,
 * green) below Linux's ephemeral range, so no outgoing connection takes a slot's port, and a state folder.
 */
export async function demoServiceEnv(): Promise<{ DEMO_PORT: string; DEMO_STATE_DIR: string }> {
  return { DEMO_PORT: String(await freePortRun(3)), DEMO_STATE_DIR: mkdtempSync(join(tmpdir(), 'flightdeck-test-demo-')) };
}

export function stopDemoService(env: { DEMO_PORT: string; DEMO_STATE_DIR: string }): void {
  execFileSync(process.execPath, [join(PROJECT_ROOT, 'demo/service/ctl.mjs'), 'stop'], { env: { ...process.env, ...env }, stdio: 'ignore' });
}

export interface TestServices {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  slackApiUrl: string;
  /** Defaults to the shipped plans/. */
  plansDir?: string;
}

/** Environment variables for a Flightdeck process (in this process or a child) wired to the test's services. */
export function flightdeckEnv(services: TestServices, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: services.redisUrl,
    QUEUE_PREFIX: services.queuePrefix,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: services.slackApiUrl,
    PLANS_DIR: services.plansDir ?? join(PROJECT_ROOT, 'plans'),
    PORT: '0',
    WORKER_PORT: '0',
    // A test that stops a runtime with a job running waits this long, not production's 25 s (shutdown tests set their own).
    SHUTDOWN_GRACE_MS: '2000',
    RELAY_INTERVAL_MS: '50',
    // Every process opens its whole pool at start and keeps it; two test files at once, each with a few processes,
    // share one Postgres (max_connections 100).
    DATABASE_POOL_SIZE: '5',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...extra,
  };
}

export async function startFlightdeck(
  services: TestServices,
  roles: { http: boolean; worker: boolean },
  stepEnv: Record<string, string> = {},
  extra: Record<string, string> = {},
): Promise<Runtime> {
  const config = loadConfig(flightdeckEnv(services, extra));
  // The in-process server relays too (a test may look for a job in Redis with no worker running); `flightdeck serve` leaves it to the worker.
  return startRuntime({ config, log: quietLog, relay: true, ...roles, stepEnv: { ...process.env, ...stepEnv } });
}

/** Polls until `probe` returns something truthy and returns it; fails naming `what` after `timeoutMs`. */
export function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await probe();
      if (!value) throw new Error(`timed out waiting for ${what}`);
      return value;
    },
    { timeout: timeoutMs, interval: 50 },
  );
}

/** Polls until run `key` is in one of `states`; returns it. */
export function runReaching(db: Db, key: string, states: readonly string[], timeoutMs = 30_000): Promise<Run> {
  return waitFor(
    `${key} to reach ${states.join('/')}`,
    async () => {
      const run = await findRunByKey(db, key);
      return run && states.includes(run.state) && run;
    },
    timeoutMs,
  );
}

/** Polls until run `key` has ended, in any of the domain's terminal states (tests then say which one they expect); returns it. */
export function runEnded(db: Db, key: string, timeoutMs = 30_000): Promise<Run> {
  return runReaching(db, key, TERMINAL_STATES, timeoutMs);
}
