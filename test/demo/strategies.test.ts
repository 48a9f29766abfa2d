import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { demoServiceEnv, stopDemoService, waitFor } from '../support/flightdeck.ts';

/** The demo service's four strategies, driven the way plans drive them: ctl.mjs as real child processes. */

type DemoEnv = Awaited<ReturnType<typeof demoServiceEnv>>;
type Backend = { version: string; pid: number; port: number; weight: number };
type Outcome = { code: number; stdout: string; stderr: string };

const CTL = join(PROJECT_ROOT, 'demo/service/ctl.mjs');

function ctlEnv(demo: DemoEnv, run: string, version: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('FLIGHTDECK_') && !name.startsWith('DEMO_')));
  return {
    ...inherited,
    ...demo,
    FLIGHTDECK_RUN_ID: run,
    FLIGHTDECK_RUN_KEY: run,
    FLIGHTDECK_SERVICE: 'demo',
    FLIGHTDECK_ENVIRONMENT: 'production',
    FLIGHTDECK_VERSION: version,
    FLIGHTDECK_PREVIOUS_VERSION: '',
    ...extra,
  };
}

function ctl(demo: DemoEnv, action: string, run: string, version: string, extra: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CTL, action], { env: ctlEnv(demo, run, version, extra), timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Runs an action that must succeed; its output otherwise makes the failure readable. */
async function ok(demo: DemoEnv, action: string, run: string, version: string, extra: Record<string, string> = {}): Promise<string> {
  const outcome = await ctl(demo, action, run, version, extra);
  expect(outcome, `${action} for ${run}`).toMatchObject({ code: 0 });
  return outcome.stdout;
}

const stateOf = (demo: DemoEnv): { backends: Record<string, Backend> } => JSON.parse(readFileSync(join(demo.DEMO_STATE_DIR, 'state.json'), 'utf8'));
const actionsOf = (demo: DemoEnv): string[] => readFileSync(join(demo.DEMO_STATE_DIR, 'actions.log'), 'utf8').trim().split('\n');
const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
};

/** `count` production requests through the router: how many each backend served, and the statuses seen. */
async function traffic(demo: DemoEnv, path: string, count: number) {
  const backends: Record<string, number> = {};
  const statuses = new Set<number>();
  for (let i = 0; i < count; i++) {
    const answer = await fetch(`http://127.0.0.1:${demo.DEMO_PORT}${path}`);
    await answer.text();
    statuses.add(answer.status);
    const backend = answer.headers.get('x-demo-backend') ?? 'none';
    backends[backend] = (backends[backend] ?? 0) + 1;
  }
  return { backends, statuses: [...statuses].sort() };
}

/** The router's /metrics as { 'demo_error_ratio{backend="canary"}': 0.2, … } (the version label left out). */
async function metrics(demo: DemoEnv): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${demo.DEMO_PORT}/metrics`)).text();
  const samples = text.split('\n').filter((line) => line && !line.startsWith('#'));
  return Object.fromEntries(
    samples.map((line) => {
      const [, name, backend, value] = /^(\w+)\{.*backend="([^"]+)".*\} (\S+)$/.exec(line) ?? [];
      return [`${name}{backend="${backend}"}`, Number(value)];
    }),
  );
}

async function directly(port: number, path: string) {
  const answer = await fetch(`http://127.0.0.1:${port}${path}`);
  return { http: answer.status, version: ((await answer.json()) as { version: string }).version };
}

const batches = [
  { FLIGHTDECK_BATCH: '1', FLIGHTDECK_BATCH_INSTANCES: '0' },
  { FLIGHTDECK_BATCH: '2', FLIGHTDECK_BATCH_INSTANCES: '1' },
  { FLIGHTDECK_BATCH: '3', FLIGHTDECK_BATCH_INSTANCES: '2,3' },
];
const rolling = (batch: (typeof batches)[number], previous = '') => ({
  ...batch,
  FLIGHTDECK_BATCHES: '3',
  FLIGHTDECK_INSTANCES: '4',
  FLIGHTDECK_PREVIOUS_VERSION: previous,
});

describe('rolling', () => {
  let demo: DemoEnv;
  beforeAll(async () => void (demo = await demoServiceEnv()));
  afterAll(() => stopDemoService(demo));

  it('a first deployment creates the instances batch by batch, and they share production traffic', async () => {
    await ok(demo, 'rolling-deploy', 'run-1', '1.0.0', rolling(batches[0]!));
    expect(Object.keys(stateOf(demo).backends)).toEqual(['instance-0']); // the others wait for their batch
    expect((await traffic(demo, '/health', 10)).backends).toEqual({ 'instance-0': 10 });
    await ok(demo, 'rolling-check', 'run-1', '1.0.0', rolling(batches[0]!));
    for (const batch of batches.slice(1)) {
      await ok(demo, 'rolling-deploy', 'run-1', '1.0.0', rolling(batch));
      await ok(demo, 'rolling-check', 'run-1', '1.0.0', rolling(batch));
    }
    const served = await traffic(demo, '/health', 120);
    expect(served.statuses).toEqual([200]);
    expect(Object.keys(served.backends).sort()).toEqual(['instance-0', 'instance-1', 'instance-2', 'instance-3']);
    expect(await ok(demo, 'status', 'run-1', '1.0.0')).toMatch(/instance-3 +1\.0\.0 on :\d+ up, 25% of traffic/);
  });

  it('re-running a batch after a crash changes nothing: the instance is not restarted', async () => {
    const before = stateOf(demo).backends['instance-0']!.pid;
    await ok(demo, 'rolling-deploy', 'run-1', '1.0.0', rolling(batches[0]!));
    expect(stateOf(demo).backends['instance-0']!.pid).toBe(before);
  });

  it('breaks-at-2 passes the checks of the batches before instance 2, fails the one containing it, and rolling-undo puts 1.0.0 back', async () => {
    const version = '1.1.0-breaks-at-2';
    for (const batch of batches.slice(0, 2)) {
      await ok(demo, 'rolling-deploy', 'run-2', version, rolling(batch, '1.0.0'));
      await ok(demo, 'rolling-check', 'run-2', version, rolling(batch, '1.0.0'));
    }
    await ok(demo, 'rolling-deploy', 'run-2', version, rolling(batches[2]!, '1.0.0'));
    const check = await ctl(demo, 'rolling-check', 'run-2', version, rolling(batches[2]!, '1.0.0'));
    expect(check.code).toBe(1);
    expect(check.stderr.trim()).toBe('instance 2 (1.1.0-breaks-at-2) failed its health check: HTTP 500');
    expect((await traffic(demo, '/health', 120)).statuses).toEqual([200, 500]); // half the instances fail

    for (const batch of [...batches].reverse()) await ok(demo, 'rolling-undo', 'run-2', version, rolling(batch, '1.0.0'));
    const { backends } = stateOf(demo);
    for (const index of [0, 1, 2, 3]) {
      expect(await directly(backends[`instance-${index}`]!.port, '/health')).toEqual({ http: 200, version: '1.0.0' });
    }
    expect((await traffic(demo, '/health', 60)).statuses).toEqual([200]);
    expect(actionsOf(demo).filter((line) => line.includes('rolling-undo run-2'))).toHaveLength(3);
  });

  it('rolling-undo leaves alone an instance this run never touched', async () => {
    const { backends } = stateOf(demo);
    await ok(demo, 'rolling-undo', 'run-3', '1.2.0', rolling(batches[0]!, '0.9.0'));
    expect(stateOf(demo).backends['instance-0']).toEqual(backends['instance-0']);
  });

  it('a step killed while it pauses (DEMO_ROLLING_DEPLOY_DELAY_MS) is logged once, after the re-run, which restarts nothing', async () => {
    const extra = { ...rolling(batches[0]!, '1.0.0'), DEMO_ROLLING_DEPLOY_DELAY_MS: '60000' };
    const child = spawn(process.execPath, [CTL, 'rolling-deploy'], { env: ctlEnv(demo, 'run-4', '1.3.0', extra), stdio: 'ignore' });
    const started = await waitFor('instance 0 to run 1.3.0', async () => {
      const backend = stateOf(demo).backends['instance-0'];
      return backend?.version === '1.3.0' && backend.weight > 0 && backend;
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(actionsOf(demo).filter((line) => line.includes('rolling-deploy run-4'))).toEqual([]);

    await ok(demo, 'rolling-deploy', 'run-4', '1.3.0', rolling(batches[0]!, '1.0.0'));
    expect(stateOf(demo).backends['instance-0']!.pid).toBe(started.pid);
    expect(actionsOf(demo).filter((line) => line.includes('rolling-deploy run-4'))).toHaveLength(1);
    await ok(demo, 'rolling-undo', 'run-4', '1.3.0', rolling(batches[0]!, '1.0.0'));
    expect(stateOf(demo).backends['instance-0']!.version).toBe('1.0.0');
  });
});

describe('rolling over another strategy, and undoing a first deployment', () => {
  let demo: DemoEnv;
  beforeAll(async () => void (demo = await demoServiceEnv()));
  afterAll(() => stopDemoService(demo));

  it('undoing the first batch of a first deployment removes the instances it created', async () => {
    const batch = { FLIGHTDECK_BATCH: '1', FLIGHTDECK_BATCHES: '2', FLIGHTDECK_INSTANCES: '3', FLIGHTDECK_BATCH_INSTANCES: '0,1' };
    await ok(demo, 'rolling-deploy', 'run-1', '1.0.0', batch);
    expect(Object.keys(stateOf(demo).backends).sort()).toEqual(['instance-0', 'instance-1']);
    await ok(demo, 'rolling-undo', 'run-1', '1.0.0', batch);
    expect(stateOf(demo).backends).toEqual({});
    expect((await fetch(`http://127.0.0.1:${demo.DEMO_PORT}/health`)).status).toBe(503);
  });

  it('after blue-green, the instances outside the first batch start on the live version and take over the traffic', async () => {
    await ok(demo, 'deploy', 'run-2', '2.0.0');
    await ok(demo, 'switch', 'run-2', '2.0.0');
    const batch = {
      FLIGHTDECK_BATCH: '1',
      FLIGHTDECK_BATCHES: '3',
      FLIGHTDECK_INSTANCES: '3',
      FLIGHTDECK_BATCH_INSTANCES: '0',
      FLIGHTDECK_PREVIOUS_VERSION: '2.0.0',
    };
    await ok(demo, 'rolling-deploy', 'run-3', '2.1.0', batch);
    const { backends } = stateOf(demo);
    expect(Object.fromEntries(Object.entries(backends).map(([name, backend]) => [name, [backend.version, backend.weight]]))).toEqual({
      blue: ['2.0.0', 0],
      'instance-0': ['2.1.0', 1],
      'instance-1': ['2.0.0', 1],
      'instance-2': ['2.0.0', 1],
    });
    await ok(demo, 'rolling-undo', 'run-3', '2.1.0', batch);
    expect(stateOf(demo).backends['instance-0']!.version).toBe('2.0.0');
  });
});

/** A demo service whose blue slot serves `version` to all production traffic. */
async function liveOnBlue(version: string): Promise<DemoEnv> {
  const demo = await demoServiceEnv();
  await ok(demo, 'deploy', 'run-1', version);
  await ok(demo, 'switch', 'run-1', version);
  return demo;
}

describe('canary', () => {
  let demo: DemoEnv;
  beforeAll(async () => {
    demo = await liveOnBlue('1.0.0');
  });
  afterAll(() => stopDemoService(demo));

  it('a canary at weight 0 gets no production traffic, only /_canary/*', async () => {
    await ok(demo, 'canary-deploy', 'run-2', '1.1.0-errors', { FLIGHTDECK_PREVIOUS_VERSION: '1.0.0' });
    expect((await traffic(demo, '/', 50)).backends).toEqual({ blue: 50 });
    expect(await (await fetch(`http://127.0.0.1:${demo.DEMO_PORT}/_canary/health`)).json()).toMatchObject({ version: '1.1.0-errors' });
    expect(Object.keys(await metrics(demo))).not.toContain('demo_error_ratio{backend="canary"}');
  });

  it('at weight 25 the canary serves about a quarter of the traffic, and /metrics shows its error ratio', async () => {
    await ok(demo, 'canary-weight', 'run-2', '1.1.0-errors', { FLIGHTDECK_WEIGHT: '25' });
    const { backends, statuses } = await traffic(demo, '/', 200);
    expect(statuses).toEqual([200]);
    expect(backends.canary! + backends.blue!).toBe(200);
    expect(backends.canary).toBeGreaterThan(20); // about 50: a wide band, the draw is random
    expect(backends.canary).toBeLessThan(90);
    expect(await metrics(demo)).toMatchObject({
      'demo_error_ratio{backend="canary"}': 0.2,
      'demo_error_ratio{backend="blue"}': 0.001,
      'demo_backend_weight{backend="canary"}': 25,
      'demo_backend_weight{backend="blue"}': 75,
    });
    expect(await ok(demo, 'status', 'run-2', '1.1.0-errors')).toMatch(/canary +1\.1\.0-errors on :\d+ up, 25% of traffic/);
  });

  it('a weight outside 0–100 is refused', async () => {
    const refused = await ctl(demo, 'canary-weight', 'run-2', '1.1.0-errors', { FLIGHTDECK_WEIGHT: '120' });
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('FLIGHTDECK_WEIGHT must be a whole number from 0 to 100') });
  });

  it('canary-abort gives the stable all traffic back and stops the canary', async () => {
    const canary = stateOf(demo).backends.canary!;
    await ok(demo, 'canary-abort', 'run-2', '1.1.0-errors');
    await ok(demo, 'canary-abort', 'run-2', '1.1.0-errors'); // a re-run is harmless
    expect((await traffic(demo, '/', 50)).backends).toEqual({ blue: 50 });
    expect(await metrics(demo)).toEqual({
      'demo_backend_weight{backend="blue"}': 100,
      'demo_backend_up{backend="blue"}': 1,
      'demo_error_ratio{backend="blue"}': 0.001,
      'demo_latency_p95_seconds{backend="blue"}': 0.1,
    });
    expect(processAlive(canary.pid)).toBe(false);
    expect(stateOf(demo).backends.canary).toBeUndefined();
  });

  it('canary-promote gives the canary all traffic and keeps the old pool warm; canary-abort still brings it back; canary-retire then stops it', async () => {
    const blue = stateOf(demo).backends.blue!;
    await ok(demo, 'canary-deploy', 'run-3', '1.2.0', { FLIGHTDECK_PREVIOUS_VERSION: '1.0.0' });
    await ok(demo, 'canary-weight', 'run-3', '1.2.0', { FLIGHTDECK_WEIGHT: '50' });
    await ok(demo, 'canary-promote', 'run-3', '1.2.0');
    await ok(demo, 'canary-promote', 'run-3', '1.2.0'); // a re-run is harmless
    expect((await traffic(demo, '/', 30)).backends).toEqual({ canary: 30 });
    expect(processAlive(blue.pid)).toBe(true); // kept warm for a rollback after promotion

    // A rollback after promotion: the old pool serves everything again.
    await ok(demo, 'canary-abort', 'run-3', '1.2.0');
    expect((await traffic(demo, '/', 30)).backends).toEqual({ blue: 30 });

    // Another run promotes and, after monitoring, retires the old pool.
    await ok(demo, 'canary-deploy', 'run-4', '1.3.0', { FLIGHTDECK_PREVIOUS_VERSION: '1.0.0' });
    await ok(demo, 'canary-weight', 'run-4', '1.3.0', { FLIGHTDECK_WEIGHT: '50' });
    await ok(demo, 'canary-promote', 'run-4', '1.3.0');
    await ok(demo, 'canary-retire', 'run-4', '1.3.0');
    await ok(demo, 'canary-retire', 'run-4', '1.3.0'); // a re-run is harmless
    expect((await traffic(demo, '/', 30)).backends).toEqual({ stable: 30 });
    expect(processAlive(blue.pid)).toBe(false);
    expect(Object.keys(stateOf(demo).backends)).toEqual(['stable']);
    expect(
      actionsOf(demo)
        .filter((line) => / canary-\w+ run-3( |$)/.test(line))
        .map((line) => line.split(' ')[1]),
    ).toEqual(['canary-deploy', 'canary-weight', 'canary-promote', 'canary-promote', 'canary-abort']);
  });

  it('stop stops every process', async () => {
    const pids = Object.values(stateOf(demo).backends).map((backend) => backend.pid);
    await ok(demo, 'stop', 'run-3', '1.2.0');
    expect(pids.filter(processAlive)).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${demo.DEMO_PORT}/_router/health`)).rejects.toThrow();
  });
});

describe('canary on a first deployment', () => {
  let demo: DemoEnv;
  beforeAll(async () => void (demo = await demoServiceEnv()));
  afterAll(() => stopDemoService(demo));

  it('with no stable pool, production answers 503 at weight 0 and the canary takes all traffic at any weight above 0', async () => {
    await ok(demo, 'canary-deploy', 'run-1', '1.0.0');
    expect((await traffic(demo, '/', 5)).statuses).toEqual([503]);
    await ok(demo, 'canary-weight', 'run-1', '1.0.0', { FLIGHTDECK_WEIGHT: '10' });
    expect((await traffic(demo, '/', 30)).backends).toEqual({ canary: 30 });
    await ok(demo, 'canary-abort', 'run-1', '1.0.0');
    expect((await traffic(demo, '/', 5)).statuses).toEqual([503]);
  });
});

describe('feature flag', () => {
  let demo: DemoEnv;
  beforeAll(async () => {
    demo = await liveOnBlue('1.0.0');
  });
  afterAll(() => stopDemoService(demo));

  const flag = { FLIGHTDECK_FLAG: 'checkout-v2' };

  it('a broken version deployed dark serves production healthily until its flag is on, and again once it is off', async () => {
    const version = '1.1.0-broken-errors';
    await ok(demo, 'flag-deploy', 'run-2', version, flag);
    let served = await traffic(demo, '/health', 20);
    expect(served).toEqual({ backends: { green: 20 }, statuses: [200] });
    expect(await metrics(demo)).toMatchObject({ 'demo_error_ratio{backend="green"}': 0.001 });

    await ok(demo, 'flag-on', 'run-2', version, flag);
    served = await traffic(demo, '/health', 20);
    expect(served).toEqual({ backends: { green: 20 }, statuses: [500] });
    expect(await metrics(demo)).toMatchObject({ 'demo_error_ratio{backend="green"}': 0.2 });
    expect(await ok(demo, 'status', 'run-2', version)).toContain('dark behind flag checkout-v2 (on)');

    await ok(demo, 'flag-off', 'run-2', version, flag);
    expect((await traffic(demo, '/health', 20)).statuses).toEqual([200]);
    expect(
      actionsOf(demo)
        .filter((line) => line.includes(' run-2 '))
        .map((line) => line.split(' ')[1]),
    ).toEqual(['flag-deploy', 'flag-on', 'flag-off']);
  });

  it('a flag of another name changes nothing, and switch-back after a dark deploy puts the old slot back', async () => {
    await ok(demo, 'flag-on', 'run-2', '1.1.0-broken-errors', { FLIGHTDECK_FLAG: 'something-else' });
    expect((await traffic(demo, '/health', 10)).statuses).toEqual([200]);
    await ok(demo, 'switch-back', 'run-2', '1.1.0-broken-errors', flag);
    expect((await traffic(demo, '/health', 10)).backends).toEqual({ blue: 10 });
  });
});
